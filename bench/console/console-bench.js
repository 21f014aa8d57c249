// Phase 4 — the console: `postdeck` (the TUI) in a real pseudo-terminal, attached to postdeck's
// daemon with BENCH_CONSOLE_SERVICES services (default 64: the console must stay usable with 64 identities). A: all idle (CPU). B: 1,000 lines/s in total (CPU, RSS, frames/s,
// key press → changed frame). C: a burst of 1,000,000 lines (RSS after; bounded buffers).
import { makeChildren, POSTDECK_BIN } from "../lib/children.js";
import { writtenByMarker } from "../lib/captured.js";
import { PostdeckSupervisor, postdeckEnv } from "../lib/postdeck.js";
import { cpuSeconds, findMarked, loadAvg, rssBytes, sampleRss, sleep, waitFor } from "../lib/proc.js";
import { percentile } from "../lib/stats.js";
import { freshDir, removeDir } from "../lib/supervisors.js";
import { PtyScreen } from "./pty-screen.js";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Renders Ink made (drawn or not) from `since` on: how many per second and their mean render ms. */
function rendersSince(file, since, wallS) {
  const rows = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number)).filter(([at]) => at >= since) : [];
  const ms = rows.map((r) => r[1]);
  return { rendersPerS: rows.length / wallS, renderMs: ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : null };
}

/**
 * Where key presses spent their time, p50 and p95: until the console's event loop saw the input
 * (keyInput, from its trace: ms-grained), until the chunk that changed the selected row came out of
 * the pty (keyArrived: the console's share) and this process's parsing of it (keyParse: the bench's
 * own share); the console's collections; and the slowest keys with the renders Ink finished
 * (`[ms after the key, render ms]`), input seen and collections (`[ms after, ms, kind]`) while each waited.
 */
function keySplit(keys, renderFile) {
  const done = keys.filter((k) => k.parsedMs !== null && k.arrivedMs !== null);
  const arrived = done.map((k) => k.arrivedMs);
  const parse = done.map((k) => k.parsedMs - k.arrivedMs);
  const renders = existsSync(renderFile) ? readFileSync(renderFile, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number)) : [];
  // the console's own trace (run-console.tsx, beside the render log): `key <epoch ms>` when stdin had
  // input, `gc <epoch ms> <ms> <kind>` for each collection
  const events = existsSync(renderFile + ".events") ? readFileSync(renderFile + ".events", "utf8").trim().split("\n").map((l) => l.split(" ")) : [];
  const within = (k, at) => at >= k.at - 1 && at <= k.at + k.arrivedMs + 1;
  const slowest = [...done].sort((a, b) => b.parsedMs - a.parsedMs).slice(0, 8).map((k) => ({
    ms: +k.parsedMs.toFixed(1),
    arrivedMs: +k.arrivedMs.toFixed(1),
    renders: renders.filter(([at]) => within(k, at)).map(([at, ms]) => [at - k.at, ms]),
    stdinAt: events.filter((e) => e[0] === "key" && within(k, Number(e[1]))).map((e) => Number(e[1]) - k.at),
    gcs: events.filter((e) => e[0] === "gc" && within(k, Number(e[1]))).map((e) => [Number(e[1]) - k.at, Number(e[2]), e[3]]),
  }));
  const gcs = events.filter((e) => e[0] === "gc").map((e) => Number(e[2]));
  // until the console's event loop saw the key's input: the machine's scheduling and whatever the console was doing
  const inputAt = events.filter((e) => e[0] === "key").map((e) => Number(e[1]));
  const stdin = done.map((k) => inputAt.find((at) => at >= k.at - 1)).map((at, i) => (at === undefined ? null : Math.max(0, at - done[i].at))).filter((v) => v !== null);
  return { keyInputP50: percentile(stdin, 50), keyInputP95: percentile(stdin, 95), keyArrivedP50: percentile(arrived, 50), keyArrivedP95: percentile(arrived, 95), keyParseP50: percentile(parse, 50), keyParseP95: percentile(parse, 95), gcCount: gcs.length, gcMsP95: percentile(gcs, 95), gcMsMax: gcs.length ? Math.max(...gcs) : null, slowestKeys: slowest };
}

const COLS = 120;
const ROWS = 40;

/** The console's command: `postdeck` run as a program, as the installed command is. */
function consoleArgv(configPath) {
  return { argv: [POSTDECK_BIN, "--config", configPath], via: "postdeck (bin/postdeck.js run as a program, as the installed command is)" };
}

