// Process identity and command lines from /proc: start time (field 22 of /proc/<pid>/stat, clock
// ticks since boot), so a recycled pid is never mistaken for the process we started; one reader of
// /proc/<pid>/cmdline for the supervisor's looks and identity/dir-in-use.ts.
import { closeSync, openSync, read, readdirSync, readFileSync } from "node:fs";

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

/** A /proc/<pid>/cmdline's arguments (NUL-terminated each). */
function argvOf(text: string): string[] {
  const argv = text.split("\0");
  if (argv.at(-1) === "") argv.pop();
  return argv;
}

/** /proc/<pid>/cmdline as arguments, read on this thread, or null when the process is gone. */
function readArgv(procRoot: string, pid: number): string[] | null {
  try {
    return argvOf(readFileSync(`${procRoot}/${pid}/cmdline`, "utf8"));
  } catch {
    return null;
  }
}

const CMDLINE_CHUNK = 4096;

/**
 * /proc/<pid>/cmdline as arguments (null when gone), read in the thread pool: reading it waits for
 * the process's memory lock, which a process stuck on a dead network disk can hold indefinitely (a
 * look through every process, identity/dir-in-use.ts, must not hang the daemon on one). A read that
 * does not fill the buffer is the end (the kernel fills it up to the command line's end).
 */
export function readArgvAsync(procRoot: string, pid: number): Promise<string[] | null> {
  let fd: number;
  try {
    fd = openSync(`${procRoot}/${pid}/cmdline`, "r");
  } catch {
    return Promise.resolve(null);
  }
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    const next = (): void => {
      const buf = Buffer.allocUnsafe(CMDLINE_CHUNK);
      read(fd, buf, 0, CMDLINE_CHUNK, null, (err, n) => {
        if (!err && n > 0) chunks.push(buf.subarray(0, n));
        if (!err && n === CMDLINE_CHUNK) return next();
        closeSync(fd);
        resolve(err ? null : argvOf(Buffer.concat(chunks).toString("utf8")));
      });
    };
    next();
  });
}

/**
 * The command lines of every process, read once per turn of the event loop: 64 services starting
 * together each looked for a process on their dir (twice), and each look read every
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
    const argv = readArgv(procRoot, pid);
    if (argv) procs.push({ pid, argv });
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
