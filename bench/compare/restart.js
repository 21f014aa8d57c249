// Phase 2 — restart: SIGKILL one idle child K times under each supervisor; time from the kill to
// a new process carrying the child's marker (the wrapper has exec'd node, so it runs again).
// Between kills the child stays up for `uptimeS` so every crash is a "first" crash for each
// supervisor's backoff (postdeck: restart.resetAfterS 1; pm2: min_uptime 1 s; supervisord: startsecs 1).
// Then a crash loop: the child is killed again 50 ms after each return (loopKills times): the
// time to come back shows each supervisor's backoff (postdeck: 750 ms, then ×1.5).
import { readdirSync, readFileSync } from "node:fs";
import { makeChildren } from "../lib/children.js";
import { findMarked, loadAvg, sleep } from "../lib/proc.js";
import { median, max, percentile } from "../lib/stats.js";
import { freshDir, removeDir } from "../lib/supervisors.js";

/** Children of a pid, from /proc/<pid>/task/<tid>/children (cheap enough to poll every few ms). */
function childPids(pid) {
  const out = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const s = readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      if (s) out.push(...s.split(" ").map(Number));
    }
  } catch {
    return null;
  }
  return out;
}

function hasMarker(pid, marker) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const i = argv.indexOf("--bench-marker");
    return i >= 0 && argv[i + 1] === marker;
  } catch {
    return false;
  }
}

/**
 * Polls every ~2 ms until a process other than `old` carries the marker; returns ms since t0, and
 * forkMs: when the supervisor's new child first appeared (before the wrapper exec'd node: the
 * supervisor's own reaction, without the exec time the machine adds).
 */
async function waitNewPid(supPid, marker, old, t0, timeoutMs) {
  const before = new Set(childPids(supPid) ?? []);
  let forkMs = null;
  for (;;) {
    const kids = childPids(supPid);
    const cands = kids ?? findMarked(marker);
    const now = () => Number(process.hrtime.bigint() - t0) / 1e6;
    if (forkMs === null && kids && kids.some((p) => !before.has(p))) forkMs = now();
    for (const p of cands) if (p !== old && hasMarker(p, marker)) return { ms: now(), forkMs: forkMs ?? now(), pid: p };
    if (Number(process.hrtime.bigint() - t0) / 1e6 > timeoutMs) return null;
    await new Promise((r) => setImmediate(r));
    await sleep(2);
  }
}

export async function runRestart({ supervisors, kills, uptimeS, loopKills = 3, log }) {
  const results = [];
  for (const s of supervisors) {
    if (s.skip) {
      results.push({ name: s.name, skipped: s.skip });
      continue;
    }
    const root = freshDir(`rst-${s.prefix}`);
    const { children } = makeChildren(root, `${s.prefix}2p${process.pid}`, 1, ["--rate", 0, "--seconds", 0, "--then", "idle"]);
    const marker = children[0].marker;
    const sup = s.make(root, children, {
      postdeck: { restart: { resetAfterS: 1, maxRestarts: 1000 } }, // initialDelayMs stays at its default (500 ms)
    });
    const load0 = loadAvg();
    log(`restart: ${s.name}: ${kills} × SIGKILL (load ${load0})`);
    const times = [];
    const forks = [];
    let failures = 0;
    try {
      await sup.start();
      const supPid = sup.supervisorPids()[0];
      let pid = findMarked(marker)[0];
      for (let k = 0; k < kills; k++) {
        await sleep(uptimeS * 1000);
        const t0 = process.hrtime.bigint();
        process.kill(pid, "SIGKILL");
        const r = await waitNewPid(supPid, marker, pid, t0, 30_000);
        if (!r) {
          failures++;
          log(`restart: ${s.name}: the child did not come back within 30 s after kill ${k + 1}`);
          break;
        }
        times.push(r.ms);
        forks.push(r.forkMs);
        pid = r.pid;
      }
      // then a crash loop: killed again as soon as it is back (each supervisor should now back off)
      const loop = [];
      for (let k = 0; k < loopKills && failures === 0; k++) {
        await sleep(50);
        const t0 = process.hrtime.bigint();
        process.kill(pid, "SIGKILL");
        const r = await waitNewPid(supPid, marker, pid, t0, 60_000);
        if (!r) break;
        loop.push(r.ms);
        pid = r.pid;
      }
      results.push({ name: s.name, n: times.length, failures, medianMs: median(times), p95Ms: percentile(times, 95), maxMs: max(times), firstMs: times[0], forkMedianMs: median(forks), forkP95Ms: percentile(forks, 95), loopMs: loop, load0, load1: loadAvg() });
    } catch (err) {
      results.push({ name: s.name, error: err.message });
    } finally {
      await sup.stop().catch(() => undefined);
      removeDir(root);
    }
  }
  return results;
}
