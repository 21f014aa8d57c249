// Profiling aid (not part of `npm run bench`): runs the console in a pty against postdeck's daemon
// with N services writing `rate` lines/s in total, for `seconds`, with V8's CPU profiler on, then
// quits it with `q` and prints where its CPU time went (self time by function, top 40).
// With SIMNODE=1 the rig has a simulated node (as the bench's idle phase), and the daemon's events
// over the window are counted by type (what wakes the console).
// bench/console/key-window.js DIR then shows, per slow key, what the console did between the key and its frame.
// Usage: [NOPROF=1] [SIMNODE=1] [SETTLE_S=5] [DIFF=1] [NODEFLAGS=…] node bench/console/profile-console.js [seconds=30] [linesPerS=0] [services=16] [keys=0]
import { existsSync, readdirSync, readFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { makeChildren, POSTDECK_BIN } from "../lib/children.js";
import { PostdeckSupervisor, postdeckEnv } from "../lib/postdeck.js";
import { cpuSeconds, findMarked, rssBytes, sleep, waitFor } from "../lib/proc.js";
import { freshDir, removeDir } from "../lib/supervisors.js";
import { PtyScreen } from "./pty-screen.js";
import { summarise } from "./cpuprofile.js";

/** Counts the daemon's events by type (a second subscriber beside the console). */
async function eventCensus(stateDir) {
  const { SocketClient } = await import("../../dist/client/socket-client.js");
  const { socketPath } = await import("../../dist/config/runtime-paths.js");
  const { DaemonStore } = await import("../../dist/ui/state/daemon-store.js");
  const client = new SocketClient(socketPath(stateDir), {});
  const store = new DaemonStore(); // how the console's store sorts them: slow (drawn on the slow clock), held (nothing new) or state
  const counts = new Map();
  let first = true;
  const last = new Map();
  const changedKeys = (key, data) => {
    const prev = last.get(key);
    last.set(key, data);
    if (!prev) return "first";
    if (process.env.CENSUS_DETAIL === key)
      for (const k of Object.keys(data)) if (JSON.stringify(data[k]) !== JSON.stringify(prev[k])) console.log(`${key}.${k}: ${JSON.stringify(prev[k])}\n→ ${JSON.stringify(data[k])}`);
    return Object.keys(data).filter((k) => JSON.stringify(data[k]) !== JSON.stringify(prev[k])).join(" ") || "same";
  };
  const off = client.subscribe((e) => {
    if (first && e.type === "snapshot") return void ((first = false), store.apply(e));
    const kind = e.type === "log" ? "" : store.isSlow(e) ? "slow " : "";
    const v = store.version;
    store.apply(e);
    const k = `${e.type}(${kind}${store.version === v ? "held" : e.type === "log" ? "" : changedKeys(e.type === "service" ? e.data.name : e.type, e.data)})`;
    counts.set(k, (counts.get(k) ?? 0) + (e.type === "log" ? e.data.length : 1));
  }, undefined, { sampleMs: 10_000 }); // the console's pace for samples (a faster subscriber would have them taken every 2 s for all)
  return {
    stop: () => {
      off();
      client.close();
      return [...counts].map(([k, v]) => `${k} ${v}`).join(", ") || "none";
    },
  };
}

const [seconds = 30, rate = 0, n = 16, keys = 0] = process.argv.slice(2).map(Number);
const profDir = freshDir("prof");
mkdirSync(profDir, { recursive: true });
const root = freshDir("pc");
const childArgs = rate > 0 ? ["--rate", rate / n, "--seconds", seconds + 120, "--then", "idle"] : ["--rate", 0, "--seconds", 0, "--then", "idle"];
const { children } = makeChildren(root, "pc", n, childArgs);
const sup = new PostdeckSupervisor(root, children, { autostart: false, node: process.env.SIMNODE === "1" });
await sup.start({ waitChildren: false });
const renderLog = path.join(profDir, "renders.log");
// NOPROF=1: the same run without the profiler (whose sampling thread costs CPU of its own)
const prof = process.env.NOPROF === "1" ? [] : ["--cpu-prof", `--cpu-prof-dir=${profDir}`];
// NODEFLAGS="…": V8 flags to try (the console runs with none)
const node = [process.execPath, ...prof, ...(process.env.NODEFLAGS ? process.env.NODEFLAGS.split(" ") : [])];
const scr = new PtyScreen([...node, POSTDECK_BIN, "--config", sup.configPath], { cols: 120, rows: 40, cwd: profDir, env: postdeckEnv({ NO_COLOR: "", POSTDECK_RENDER_LOG: renderLog }) });
const nameRe = /pc-c\d\d/;
try {
  await scr.waitFor((t) => nameRe.test(t), "the console", 60_000);
  await sup.cliAsync(["start", "--all"]);
  await waitFor(() => children.every((c) => (findMarked(null).get(c.marker) ?? []).length > 0), "services", 60_000, 100);
  await sleep(Number(process.env.SETTLE_S ?? 5) * 1000); // SETTLE_S=65: past the first minute, as the bench's idle phase
  const census = await eventCensus(sup.stateDir);
  // DIFF=1: print the screen lines each frame changed (what the renders were for)
  let shown = scr.screen();
  if (process.env.DIFF === "1")
    scr.watchers.add(() => {
      const now = scr.screen();
      const changed = now.map((l, y) => (l !== shown[y] ? `${String(y).padStart(2)}| ${l}` : null)).filter((x) => x !== null);
      if (changed.length) console.log(`${new Date().toISOString().slice(11, 19)} ${changed.length} lines\n${changed.slice(0, 6).join("\n")}`);
      shown = now;
    });
  // CPU per thread of the console (main thread, V8's GC and compiler workers, libuv's pool)
  const threads = () => {
    const m = new Map();
    for (const t of readdirSync(`/proc/${scr.pid}/task`)) {
      try {
        const st = readFileSync(`/proc/${scr.pid}/task/${t}/stat`, "utf8");
        const comm = st.slice(st.indexOf("(") + 1, st.lastIndexOf(")"));
        const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
        m.set(`${comm}#${t}`, (Number(f[11]) + Number(f[12])) / 100);
      } catch {
        /* gone */
      }
    }
    return m;
  };
  const th0 = threads();
  const c0 = cpuSeconds(scr.pids());
  const rss0 = scr.pids().reduce((a, p) => a + rssBytes(p), 0);
  const f0 = scr.frames;
  const t0 = Date.now();
  const lat = [];
  // when each frame began to arrive (Ink's synchronized-output mark), to see what a slow key waited behind
  const frameAt = [];
  scr.pty.onData((d) => d.includes("\x1b[?2026h") && frameAt.push(performance.now()));
  const keyAt = [];
  for (let k = 0; k < keys; k++) {
    keyAt.push(performance.now());
    lat.push(await scr.keyLatency(k % 2 ? "k" : "j", /[! \d]*(id\d+)\s/)); // the selected identity row's key name
    await sleep((seconds * 1000) / keys - (lat.at(-1) ?? 0));
  }
  while (Date.now() - t0 < seconds * 1000) await sleep(100);
  const c1 = cpuSeconds(scr.pids());
  const th1 = threads();
  console.log(`console threads' CPU s over the window: ${[...th1].map(([k, v]) => [k, v - (th0.get(k) ?? 0)]).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ") || "none"}`);
  console.log(`console RSS ${(scr.pids().reduce((a, p) => a + rssBytes(p), 0) / 2 ** 20).toFixed(0)} MiB at the end (${(rss0 / 2 ** 20).toFixed(0)} MiB at the start)`);
  // HEAPSNAP=1 (with NODEFLAGS=--heapsnapshot-signal=SIGUSR2): a heap snapshot of the console at the end, in its cwd
  if (process.env.HEAPSNAP === "1") {
    process.kill(scr.pid, "SIGUSR2");
    await sleep(15000);
  }
  const wall = (Date.now() - t0) / 1000;
  const renders = existsSync(renderLog) ? readFileSync(renderLog, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number)).filter(([at]) => at >= t0) : [];
  const ms = renders.map((r) => r[1]);
  console.log(`renders ${renders.length} (${(renders.length / wall).toFixed(2)}/s), Ink render-to-string mean ${(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)).toFixed(1)} ms`);
  console.log(`cpu ${(((c1.total - c0.total) / wall) * 100).toFixed(2)} % of a core, frames/s ${((scr.frames - f0) / wall).toFixed(2)}, bytes ${scr.bytes}`);
  console.log(`daemon events over the window: ${census.stop()}`);
  if (lat.length) {
    console.log(`key latencies ms: ${lat.map((x) => (x == null ? "miss" : x.toFixed(0))).join(" ")}`);
    const sorted = lat.filter((x) => x != null).sort((a, b) => a - b);
    console.log(`key p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} p95 ${sorted[Math.ceil(sorted.length * 0.95) - 1]?.toFixed(0)} ms (${sorted.length} keys)`);
    // the slowest keys: how long before each the last frame had begun, how many frames came in between
    const slow = lat.map((v, i) => ({ v, i })).filter((x) => x.v != null).sort((a, b) => b.v - a.v).slice(0, Math.max(3, Math.ceil(lat.length / 20)));
    for (const { v, i } of slow) {
      const before = frameAt.filter((t) => t < keyAt[i]).at(-1);
      const between = frameAt.filter((t) => t >= keyAt[i] && t < keyAt[i] + v).length;
      console.log(`  slow key ${i}: ${v.toFixed(0)} ms; previous frame ${before === undefined ? "none" : (keyAt[i] - before).toFixed(0) + " ms before"}; frames begun while it waited: ${between}`);
    }
  }
  scr.write("q");
  // the profile is written when the console exits on its own (a kill loses it): up to 30 s on a loaded machine
  for (let i = 0; i < 300 && !scr.exited; i++) await sleep(100);
} finally {
  scr.kill();
  await sup.stop().catch(() => undefined);
  removeDir(root);
}
for (const f of readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"))) {
  // the measured window only: it ended ~3 s before the profile (q, then the console closes)
  console.log(summarise(path.join(profDir, f), 30, false, [seconds + 3.5, 2.5]));
  console.log(summarise(path.join(profDir, f), 30, true, [seconds + 3.5, 2.5]));
}
console.log(`profiles in ${profDir}`);
