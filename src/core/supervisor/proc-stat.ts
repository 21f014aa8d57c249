// Process identity from /proc: start time (field 22 of /proc/<pid>/stat, clock ticks since boot),
// so a recycled pid is never mistaken for the process we started.
import { readdirSync, readFileSync } from "node:fs";

/** Start time of a live (non-zombie) process, or null if it does not exist / is a zombie. */
export function readProcStartTime(pid: number, procRoot = "/proc"): string | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const fields = text.slice(close + 2).split(" "); // fields[0] = field 3 (state)
  const state = fields[0];
  if (state === "Z" || state === "X" || state === "x") return null;
  return fields[19] ?? null; // field 22
}

/** True when `pid` is alive and still the process that had `startTime`. */
export function isSameProcess(pid: number, startTime: string | null, procRoot = "/proc"): boolean {
  if (!startTime) return false;
  return readProcStartTime(pid, procRoot) === startTime;
}

export interface FoundProcess {
  pid: number;
  startTime: string;
  argv: string[];
}

/** Live processes whose command line holds `flag value` as two consecutive arguments (e.g. --dir /pos/a). */
export function findProcessesWithArgPair(flag: string, value: string, procRoot = "/proc"): FoundProcess[] {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  const out: FoundProcess[] = [];
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pid === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`${procRoot}/${d}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv.at(-1) === "") argv.pop();
    const i = argv.indexOf(flag);
    if (i < 0 || argv[i + 1] !== value) continue;
    const startTime = readProcStartTime(pid, procRoot);
    if (startTime) out.push({ pid, startTime, argv });
  }
  return out;
}
