// Reading /proc: CPU time and RSS of a process, peak-RSS sampling, processes found by the bench
// child's marker argument, the load average. Linux only.
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";

export const CLK_TCK = 100; // Linux USER_HZ

/** utime, stime, cutime, cstime of a pid in seconds, or null when it is gone. */
export function cpuTimes(pid) {
  let s;
  try {
    s = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const f = s.slice(s.lastIndexOf(")") + 2).split(" "); // fields from #3 (state) on
  const n = (i) => Number(f[i - 3]) / CLK_TCK;
  return { utime: n(14), stime: n(15), cutime: n(16), cstime: n(17), self: n(14) + n(15), reaped: n(16) + n(17), startTicks: Number(f[22 - 3]) };
}

/** CPU seconds of a set of pids (self + reaped helpers), summed; missing pids count 0. */
export function cpuSeconds(pids) {
  let self = 0;
  let reaped = 0;
  for (const p of pids) {
    const t = cpuTimes(p);
    if (t) {
      self += t.self;
      reaped += t.reaped;
    }
  }
  return { self, reaped, total: self + reaped };
}

/** VmRSS in bytes, or 0 when the pid is gone. */
export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the summed RSS of pids() every intervalMs; stop() returns { peak, last, samples, mean }. */
export function sampleRss(pids, intervalMs = 500) {
  let peak = 0;
  let last = 0;
  let samples = 0;
  let sum = 0;
  const tick = () => {
    last = pids().reduce((a, p) => a + rssBytes(p), 0);
    samples++;
    sum += last;
    if (last > peak) peak = last;
  };
  tick();
  const t = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(t);
      tick();
      return { peak, last, samples, mean: sum / samples };
    },
    peak: () => peak,
  };
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return null;
  }
}

/** Pids whose argv holds `--bench-marker <marker>` (all markers: Map marker -> pids when marker is null). */
export function findMarked(marker = null) {
  const out = new Map();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const argv = cmdline(e);
    if (!argv) continue;
    const i = argv.indexOf("--bench-marker");
    if (i < 0 || i + 1 >= argv.length) continue;
    const m = argv[i + 1];
    if (marker !== null && m !== marker) continue;
    if (!out.has(m)) out.set(m, []);
    out.get(m).push(Number(e));
  }
  return marker === null ? out : (out.get(marker) ?? []);
}

/** Pids whose argv contains all of `parts` (used to find a pm2 God daemon or supervisord). */
export function findByArgv(pred) {
  const out = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const argv = cmdline(e);
    if (argv && pred(argv)) out.push(Number(e));
  }
  return out;
}

/** Kills every process carrying a bench marker under `prefix` (leftovers after a phase). */
export function killMarked(prefix) {
  let n = 0;
  for (const [m, pids] of findMarked(null)) {
    if (!m.startsWith(prefix)) continue;
    for (const p of pids) {
      try {
        process.kill(p, "SIGKILL");
        n++;
      } catch {
        /* gone */
      }
    }
  }
  return n;
}

/** Alive and not a zombie (a zombie still answers kill(pid, 0)). */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === "EPERM";
  }
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    return st[st.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

export function loadAvg() {
  return os.loadavg().map((x) => x.toFixed(2)).join(" ");
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every `everyMs` until it returns a truthy value; throws `what` after timeoutMs. */
export async function waitFor(fn, what, timeoutMs = 30_000, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}
