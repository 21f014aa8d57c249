// Process identity and command lines from /proc: start time (field 22 of /proc/<pid>/stat, clock
// ticks since boot), so a recycled pid is never mistaken for the process we started; one reader of
// /proc/<pid>/cmdline for the supervisor's looks and identity/dir-in-use.ts.
import { closeSync, openSync, read, readdirSync, readFileSync, readSync } from "node:fs";

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
 * The command lines of every process (one string each, NUL-separated, split only for a match), read
 * once per turn of the event loop: 64 services starting together each looked for a process on their
 * dir (twice), and each look read every /proc/<pid>/cmdline synchronously — 64 × 2 × all processes
 * at the daemon's start. Within one turn nothing else runs, so one scan answers every look made in
 * it; a caller may accept an older one (`reuseMs`: the looks of a start burst, one spawn per turn).
 */
let scanned: { procRoot: string; at: number; thisTurn: boolean; procs: { pid: number; cmdline: string }[] } | null = null;

const CMDLINE_BUF = Buffer.allocUnsafe(64 * 1024);

/** /proc/<pid>/cmdline as text (NULs kept), read on this thread into one buffer; null when gone. */
function readCmdline(procRoot: string, pid: number): string | null {
  let fd: number;
  try {
    fd = openSync(`${procRoot}/${pid}/cmdline`, "r");
  } catch {
    return null;
  }
  try {
    let n = readSync(fd, CMDLINE_BUF, 0, CMDLINE_BUF.length, null);
    if (n < CMDLINE_BUF.length) return CMDLINE_BUF.toString("utf8", 0, n);
    // longer than the buffer (rare: a command line of more than 64 KiB): the rest in more reads
    const chunks = [Buffer.from(CMDLINE_BUF)];
    do {
      const more = Buffer.allocUnsafe(CMDLINE_BUF.length);
      n = readSync(fd, more, 0, more.length, null);
      chunks.push(more.subarray(0, n));
    } while (n === CMDLINE_BUF.length);
    return Buffer.concat(chunks).toString("utf8");
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function scanCmdlines(procRoot: string, reuseMs: number): { pid: number; cmdline: string }[] {
  if (scanned?.procRoot === procRoot && (scanned.thisTurn || (reuseMs > 0 && Date.now() - scanned.at <= reuseMs))) return scanned.procs;
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  const procs: { pid: number; cmdline: string }[] = [];
  for (const d of entries) {
    const c = d.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid
    const pid = Number(d);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cmdline = readCmdline(procRoot, pid);
    if (cmdline) procs.push({ pid, cmdline });
  }
  const mine = { procRoot, at: Date.now(), thisTurn: true, procs };
  scanned = mine;
  setImmediate(() => (mine.thisTurn = false));
  return procs;
}

/**
 * Live processes whose command line holds `flag value` as two consecutive arguments (e.g. --dir
 * /pos/a). `reuseMs`: a scan made that recently answers too (else one of this turn only).
 */
export function findProcessesWithArgPair(flag: string, value: string, procRoot = "/proc", o: { reuseMs?: number } = {}): FoundProcess[] {
  const out: FoundProcess[] = [];
  const pair = `${flag}\0${value}`; // a quick look in the text; then the exact check on the arguments
  for (const { pid, cmdline } of scanCmdlines(procRoot, o.reuseMs ?? 0)) {
    if (!cmdline.includes(pair)) continue;
    const argv = argvOf(cmdline);
    const i = argv.indexOf(flag);
    if (i < 0 || argv[i + 1] !== value) continue;
    const startTime = readProcStartTime(pid, procRoot);
    if (startTime) out.push({ pid, startTime, argv });
  }
  return out;
}
