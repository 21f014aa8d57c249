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

/**
 * The command lines of every process, read once per turn of the event loop: 64 services starting
 * together each looked for a process on its dir (twice), and each look read every
 * /proc/<pid>/cmdline synchronously — 64 × 2 × all processes at the daemon's start. Within one
 * turn nothing else runs, so one scan answers every look made in it.
 */
let scanned: { procRoot: string; procs: { pid: number; argv: string[] }[] } | null = null;

function scanCmdlines(procRoot: string): { pid: number; argv: string[] }[] {
  if (scanned?.procRoot === procRoot) return scanned.procs;
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  const procs: { pid: number; argv: string[] }[] = [];
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
    procs.push({ pid, argv });
  }
  scanned = { procRoot, procs };
  setImmediate(() => (scanned = null));
  return procs;
}

/** Live processes whose command line holds `flag value` as two consecutive arguments (e.g. --dir /pos/a). */
export function findProcessesWithArgPair(flag: string, value: string, procRoot = "/proc"): FoundProcess[] {
  const out: FoundProcess[] = [];
  for (const { pid, argv } of scanCmdlines(procRoot)) {
    const i = argv.indexOf(flag);
    if (i < 0 || argv[i + 1] !== value) continue;
    const startTime = readProcStartTime(pid, procRoot);
    if (startTime) out.push({ pid, startTime, argv });
  }
  return out;
}
