// The bench's side of bench/lib/daemon-probe.cjs: the environment that loads it into postdeck's
// daemon, and report(pid): SIGUSR2, then the event-loop delay it wrote (and profile file names).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "./proc.js";

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), "daemon-probe.cjs");

export class DaemonProbe {
  constructor(dir, o = {}) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    this.env = {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${PROBE}`.trim(),
      BENCH_PROBE_DIR: dir,
      BENCH_PROBE_CPU: o.cpu ? "1" : "",
      BENCH_PROBE_HEAP: o.heap ? "1" : "",
      BENCH_PROBE_ALLOC: o.alloc ? "1" : "",
    };
    this.n = 0;
  }

  /**
   * { p50, p99, max, mean, samples } ms since the previous report (or the daemon's start), and the
   * files written. o.eld false: the event-loop histogram is off until the next report (its 10 ms
   * timer costs the daemon ~0.5 % of a core when idle: off while CPU is measured).
   */
  async report(pid, o = {}) {
    const file = path.join(this.dir, `eld-${pid}.json`);
    const off = path.join(this.dir, "eld-off");
    if (o.eld === false) writeFileSync(off, "");
    else rmSync(off, { force: true });
    const want = ++this.n;
    process.kill(pid, "SIGUSR2");
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (existsSync(file)) {
        const r = JSON.parse(readFileSync(file, "utf8"));
        if (r.n >= want) {
          // the CPU profile and heap snapshot are written just after
          const wanted = [
            this.env.BENCH_PROBE_CPU && `cpu-${pid}-${r.n}.cpuprofile`,
            this.env.BENCH_PROBE_HEAP && `heap-${pid}-${r.n}.heapsnapshot`,
            this.env.BENCH_PROBE_ALLOC && `alloc-${pid}-${r.n}.heapprofile`,
          ].filter(Boolean);
          while (!wanted.every((f) => existsSync(path.join(this.dir, f))) && Date.now() < deadline) await sleep(100);
          await sleep(200);
          const files = readdirSync(this.dir).filter((f) => f.includes(`-${pid}-${r.n}.`)).map((f) => path.join(this.dir, f));
          return { ...r, files };
        }
      }
      if (Date.now() > deadline) throw new Error(`the daemon (pid ${pid}) wrote no probe report within 60 s (is bench/lib/daemon-probe.cjs loaded?)`);
      await sleep(50);
    }
  }
}
