#!/usr/bin/env node
// Where postdeck's daemon spends its time: N services (idle, or writing logs) and a simulated node,
// the daemon run with bench/lib/daemon-probe.cjs (V8's CPU profiler in-process, event-loop delay,
// heap snapshots on request). Prints CPU and RSS over the window, the event-loop delay at start and
// in the window, and the functions with the most self time (bench/console/cpuprofile.js).
//
//   npm run build && node bench/profile-daemon.js [--services 64] [--seconds 30] [--rate 0]
//        [--pattern line|burst|chunk] [--no-node] [--heap] [--no-cpu] [--keep] [--settle 5]
// --rate 0: idle services. --settle: seconds between all children running and the window (the
// orchestrator's start-up grace and the first slow polls end within about 40 s). --heap: heap snapshots at the start and end of the window (DevTools).
// --alloc: what allocates over the window (V8 sampling heap profiler, garbage included).
//
// A/B: --versus OTHER/bin/postdeck.js [--repeats 3] runs this checkout's daemon and another build's
// side by side (each with its own N children and simulated node, the same load on both), no
// profiler: CPU of each over the same windows (median and spread, and of A/B), RSS and heap (e.g. a
// copy of bin/, dist/, proto/, package.json from before a change, node_modules linked).
// --versus . --flags-b "FLAGS": the same build on both sides, B's daemon run with other V8 flags
// (space-separated, in place of `postdeck daemon start`'s).
import path from "node:path";
import { makeChildren } from "./lib/children.js";
import { PostdeckSupervisor } from "./lib/postdeck.js";
import { cpuSeconds, loadAvg, rssBytes, sleep } from "./lib/proc.js";
import { median, mb } from "./lib/stats.js";
import { freshDir, removeDir } from "./lib/supervisors.js";
import { summarise } from "./console/cpuprofile.js";
import { arg } from "./lib/args.js";