/** A daemon with n services (autostart off: they start when the console is attached), and the console on it. */
async function setup(tag, childArgs, n, o = {}) {
  const root = freshDir(tag);
  const { children, reportDir } = makeChildren(root, tag, n, childArgs);
  const sup = new PostdeckSupervisor(root, children, { autostart: false, node: o.node === true });
  await sup.start({ waitChildren: false });
  const { argv, via } = consoleArgv(sup.configPath);
  const renderLog = path.join(root, "renders.log"); // every render Ink makes: `<epoch ms> <render ms>`
  const nameRe = new RegExp(`${tag}-c\\d\\d`); // in the log pane's title: the console shows the services
  // the selected row of the identities table: its findings mark (`!3`, `!12`), then the key's name (id0, id1, …)
  const rowRe = /[! \d]*(id\d+)\s/;
  let scr;
  for (let attempt = 1; ; attempt++) {
    // (a retry: other work on this machine may be rebuilding dist/ at the moment the console loads)
    scr = new PtyScreen(argv, { cols: COLS, rows: ROWS, env: postdeckEnv({ NO_COLOR: "", POSTDECK_RENDER_LOG: renderLog }) });
    let raw = "";
    scr.pty.onData((d) => (raw = (raw + d).slice(-2000)));
    try {
      await scr.waitFor((t) => nameRe.test(t), "the console to show the services", 60_000);
      break;
    } catch (err) {
      scr.kill();
      if (attempt >= 3) {
        await sup.stop().catch(() => undefined);
        throw new Error(`${err.message.split("\n")[0]}; console output: ${JSON.stringify(raw.slice(-600))}`);
      }
      await sleep(2000);
    }
  }
  const r = await sup.cliAsync(["start", "--all"]);
  if (r.status !== 0) throw new Error(`postdeck start --all failed: ${r.stderr}`);
  await waitFor(() => {
    const m = findMarked(null);
    return children.every((c) => (m.get(c.marker) ?? []).length > 0);
  }, "the services to run", 60_000, 100);
  return { root, children, reportDir, sup, scr, nameRe, rowRe, via, renderLog };
}

async function teardown(s) {
  s?.scr.write("q");
  await sleep(300);
  s?.scr.kill();
  await s?.sup.stop().catch(() => undefined);
  if (s) removeDir(s.root);
}

