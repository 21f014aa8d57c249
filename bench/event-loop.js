#!/usr/bin/env node
// The daemon's event-loop delay (issue 17: p99 ≤ 20 ms with 64 services) while it starts N chatty
// services and in steady state, for one build or two builds in alternating rounds (A/B).
//
//   npm run build && node bench/event-loop.js [--services 64] [--rate 200] [--pattern line]
//        [--seconds 20] [--settle 5] [--repeats 3] [--no-node] [--cpu] [--keep]
//        [--versus OTHER/bin/postdeck.js]
//
// Per round and build: a fresh rig (its own N bench children writing --rate lines/s each from the
// moment they start, a simulated node unless --no-node), its daemon run with
// bench/lib/daemon-probe.cjs (perf_hooks.monitorEventLoopDelay, 10 ms resolution). "start": the
// delay from the daemon's start until it answers and every child runs (the daemon starts its
// services before it serves); "steady": over --seconds after --settle more. Also the start's wall
// time and the daemon's CPU until then (the delay alone cannot tell CPU saved at a high load), and
// its CPU over the steady window. "turn CPU": the daemon's main-thread CPU between two runs of a
// 10 ms timer (daemon-probe.cjs turnCpu), what the loop's turns cost by themselves: about the delay
// they would give on an idle machine, which a loaded one's delay (the scheduler's) cannot show.
// With --versus the two builds take turns, the
// order swapped each round (A B, B A, …), one rig at a time: neither build's start runs beside the
// other's children. Median and spread (min–max) per build at the end, with the load.
// --cpu: V8's CPU profile of each start (the probe's profiler; costs CPU of its own), its top
// functions printed (bench/console/cpuprofile.js).
import path from "node:path";
import { makeChildren, POSTDECK_BIN } from "./lib/children.js";
import { PostdeckSupervisor } from "./lib/postdeck.js";
import { cpuSeconds, loadAvg, sleep } from "./lib/proc.js";
import { median } from "./lib/stats.js";
import { freshDir, removeDir } from "./lib/supervisors.js";
import { summarise } from "./console/cpuprofile.js";
import { arg } from "./lib/args.js";

const flag = (name) => process.argv.includes(`--${name}`);
const n = Number(arg("services", "64"));
const rate = Number(arg("rate", "200"));
const pattern = arg("pattern", "chunk");
const seconds = Number(arg("seconds", "20"));
const settle = Number(arg("settle", "5"));
const repeats = Number(arg("repeats", "3"));
const versus = arg("versus", null);
const log = (m) => process.stderr.write(`[event-loop ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

// the children write from their start through the window (a start under load can take a minute)
const childArgs = rate > 0 ? ["--rate", rate, "--seconds", settle + seconds + 120, "--pattern", pattern] : ["--rate", 0, "--seconds", 0, "--then", "idle"];
const builds = [{ name: "A", bin: POSTDECK_BIN }];
if (versus) builds.push({ name: "B", bin: path.resolve(versus) });

/** One rig of `build`: start, steady window; the figures. */
async function once(build, round) {
  const root = freshDir(`el${build.name.toLowerCase()}`);
  const { children } = makeChildren(root, `el${build.name.toLowerCase()}${round}`, n, childArgs);
  const sup = new PostdeckSupervisor(root, children, { node: !flag("no-node"), bin: build.bin, probe: { cpu: flag("cpu") } });
  const load0 = loadAvg();
  try {
    const t0 = Date.now();
    await sup.start();
    const startS = (Date.now() - t0) / 1000;
    const startCpuS = cpuSeconds([sup.pid]).total; // the daemon's CPU from its start (it is new)
    const start = await sup.probeReport({ eld: true });
    if (flag("cpu")) for (const f of start.files.filter((x) => x.endsWith(".cpuprofile"))) console.log(`${build.name} start, round ${round + 1}:\n${summarise(f, 25)}\n${summarise(f, 40, true)}`);
    await sleep(settle * 1000);
    await sup.probeReport();
    const c0 = cpuSeconds([sup.pid]).total;
    const w0 = Date.now();
    await sleep(seconds * 1000);
    const cpuPct = ((cpuSeconds([sup.pid]).total - c0) / ((Date.now() - w0) / 1000)) * 100;
    const steady = await sup.probeReport();
    const r = { startS, startCpuS, start, steady, cpuPct, load: `${load0} → ${loadAvg()}` };
    log(
      `${build.name} round ${round + 1}: start ${startS.toFixed(1)} s (daemon CPU ${startCpuS.toFixed(1)} s), p99 ${start.p99} / max ${start.max} ms (${start.samples} samples), ` +
        `turn CPU p99 ${start.turnCpu?.p99} / max ${start.turnCpu?.max} ms (${start.turnCpu?.over20} of ${start.turnCpu?.turns} over 20 ms); ` +
        `steady p99 ${steady.p99} / max ${steady.max} ms, CPU ${cpuPct.toFixed(1)} % of a core; load ${r.load}`,
    );
    return r;
  } finally {
    await sup.stop().catch(() => undefined);
    if (!flag("keep")) removeDir(root);
  }
}

const spread = (xs) => `${median(xs)} (${Math.min(...xs)}–${Math.max(...xs)})`;
const results = new Map(builds.map((b) => [b.name, []]));
log(`${n} services × ${rate > 0 ? `${rate} lines/s (${pattern})` : "idle"}, ${flag("no-node") ? "no node" : "simulated node"}; ${builds.map((b) => `${b.name} = ${b.bin}`).join(", ")}; ${repeats} rounds; load ${loadAvg()}`);
for (let k = 0; k < repeats; k++) {
  const order = k % 2 === 0 ? builds : [...builds].reverse();
  for (const b of order) results.get(b.name).push(await once(b, k));
}
for (const b of builds) {
  const rs = results.get(b.name);
  const f = (get) => spread(rs.map(get));
  log(
    `${b.name}: start ${f((r) => Number(r.startS.toFixed(1)))} s, its CPU ${f((r) => Number(r.startCpuS.toFixed(1)))} s, start p99 ${f((r) => r.start.p99)} ms, start max ${f((r) => r.start.max)} ms, ` +
      `start turn CPU p99 ${f((r) => r.start.turnCpu?.p99 ?? NaN)} ms, turns over 20 ms ${f((r) => r.start.turnCpu?.over20 ?? NaN)}; ` +
      `steady p99 ${f((r) => r.steady.p99)} ms, steady max ${f((r) => r.steady.max)} ms, CPU ${f((r) => Number(r.cpuPct.toFixed(1)))} % (median (min–max) of ${rs.length})`,
  );
}
log(`load ${loadAvg()}`);
