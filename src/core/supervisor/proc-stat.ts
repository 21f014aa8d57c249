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
 * The command lines of every process (one string each, NUL-separated, split only for a match). The
 * looks made in one turn of the event loop share one pass (nothing else runs within a turn). A look
 * that accepts it (`reuseMs`: the looks of a start burst, 64 services each looking twice) does not
 * read every process's command line again while the last full scan is that recent: it lists /proc
 * (new pids read, pids gone dropped) and reads again the pids first seen since the full scan (a new
 * process may have been caught between its fork and its exec, with its parent's command line). A
 * process started since the last look is thus found. What a reusing look can miss, for at most
 * `reuseMs` after the full scan: a process that was already running at it and exec'd a post-service
 * since, or a pid recycled since then (a match is read again, so a recycled pid is never taken for
 * a post-service it no longer is).
 */
interface CmdlineEntry {
  cmdline: string; // "" for a kernel thread
  young: boolean; // first seen after the full scan: read again at each pass
  pass: number; // the pass that read it
}

let scanned: { procRoot: string; fullAt: number; pass: number; thisTurn: boolean; procs: Map<number, CmdlineEntry> } | null = null;
let passes = 0;

/** Counts for tests and benches: full scans, passes that reused a full scan, command lines read. */
export const procScanCounts = { full: 0, partial: 0, cmdlineReads: 0 };

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

function listPids(procRoot: string): number[] | null {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return null;
  }
  const pids: number[] = [];
  for (const d of entries) {
    const c = d.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid
    const pid = Number(d);
    if (Number.isInteger(pid) && pid !== process.pid) pids.push(pid);
  }
  return pids;
}

function scanCmdlines(procRoot: string, reuseMs: number, known: ReadonlyMap<number, KnownProcess> | undefined): NonNullable<typeof scanned> | null {
  const prev = scanned?.procRoot === procRoot ? scanned : null;
  if (prev?.thisTurn) return prev;
  const pids = listPids(procRoot);
  if (!pids) return null;
  const partial = prev !== null && reuseMs > 0 && performance.now() - prev.fullAt <= reuseMs;
  const pass = ++passes;
  const procs = new Map<number, CmdlineEntry>();
  for (const pid of pids) {
    if (known?.has(pid)) continue; // the caller's own child: its command line is known (kept out: read once it is no longer)
    const old = partial ? prev.procs.get(pid) : undefined;
    if (old && !old.young) {
      procs.set(pid, old);
      continue;
    }
    procScanCounts.cmdlineReads++;
    const cmdline = readCmdline(procRoot, pid);
    if (cmdline !== null) procs.set(pid, { cmdline, young: partial, pass });
  }
  if (partial) procScanCounts.partial++;
  else procScanCounts.full++;
  const mine = { procRoot, fullAt: partial ? prev.fullAt : performance.now(), pass, thisTurn: true, procs };
  scanned = mine;
  setImmediate(() => (mine.thisTurn = false));
  return mine;
}

/**
 * A process the caller spawned and still tracks (its exit not seen yet): the caller's own child, so
 * its pid cannot have gone to another process (an exited child holds its pid until it is reaped,
 * and the caller sees its exit then). Its command line is what the caller exec'd (a spawn returns
 * once the child has exec'd), so it is not read from /proc. What this cannot see: a child that
 * exec'd again with other arguments (a wrapper script that drops or changes `--dir`).
 */
export interface KnownProcess {
  argv: readonly string[];
  startTime: string;
}

/** `flag value` as two consecutive arguments, the first `flag` (the exact check after the quick look). */
function hasPair(argv: readonly string[], flag: string, value: string): boolean {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] === value;
}

/**
 * Live processes whose command line holds `flag value` as two consecutive arguments (e.g. --dir
 * /pos/a). `reuseMs`: a scan made that recently answers too (else one of this turn only). `known`:
 * the caller's own children by pid (KnownProcess): matched on the arguments it gives, never read
 * (a start of 64 services read its own children's command lines ~1,900 times: each was new since
 * the burst's full scan, so read again at every look).
 */
export function findProcessesWithArgPair(
  flag: string,
  value: string,
  procRoot = "/proc",
  o: { reuseMs?: number; known?: ReadonlyMap<number, KnownProcess> } = {},
): FoundProcess[] {
  const out: FoundProcess[] = [];
  const scan = scanCmdlines(procRoot, o.reuseMs ?? 0, o.known);
  if (!scan) return out;
  for (const [pid, k] of o.known ?? []) {
    // alive and still that process (not a zombie whose exit is yet to be seen): as a read match is checked
    if (hasPair(k.argv, flag, value) && readProcStartTime(pid, procRoot) === k.startTime) out.push({ pid, startTime: k.startTime, argv: [...k.argv] });
  }
  const pair = `${flag}\0${value}`; // a quick look in the text; then the exact check on the arguments
  for (const [pid, entry] of scan.procs) {
    if (o.known?.has(pid) || !entry.cmdline.includes(pair)) continue;
    if (entry.pass !== scan.pass) {
      // read in an earlier pass: the pid may have been recycled since, read it again
      procScanCounts.cmdlineReads++;
      const now = readCmdline(procRoot, pid);
      if (now === null) {
        scan.procs.delete(pid);
        continue;
      }
      entry.cmdline = now;
      entry.pass = scan.pass;
      if (!now.includes(pair)) continue;
    }
    const argv = argvOf(entry.cmdline);
    if (!hasPair(argv, flag, value)) continue;
    const startTime = readProcStartTime(pid, procRoot);
    if (startTime) out.push({ pid, startTime, argv });
  }
  return out;
}