export async function runConsoleBench({ cfg, log }) {
  const out = { cols: COLS, rows: ROWS, notes: [] };
  const n = Number(process.env.BENCH_CONSOLE_SERVICES ?? 64);
  out.services = n;
  // BENCH_CONSOLE_PARTS=idle,flow,million (default all): one part alone, e.g. to check a change
  const parts = (process.env.BENCH_CONSOLE_PARTS ?? "idle,flow,million").split(",");
  let s = null;
  // A. idle
  if (parts.includes("idle")) try {
    log(`console: idle, ${n} idle services and a simulated node at rest, ${cfg.consoleIdleSeconds} s from ${cfg.consoleIdleAfterS} s after the services started (load ${loadAvg()})`);
    s = await setup("ci4", ["--rate", 0, "--seconds", 0, "--then", "idle"], n, { node: true });
    out.notes.push(`console run as ${s.via}`);
    out.notes.push(`idle: with a simulated node at rest; measured from ${cfg.consoleIdleAfterS} s after the services started (past the first minute, when uptimes still show \`<1m\`)`);
    await sleep(cfg.consoleIdleAfterS * 1000);
    const c0 = cpuSeconds(s.scr.pids());
    const t0 = Date.now();
    const f0 = s.scr.frames;
    await sleep(cfg.consoleIdleSeconds * 1000);
    const c1 = cpuSeconds(s.scr.pids());
    const wall = (Date.now() - t0) / 1000;
    out.idle = { cpuPct: ((c1.total - c0.total) / wall) * 100, rss: s.scr.pids().reduce((a, p) => a + rssBytes(p), 0), fps: (s.scr.frames - f0) / wall, ...rendersSince(s.renderLog, t0, wall) };
  } catch (err) {
    out.idle = { error: err.message.split("\n")[0] };
    log(`console idle: ${err.message}`);
  } finally {
    await teardown(s);
    s = null;
  }
  // B. 1,000 lines/s
  if (parts.includes("flow")) try {
    const per = 1000 / n;
    log(`console: ${n} services × ${per} lines/s, ${cfg.consoleSeconds} s, ${cfg.keyPresses} key presses (load ${loadAvg()})`);
    s = await setup("cf4", ["--rate", per, "--seconds", cfg.consoleSeconds + cfg.settleS + 60, "--then", "idle"], n);
    await sleep(cfg.settleS * 1000);
    const dpid = s.sup.supervisorPids();
    const c0 = cpuSeconds(s.scr.pids());
    const d0 = cpuSeconds(dpid);
    const f0 = s.scr.frames;
    const b0 = s.scr.bytes;
    const t0 = Date.now();
    const rss = sampleRss(() => s.scr.pids(), 500);
    const lat = [];
    const keys = []; // where each key's time went (PtyScreen.lastKey)
    let misses = 0;
    const end = t0 + cfg.consoleSeconds * 1000;
    const gap = (cfg.consoleSeconds * 1000) / Math.max(1, cfg.keyPresses);
    for (let k = 0; k < cfg.keyPresses && Date.now() < end; k++) {
      const v = await s.scr.keyLatency(k % 2 === 0 ? "j" : "k", s.rowRe);
      if (v === null) misses++;
      else lat.push(v);
      keys.push(s.scr.lastKey);
      await sleep(Math.max(50, gap - (v ?? 2000)));
    }
    while (Date.now() < end) await sleep(100);
    const wall = (Date.now() - t0) / 1000;
    const c1 = cpuSeconds(s.scr.pids());
    const d1 = cpuSeconds(dpid);
    out.flow = {
      linesPerS: 1000,
      cpuPct: ((c1.total - c0.total) / wall) * 100,
      daemonCpuPct: ((d1.total - d0.total) / wall) * 100,
      rssPeak: rss.stop().peak,
      fps: (s.scr.frames - f0) / wall,
      bytesPerS: (s.scr.bytes - b0) / wall,
      keyP50: percentile(lat, 50),
      keyP95: percentile(lat, 95),
      keys: lat.length + misses,
      keyMisses: misses,
      ...keySplit(keys, s.renderLog),
      ...rendersSince(s.renderLog, t0, wall),
    };
  } catch (err) {
    out.flow = { error: err.message.split("\n")[0] };
    log(`console flow: ${err.message}`);
  } finally {
    await teardown(s);
    s = null;
  }
  // C. a million lines through the console
  if (parts.includes("million")) try {
    const per = Math.ceil(cfg.consoleLines / n);
    const rate = cfg.consoleBurstRate / n;
    log(`console: ${per * n} lines at ${cfg.consoleBurstRate} lines/s in total (load ${loadAvg()})`);
    s = await setup("cm4", ["--rate", rate, "--lines", per, "--seconds", per / rate + 120, "--then", "idle"], n);
    await sleep(2000);
    const before = s.scr.pids().reduce((a, p) => a + rssBytes(p), 0);
    const t0 = Date.now();
    const rss = sampleRss(() => s.scr.pids(), 500);
    await waitFor(() => writtenByMarker(s.reportDir).size >= n, "every child to write its lines", (per / rate + 300) * 1000, 500);
    await sleep(5000); // the daemon's follower and the console catch up
    const seconds = (Date.now() - t0) / 1000;
    const r = rss.stop();
    const written = [...writtenByMarker(s.reportDir).values()].reduce((a, b) => a + b, 0);
    out.million = { lines: written, seconds, rssBefore: before, rssAfter: s.scr.pids().reduce((a, p) => a + rssBytes(p), 0), rssPeak: r.peak, daemonRss: rssBytes(s.sup.supervisorPids()[0]) };
  } catch (err) {
    out.million = { error: err.message.split("\n")[0] };
    log(`console million: ${err.message}`);
  } finally {
    await teardown(s);
    s = null;
  }
  return out;
}

// Run alone (one part, e.g. to check a change; bench/run.js's report wants every part):
//   BENCH_CONSOLE_PARTS=flow [BENCH_CONSOLE_SECONDS=30] [BENCH_KEYS=30] node bench/console/console-bench.js
// prints the figures as JSON, with the load before and after.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = (k, d) => (process.env[k] ? Number(process.env[k]) : d);
  const cfg = {
    consoleSeconds: env("BENCH_CONSOLE_SECONDS", 30),
    consoleIdleSeconds: env("BENCH_CONSOLE_IDLE_SECONDS", 30),
    consoleIdleAfterS: env("BENCH_CONSOLE_IDLE_AFTER_SECONDS", 65),
    consoleLines: env("BENCH_CONSOLE_LINES", 1_000_000),
    consoleBurstRate: env("BENCH_CONSOLE_BURST_RATE", 20_000),
    keyPresses: env("BENCH_KEYS", 40),
    settleS: env("BENCH_SETTLE_SECONDS", 5),
  };
  const loadBefore = loadAvg();
  const out = await runConsoleBench({ cfg, log: (m) => console.error(m) });
  console.log(JSON.stringify({ bin: POSTDECK_BIN, loadBefore, loadAfter: loadAvg(), ...out }, null, 1));
}