const flag = (name) => process.argv.includes(`--${name}`);
const n = Number(arg("services", "64"));
const seconds = Number(arg("seconds", "30"));
const rate = Number(arg("rate", "0"));
const pattern = arg("pattern", "line");
// writing through every window (--versus: --repeats of them) and the settling before
const writeS = seconds * (arg("versus", null) ? Number(arg("repeats", "3")) : 1) + 60;
const childArgs = rate > 0 ? ["--rate", rate, "--seconds", writeS, "--pattern", pattern] : ["--rate", 0, "--seconds", 0, "--then", "idle"];
const log = (m) => process.stderr.write(`[profile ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
if (arg("versus", null)) {
  await versus(arg("versus"));
  process.exit(0);
}
const root = freshDir("prof");
const { children } = makeChildren(root, "pf", n, childArgs);
const sup = new PostdeckSupervisor(root, children, { node: !flag("no-node"), probe: { cpu: !flag("no-cpu"), heap: flag("heap"), alloc: flag("alloc") } });
try {
  log(`${n} services (${rate > 0 ? `${rate} lines/s, ${pattern}` : "idle"}), ${flag("no-node") ? "no node" : "simulated node"}; load ${loadAvg()}`);
  await sup.start();
  const atStart = await sup.probeReport(); // from the daemon's start until all children ran
  log(`started: event-loop delay p50 ${atStart.p50} / p99 ${atStart.p99} / max ${atStart.max} ms (${atStart.samples} samples)`);
  await sleep(Number(arg("settle", "5")) * 1000);
  await sup.probeReport(); // drop the settling seconds
  const pid = sup.pid;
  const c0 = cpuSeconds([pid]);
  const t0 = Date.now();
  let peak = 0;
  const rssTimer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 500);
  await sleep(seconds * 1000);
  const c1 = cpuSeconds([pid]);
  clearInterval(rssTimer);
  const wall = (Date.now() - t0) / 1000;
  const w = await sup.probeReport();
  log(`window ${wall.toFixed(1)} s: CPU ${(((c1.total - c0.total) / wall) * 100).toFixed(2)} % of a core (probe and profiler included), RSS ${(rssBytes(pid) / 2 ** 20).toFixed(1)} MB (peak ${(peak / 2 ** 20).toFixed(1)}); event-loop delay p50 ${w.p50} / p99 ${w.p99} / max ${w.max} ms; load ${loadAvg()}`);
  log(`memory (MiB): ${JSON.stringify(w.mem)}`);
  // what decides the operator polling (operator-status.ts urgentServices): PROVING identities, the gap
  const st = await sup.cliAsync(["status", "--json"]);
  if (st.status === 0) {
    const snap = JSON.parse(st.stdout);
    const { readClock } = await import("../dist/clock/epoch-clock.js");
    const proving = (snap.identities ?? []).filter((i) => i.postState === "PROVING").length;
    const gap = snap.node?.clock ? readClock(snap.node.clock, Date.now()).gapOpen : null;
    const ops = {};
    for (const s of snap.services ?? []) ops[s.operator.kind] = (ops[s.operator.kind] ?? 0) + 1;
    log(`node: clock ${snap.node?.clock ? snap.node.clock.source : "unknown"}, gap open ${gap}; identities PROVING by the node: ${proving}; operator states ${JSON.stringify(ops)}`);
  }
  for (const f of w.files) {
    if (f.endsWith(".cpuprofile")) console.log(summarise(f, Number(arg("top", "30"))) + "\n" + summarise(f, Number(arg("top", "30")), true));
    else console.log(`wrote ${f}`);
  }
  if (flag("keep")) log(`kept ${path.join(root, "probe")}`);
} finally {
  await sup.stop().catch(() => undefined);
  if (!flag("keep")) removeDir(root);
}

/**
 * Two daemons at once, this checkout's (A) and `otherBin`'s (B), under the same load: --repeats
 * windows of --seconds each (default 3), the event-loop probe's 10 ms timer off during them (the
 * bench's phase 1 runs the daemon without it); per window each side's CPU, and the median and
 * spread (min–max) of each and of A/B.
 */
async function versus(otherBin) {
  const repeats = Number(arg("repeats", "3"));
  const sides = ["A", "B"].map((name) => {
    const root = freshDir(`ab${name.toLowerCase()}`);
    const { children } = makeChildren(root, `p${name.toLowerCase()}`, n, childArgs);
    const bin = name === "A" || otherBin === "." ? undefined : path.resolve(otherBin);
    const flags = name === "B" ? arg("flags-b", null) : null;
    return { name, root, bin: `${bin ?? "this checkout"}${flags ? ` with ${flags}` : ""}`, sup: new PostdeckSupervisor(root, children, { node: !flag("no-node"), bin, flags, probe: { cpu: false, heap: false } }) };
  });
  const pct = (s, wall) => (s / wall) * 100;
  // median as the bench's tables take it (bench/lib/stats.js), with the spread
  const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  try {
    const childDesc = rate > 0 ? `${rate} lines/s, ${pattern}` : "idle";
    log(`A/B: ${n} services each (${childDesc}), ${flag("no-node") ? "no node" : "simulated node"}; A = this checkout, B = ${otherBin}; ${repeats} windows of ${seconds} s; load ${loadAvg()}`);
    await Promise.all(sides.map((s) => s.sup.start()));
    await Promise.all(sides.map((s) => s.sup.probeReport()));
    await sleep(5000);
    const rss = sides.map(() => ({ peak: 0, sum: 0, k: 0 }));
    const timer = setInterval(() => sides.forEach((s, i) => {
      const r = rssBytes(s.sup.pid);
      rss[i].peak = Math.max(rss[i].peak, r);
      rss[i].sum += r;
      rss[i].k++;
    }), 500);
    const rounds = [];
    for (let k = 0; k < repeats; k++) {
      await Promise.all(sides.map((s) => s.sup.probeReport({ eld: false })));
      const load0 = loadAvg();
      const c0 = sides.map((s) => cpuSeconds([s.sup.pid]).total);
      const t0 = Date.now();
      await sleep(seconds * 1000);
      const wall = (Date.now() - t0) / 1000;
      const c1 = sides.map((s) => cpuSeconds([s.sup.pid]).total);
      const cpu = sides.map((_, i) => pct(c1[i] - c0[i], wall));
      rounds.push({ cpu, ratio: cpu[0] / cpu[1], load: `${load0} → ${loadAvg()}` });
      log(`window ${k + 1}/${repeats} (${wall.toFixed(1)} s): A ${cpu[0].toFixed(2)} %, B ${cpu[1].toFixed(2)} % of a core, A/B ${(cpu[0] / cpu[1]).toFixed(2)}; load ${rounds[k].load}`);
    }
    clearInterval(timer);
    const reports = await Promise.all(sides.map((s) => s.sup.probeReport()));
    sides.forEach((s, i) => {
      const c = stats(rounds.map((r) => r.cpu[i]));
      log(`${s.name} (${s.bin}): CPU ${c.median.toFixed(2)} % of a core (${c.min.toFixed(2)}–${c.max.toFixed(2)}); RSS mean ${mb(rss[i].sum / Math.max(1, rss[i].k))} MB, peak ${mb(rss[i].peak)}; heap used ${reports[i].mem.heapUsed} of ${reports[i].mem.heapTotal} MiB`);
    });
    const r = stats(rounds.map((x) => x.ratio));
    log(`A/B CPU ${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)}) over ${repeats} windows; load ${loadAvg()}`);
  } finally {
    await Promise.all(sides.map((s) => s.sup.stop().catch(() => undefined)));
    if (!flag("keep")) for (const s of sides) removeDir(s.root);
  }
}
