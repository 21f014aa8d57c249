// The idle console of several builds side by side (an A/B over the same windows, not one after
// another while the machine's load moves): per build its own rig (N idle bench children and a
// simulated node at rest, the daemon of that build) and that build's console in a pty. After
// --after-s from the services' start (past the first minute), --windows windows of --window-s: each
// console's CPU (its processes, from /proc) over the same window; per window the load and the ratio
// to the first build, each rig's daemon's CPU (its own process) and the events it sent (counted by
// a subscriber beside the console); then median and spread (min–max) per build.
// Usage: npm run build && node bench/console/idle-versus.js [--services 64] [--windows 5]
//   [--window-s 60] [--after-s 65] A/bin/postdeck.js[@render-log] B/bin/postdeck.js …
// (a build: a copy of bin/, dist/, proto/, package.json with node_modules linked, as BENCH_POSTDECK_BIN).
// A build's @render-log: its console runs with POSTDECK_RENDER_LOG as the bench's console phase does
// (a line per render and, in <file>.events, one per collection and per input: a cost of its own).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { makeChildren } from "../lib/children.js";
import { PostdeckSupervisor, postdeckEnv } from "../lib/postdeck.js";
import { cpuSeconds, findMarked, loadAvg, sleep, waitFor } from "../lib/proc.js";
import { freshDir, removeDir } from "../lib/supervisors.js";
import { median } from "../lib/stats.js";
import { PtyScreen } from "./pty-screen.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const n = opt("--services", 64);
const windows = opt("--windows", 5);
const windowS = opt("--window-s", 60);
const afterS = opt("--after-s", 65);
const builds = args.map((a) => ({ bin: path.resolve(a.replace(/@render-log$/, "")), renderLog: a.endsWith("@render-log"), name: a }));
if (builds.length < 1) throw new Error("usage: idle-versus.js [options] A/bin/postdeck.js [B/bin/postdeck.js …]");

/** CPU s of a process's main thread and of its other threads (V8's GC and compiler workers, libuv's pool). */
function threadSplit(pid) {
  let main = 0;
  let others = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8").split(") ")[1].split(" ");
      const s = (Number(f[11]) + Number(f[12])) / 100;
      if (Number(t) === pid) main += s;
      else others += s;
    } catch {
      /* gone */
    }
  }
  return { main, others };
}

/** Counts the daemon's events by type (a subscriber beside the console, at the console's pace for samples). */
async function census(stateDir) {
  const { SocketClient } = await import("../../dist/client/socket-client.js");
  const { socketPath } = await import("../../dist/config/runtime-paths.js");
  const client = new SocketClient(socketPath(stateDir), {});
  const counts = new Map();
  const off = client.subscribe((e) => e.type !== "log" && e.type !== "snapshot" && counts.set(e.type, (counts.get(e.type) ?? 0) + 1), undefined, { sampleMs: 10_000 });
  return {
    take: () => {
      const out = [...counts].map(([k, v]) => `${k} ${v}`).join(", ") || "none";
      counts.clear();
      return out;
    },
    stop: () => {
      off();
      client.close();
    },
  };
}

const rigs = [];
try {
  for (const [i, { bin, renderLog }] of builds.entries()) {
    const tag = `iv${i}`;
    const root = freshDir(tag);
    const { children } = makeChildren(root, tag, n, ["--rate", 0, "--seconds", 0, "--then", "idle"]);
    const sup = new PostdeckSupervisor(root, children, { autostart: false, node: true, bin });
    await sup.start({ waitChildren: false });
    const env = postdeckEnv({ NO_COLOR: "", ...(renderLog ? { POSTDECK_RENDER_LOG: path.join(root, "renders.log") } : {}) });
    const scr = new PtyScreen([process.execPath, bin, "--config", sup.configPath], { cols: 120, rows: 40, env });
    rigs.push({ bin, root, children, sup, scr });
    await scr.waitFor((t) => new RegExp(`${tag}-c\\d\\d`).test(t), `the console of ${bin}`, 60_000);
  }
  for (const r of rigs) {
    const s = await r.sup.cliAsync(["start", "--all"]);
    if (s.status !== 0) throw new Error(`postdeck start --all failed: ${s.stderr}`);
  }
  await waitFor(() => rigs.every((r) => r.children.every((c) => (findMarked(null).get(c.marker) ?? []).length > 0)), "the services to run", 60_000, 100);
  const started = Date.now();
  for (const r of rigs) r.census = await census(r.sup.stateDir);
  console.log(`${builds.length} builds, ${n} services each and a simulated node; windows of ${windowS} s from ${afterS} s on`);
  await sleep(afterS * 1000 - (Date.now() - started));
  const pcts = builds.map(() => []);
  const split0 = rigs.map((r) => threadSplit(r.scr.pid));
  for (let w = 0; w < windows; w++) {
    const load0 = loadAvg().split(" ")[0];
    for (const r of rigs) r.census.take();
    const c0 = rigs.map((r) => cpuSeconds(r.scr.pids()).total);
    const d0 = rigs.map((r) => cpuSeconds([r.sup.pid]).self);
    const f0 = rigs.map((r) => r.scr.frames);
    const t0 = Date.now();
    await sleep(windowS * 1000);
    const wall = (Date.now() - t0) / 1000;
    const pct = rigs.map((r, i) => ((cpuSeconds(r.scr.pids()).total - c0[i]) / wall) * 100);
    pct.forEach((p, i) => pcts[i].push(p));
    const frames = rigs.map((r, i) => r.scr.frames - f0[i]);
    const daemons = rigs.map((r, i) => ((cpuSeconds([r.sup.pid]).self - d0[i]) / wall) * 100);
    const events = rigs.map((r) => r.census.take());
    console.log(`window ${w + 1}: ${pct.map((p, i) => `${p.toFixed(2)} % (${frames[i]} frames)`).join(" | ")}${pct.length > 1 ? ` | ratio ${pct.slice(1).map((p) => (p / pct[0]).toFixed(2)).join(" ")}` : ""} | daemons ${daemons.map((p) => `${p.toFixed(2)} %`).join(" ")} | load ${load0} → ${loadAvg().split(" ")[0]} | events ${events.map((x) => `[${x}]`).join(" ")}`);
  }
  const split1 = rigs.map((r) => threadSplit(r.scr.pid));
  for (const [i, { name }] of builds.entries()) {
    const xs = pcts[i];
    const main = split1[i].main - split0[i].main;
    const others = split1[i].others - split0[i].others;
    console.log(`${name}: over all windows, main thread ${main.toFixed(2)} CPU s, its other threads ${others.toFixed(2)} CPU s`);
    console.log(`${name}: median ${median(xs).toFixed(2)} % of a core (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}), ${xs.length} windows of ${windowS} s`);
  }
} finally {
  for (const r of rigs) {
    r.census?.stop();
    r.scr.write("q");
    await sleep(300);
    r.scr.kill();
    await r.sup.stop().catch(() => undefined);
    removeDir(r.root);
  }
}
