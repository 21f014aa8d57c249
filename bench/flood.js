#!/usr/bin/env node
// Flood budget (issue 11): one service whose child writes its log as fast as it can (`exec yes`)
// for FLOOD_SECONDS (60) under postdeck's daemon, FLOOD_RUNS (3) times. Sampled every 10 ms from
// before the service's start (its flood's first second included): bytes
// in the logs dir (peak; budget (keep + 1) × maxBytes + 20 MB), the daemon's RSS (peak; budget
// 150 MB), what the child wrote (/proc/<pid>/io wchar) and whether `status --json` answers.
// Prints a markdown section for bench/RESULTS.md. Needs a build (npm run build). FLOOD_TRACE=1
// prints each sample over the logs budget with the size of every file. FLOOD_CONSOLE=0 leaves out
// the console: by default `postdeck` runs in a pseudo-terminal (100x30) on the same daemon during the
// flood, and j/k move its selection between the flooding service and a quiet one every 500 ms;
// key → changed frame is timed (budget: p95 ≤ 100 ms).
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PostdeckSupervisor, postdeckEnv } from "./lib/postdeck.js";
import { POSTDECK_BIN } from "./lib/children.js";
import { PtyScreen } from "./console/pty-screen.js";
import { findMarked, loadAvg, rssBytes, sleep, waitFor } from "./lib/proc.js";
import { describeMachine } from "./lib/machine.js";
import { max, median, percentile } from "./lib/stats.js";

const SECONDS = Number(process.env.FLOOD_SECONDS ?? 60);
const RUNS = Number(process.env.FLOOD_RUNS ?? 3);
const MAX_BYTES = 10 * 1024 * 1024;
const KEEP = 3;
const MB = 1e6;
const BUDGET_LOGS = (KEEP + 1) * MAX_BYTES + 20 * MB;
const BUDGET_RSS = 150 * MB;
const BUDGET_KEY_P95_MS = 100;
const CONSOLE = process.env.FLOOD_CONSOLE !== "0";

// Bytes of the files in `dir`, each inode once: a rotation renames <file>.1 to .2 (same inode)
// between two of the stats, which would otherwise count one file twice.
function dirBytes(dir) {
  const seen = new Map();
  for (const f of readdirSync(dir)) {
    try {
      const st = statSync(path.join(dir, f));
      seen.set(st.ino, st.size);
    } catch {
      /* rotated away meanwhile */
    }
  }
  let n = 0;
  for (const size of seen.values()) n += size;
  return n;
}

function wchar(pid) {
  try {
    return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))[1]);
  } catch {
    return 0;
  }
}

