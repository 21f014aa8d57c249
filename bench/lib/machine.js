// The machine a run happened on, for bench/RESULTS.md.
import { readFileSync } from "node:fs";
import os from "node:os";

export function describeMachine() {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) cpu = m[1].trim();
  } catch {
    /* keep os.cpus() */
  }
  return {
    cpu,
    cores: os.cpus().length,
    ramGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadAvg: os.loadavg().map((x) => x.toFixed(2)).join(" "),
  };
}
