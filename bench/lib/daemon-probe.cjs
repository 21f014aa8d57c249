// Loaded into postdeck's daemon by the bench (NODE_OPTIONS="--require bench/lib/daemon-probe.cjs",
// BENCH_PROBE_DIR=DIR): measures the daemon from inside without changing it.
//   - event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution: a value is how late
//     its 10 ms timer ran);
//   - with BENCH_PROBE_CPU=1, V8's CPU profiler (inspector session, 1 ms sampling);
//   - with BENCH_PROBE_HEAP=1, a heap snapshot at each report;
//   - with BENCH_PROBE_ALLOC=1, V8's sampling heap profiler (what allocates, garbage included: what
//     makes the GC work), written as DIR/alloc-<pid>-<n>.heapprofile (DevTools reads it).
// On SIGUSR2 it writes DIR/eld-<pid>.json (the delay histogram since the last report: n, p50, p99,
// max ms; process.memoryUsage() in MiB), DIR/cpu-<pid>-<n>.cpuprofile and DIR/heap-<pid>-<n>.heapsnapshot, then starts afresh.
// Only the daemon (`daemon run`) is probed; other postdeck commands started with the same
// environment are left alone.
"use strict";
const argv = process.argv;
const dir = process.env.BENCH_PROBE_DIR;
if (dir && argv.includes("daemon") && argv.includes("run")) {
  const fs = require("node:fs");
  const path = require("node:path");
  const { monitorEventLoopDelay } = require("node:perf_hooks");
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  // turnCpu: the main thread's CPU between two runs of a 10 ms timer (/proc/<pid>/task/<pid>/schedstat):
  // what the loop's turns cost by themselves, about the delay they would give on an idle machine
  // (the delay above is the scheduler's too: at load 20 the thread gets a tenth of a core or less)
  const schedstat = `/proc/${process.pid}/task/${process.pid}/schedstat`;
  const threadCpuNs = () => Number(fs.readFileSync(schedstat, "utf8").split(" ")[0]);
  const turns = { n: 0, ms: [], last: 0, timer: null };
  const turnsOn = (on) => {
    if (on && !turns.timer) {
      turns.last = threadCpuNs();
      turns.timer = setInterval(() => {
        const now = threadCpuNs();
        const ms = (now - turns.last) / 1e6;
        turns.last = now;
        turns.n++;
        if (ms >= 1) turns.ms.push(ms); // the others count as under 1 ms
      }, 10);
      turns.timer.unref();
    } else if (!on && turns.timer) {
      clearInterval(turns.timer);
      turns.timer = null;
    }
  };
  turnsOn(true);
  const turnReport = () => {
    const ms = turns.ms.sort((a, b) => b - a);
    const at = (q) => ms[Math.floor(turns.n * (1 - q))] ?? 0;
    const r = { turns: turns.n, p99: Math.round(at(0.99) * 10) / 10, max: Math.round((ms[0] ?? 0) * 10) / 10, over20: ms.filter((x) => x > 20).length };
    turns.n = 0;
    turns.ms = [];
    return r;
  };
  let session = null;
  const cpu = process.env.BENCH_PROBE_CPU === "1";
  const alloc = process.env.BENCH_PROBE_ALLOC === "1";
  if (cpu || alloc) {
    const inspector = require("node:inspector");
    session = new inspector.Session();
    session.connect();
  }
  // every object allocated has a chance per 32 KiB allocated to be sampled (with its stack); survivors are not what counts here
  const startAlloc = () => session.post("HeapProfiler.startSampling", { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  if (cpu) session.post("Profiler.enable", () => session.post("Profiler.setSamplingInterval", { interval: 1000 }, () => session.post("Profiler.start")));
  if (alloc) session.post("HeapProfiler.enable", startAlloc);
  let n = 0;
  // the histogram holds the time between its 10 ms timer's runs; the delay is what exceeds 10 ms
  const ms = (ns) => Math.max(0, Math.round((ns - 10e6) / 1e4) / 100);
  // BENCH_PROBE_GC=1 (or last-resort): each report first runs a full GC (what RSS is live data, what is garbage and headroom)
  let fullGc = null;
  if (process.env.BENCH_PROBE_GC) {
    require("node:v8").setFlagsFromString("--expose-gc");
    const gc = require("node:vm").runInNewContext("gc");
    // "last-resort": V8's memory-reducing GC (several rounds, compacting)
    fullGc = process.env.BENCH_PROBE_GC === "last-resort" ? () => gc({ type: "major", execution: "sync", flavor: "last-resort" }) : () => gc();
  }
  process.on("SIGUSR2", () => {
    n++;
    fullGc?.();
    const m = process.memoryUsage();
    const mb = (b) => Math.round(b / 1e4 / 1.048576) / 100;
    const mem = { rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
    // V8's spaces: committed / used MiB (where a heap larger than its live data sits)
    mem.spaces = Object.fromEntries(require("node:v8").getHeapSpaceStatistics().map((x) => [x.space_name.replace(/_space$/, ""), `${mb(x.space_size)}/${mb(x.space_used_size)}`]));
    const report = { pid: process.pid, n, at: Date.now(), samples: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), turnCpu: turnReport(), mem };
    h.reset();
    // DIR/eld-off at a report: the delay histogram and the turns' CPU (10 ms timers, ~0.5 % of a
    // core on an idle daemon) are off until a report without it, so a CPU window is not the probe's own cost
    const off = fs.existsSync(path.join(dir, "eld-off"));
    if (off) h.disable();
    else h.enable();
    turnsOn(!off);
    const tmp = path.join(dir, `.eld-${process.pid}.json`);
    fs.writeFileSync(tmp, JSON.stringify(report));
    fs.renameSync(tmp, path.join(dir, `eld-${process.pid}.json`));
    if (alloc) {
      session.post("HeapProfiler.stopSampling", (err, r) => {
        if (!err) fs.writeFileSync(path.join(dir, `alloc-${process.pid}-${n}.heapprofile`), JSON.stringify(r.profile));
        startAlloc();
      });
    }
    if (cpu) {
      session.post("Profiler.stop", (err, r) => {
        if (!err) fs.writeFileSync(path.join(dir, `cpu-${process.pid}-${n}.cpuprofile`), JSON.stringify(r.profile));
        session.post("Profiler.start");
      });
    }
    if (process.env.BENCH_PROBE_HEAP === "1") require("node:v8").writeHeapSnapshot(path.join(dir, `heap-${process.pid}-${n}.heapsnapshot`));
  });
}