async function oneRun(i) {
  const root = mkdtempSync(path.join(os.tmpdir(), "pdf-"));
  const marker = `flood${i}-c00`;
  const bin = path.join(root, "bin");
  mkdirSync(bin);
  const wrapper = path.join(bin, `${marker}.sh`);
  // argv carries the bench marker (findMarked); the post-service flags postdeck appends are dropped
  writeFileSync(wrapper, `#!/bin/sh\nexec yes -- --bench-marker ${marker} "[2024-01-01T00:00:00Z INFO  post_service] a line written as fast as the child can"\n`);
  chmodSync(wrapper, 0o755);
  // a quiet second service: the console's selection moves between the two rows
  const quietMarker = `flood${i}-c01`;
  const quiet = path.join(bin, `${quietMarker}.sh`);
  writeFileSync(quiet, `#!/bin/sh\nexec sh -c 'while :; do sleep 1000; done' quiet --bench-marker ${quietMarker}\n`);
  chmodSync(quiet, 0o755);
  const sup = new PostdeckSupervisor(root, [{ marker, wrapper }, { marker: quietMarker, wrapper: quiet }], { logs: { maxBytes: MAX_BYTES, keep: KEEP }, autostart: false });
  let scr = null;
  let sampling = false;
  const loadBefore = loadAvg();
  try {
    await sup.start({ waitChildren: false });
    const logs = path.join(sup.stateDir, "logs");
    // sampled from before the start: a flood's first second (the daemon busy with the start, the
    // console attaching) is where the worst peaks were
    let peakLogs = 0;
    let peakRss = 0;
    sampling = true;
    const tStart = Date.now();
    const sampler = (async () => {
      while (sampling) {
        const b = dirBytes(logs);
        if (process.env.FLOOD_TRACE && b > BUDGET_LOGS) process.stderr.write(`  t=${Date.now() - tStart} ms after start: ${readdirSync(logs).map((f) => { try { return `${f} ${(statSync(path.join(logs, f)).size / MB).toFixed(1)}`; } catch { return f; } }).join(", ")}\n`);
        peakLogs = Math.max(peakLogs, b);
        peakRss = Math.max(peakRss, rssBytes(sup.pid));
        await sleep(10);
      }
    })();
    const r = await sup.cliAsync(["start", marker]);
    if (r.status !== 0) throw new Error(`start failed: ${r.stderr}`);
    const [pid] = await waitFor(() => { const p = findMarked(marker); return p.length ? p : null; }, "flood child", 30_000);
    const t0 = Date.now();
    const nameRe = new RegExp(`flood${i}-c0\\d`);
    const lat = [];
    let keyMisses = 0;
    let keys = null;
    if (CONSOLE) {
      scr = new PtyScreen([POSTDECK_BIN, "--config", sup.configPath], { cols: 100, rows: 30, env: postdeckEnv({ NO_COLOR: "" }) });
      await scr.waitFor((t) => nameRe.test(t), "the console to show the services", 60_000);
      if (process.env.FLOOD_SCREEN) process.stderr.write(`${scr.text()}\n`);
      keys = (async () => {
        for (let k = 0; Date.now() - t0 < SECONDS * 1000 - 3000; k++) {
          const v = await scr.keyLatency(k % 2 === 0 ? "j" : "k", /[! \d]*id\d+/); // the identity rows (findings mark, then id0 / id1) the services join
          if (v === null) keyMisses++;
          else lat.push(v);
          await sleep(500);
        }
      })();
    }
    const w0 = wchar(pid);
    let asked = 0;
    let answered = 0;
    let asking = null;
    while (Date.now() - t0 < SECONDS * 1000) {
      if (!asking && Date.now() - t0 >= asked * 5000) {
        asked++;
        asking = sup.cliAsync(["status", "--json"], { timeoutMs: 20_000 }).then((x) => { if (x.status === 0) answered++; asking = null; });
      }
      await sleep(10);
    }
    const rate = ((wchar(pid) - w0) * 1000) / (Date.now() - t0);
    sampling = false;
    await sampler;
    await asking;
    await keys;
    return { peakLogs, peakRss, rate, asked, answered, loadBefore, loadAfter: loadAvg(), keyP50: percentile(lat, 50), keyP95: percentile(lat, 95), keys: lat.length + keyMisses, keyMisses };
  } finally {
    sampling = false;
    scr?.write("q");
    await sleep(300);
    scr?.kill();
    await sup.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

const m = describeMachine();
const runs = [];
for (let i = 0; i < RUNS; i++) {
  const r = await oneRun(i);
  runs.push(r);
  process.stderr.write(`run ${i + 1}: logs peak ${(r.peakLogs / MB).toFixed(1)} MB, daemon RSS peak ${(r.peakRss / MB).toFixed(1)} MB, child wrote ${(r.rate / MB).toFixed(0)} MB/s, status answered ${r.answered}/${r.asked}${CONSOLE ? `, console key→frame p50 ${r.keyP50?.toFixed(0)} / p95 ${r.keyP95?.toFixed(0)} ms (${r.keys} keys, ${r.keyMisses} without a frame in 2 s)` : ""}, load ${r.loadBefore} → ${r.loadAfter}\n`);
}
const spread = (xs, f) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(max(xs))})`;
const mbf = (x) => (x / MB).toFixed(1);
const logsOk = runs.every((r) => r.peakLogs <= BUDGET_LOGS);
const rssOk = runs.every((r) => r.peakRss <= BUDGET_RSS);
console.log(`### Flood: one service writing its log as fast as it can (\`exec yes\`), ${SECONDS} s, ${RUNS} runs — ${m.date}

${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB, ${m.kernel}, Node ${m.node}. \`node bench/flood.js\` (FLOOD_SECONDS=${SECONDS}, FLOOD_RUNS=${RUNS}); logs.maxBytes 10 MiB, keep ${KEEP}; sampled every 10 ms. Median (min–max) over the runs.

| figure | median (min–max) | budget | met |
| --- | --- | --- | --- |
| logs dir peak (MB) | ${spread(runs.map((r) => r.peakLogs), mbf)} | ≤ (keep+1) × maxBytes + 20 MB = ${mbf(BUDGET_LOGS)} | ${logsOk ? "yes" : "no"} |
| daemon RSS peak (MB) | ${spread(runs.map((r) => r.peakRss), mbf)} | ≤ 150 | ${rssOk ? "yes" : "no"} |
| child's write rate (MB/s) | ${spread(runs.map((r) => r.rate), (x) => (x / MB).toFixed(0))} | | |
${CONSOLE ? `| console key → changed frame p95 (ms), 100x30, j/k every 500 ms | ${spread(runs.map((r) => r.keyP95 ?? Infinity), (x) => x.toFixed(0))} (p50 ${spread(runs.map((r) => r.keyP50 ?? Infinity), (x) => x.toFixed(0))}; keys without a frame in 2 s: ${runs.map((r) => r.keyMisses).join(", ")}) | ≤ ${BUDGET_KEY_P95_MS} | ${runs.every((r) => r.keyP95 !== null && r.keyP95 <= BUDGET_KEY_P95_MS && r.keyMisses === 0) ? "yes" : "no"} |
` : ""}| \`status --json\` answered during the flood | ${runs.map((r) => `${r.answered}/${r.asked}`).join(", ")} | all | ${runs.every((r) => r.answered === r.asked) ? "yes" : "no"} |

Load average (1, 5, 15 min) before → after each run: ${runs.map((r) => `${r.loadBefore} → ${r.loadAfter}`).join("; ")}.
`);
