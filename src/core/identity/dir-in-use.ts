// Which processes still use a directory (open files, cwd, or the directory on their command line):
// the guard against running one identity on two nodes at once (equivocation) when importing.
import { promises as fs, readdirSync, readlinkSync } from "node:fs";
import path from "node:path";
import { readArgvAsync } from "../supervisor/proc-stat.js";

export interface DirUser {
  pid: number;
  command: string;
  how: "open file" | "working directory" | "command line";
}

function inside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

/** Flags that give a program its data dir: post-service --dir, postcli -datadir, go-spacemesh --data-folder. */
const DATA_DIR_FLAGS = new Set(["--dir", "-d", "-datadir", "--datadir", "--data-folder"]);

function dataDirArgs(argv: string[]): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    const eq = a.indexOf("=");
    if (eq > 0 && DATA_DIR_FLAGS.has(a.slice(0, eq))) out.push(a.slice(eq + 1));
    else if (DATA_DIR_FLAGS.has(a) && argv[i + 1]) out.push(argv[i + 1]!);
  });
  return out;
}

/** A /proc link's target, or "" when the process is gone or hides it. */
function linkTarget(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return "";
  }
}

/** Open fds read per synchronous stretch (under 10 ms): a process with thousands still lets the loop turn. */
const FDS_PER_TURN = 500;

/** Command lines read at once, before their processes' links: fewer hand-offs to the thread pool. */
const CMDLINES_AT_ONCE = 16;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How the process at `base` uses `real` (null: not, or gone, or hidden); its links read synchronously. */
async function howUsed(base: string, argv: string[], real: string): Promise<DirUser["how"] | null> {
  const cwd = linkTarget(path.join(base, "cwd"));
  if (cwd && inside(cwd, real)) return "working directory";
  const fdDir = path.join(base, "fd");
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    fds = [];
  }
  for (let i = 0; i < fds.length; i++) {
    if (i > 0 && i % FDS_PER_TURN === 0) await nextTurn();
    const target = linkTarget(`${fdDir}/${fds[i]}`);
    if (target && inside(target, real)) return "open file";
  }
  return dataDirArgs(argv).some((a) => inside(path.resolve(a), real)) ? "command line" : null;
}

/**
 * Processes (other than `ignorePids`) using `dir`; reads /proc, so Linux only (empty elsewhere).
 * Command lines are read CMDLINES_AT_ONCE at a time in the thread pool, then each process's cwd
 * and open files synchronously (some 15 µs a link; an await for each link cost 3-4 times the CPU
 * of the whole scan), the event loop turning between processes; a process that vanishes or denies
 * access midway counts as not using the dir.
 */
export async function processesUsingDir(dir: string, ignorePids: number[] = [process.pid], procRoot = "/proc"): Promise<DirUser[]> {
  const real = await fs.realpath(dir).catch(() => path.resolve(dir));
  let pids: number[];
  try {
    pids = (await fs.readdir(procRoot)).filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => !ignorePids.includes(pid));
  } catch {
    return [];
  }
  const users: DirUser[] = [];
  for (let b = 0; b < pids.length; b += CMDLINES_AT_ONCE) {
    const batch = pids.slice(b, b + CMDLINES_AT_ONCE);
    // in the thread pool (proc-stat.ts readArgvAsync: a process stuck on a dead disk cannot hang this)
    const cmdlines = await Promise.all(batch.map((pid) => readArgvAsync(procRoot, pid)));
    for (const [j, pid] of batch.entries()) {
      if (j > 0) await nextTurn();
      const argv = cmdlines[j] ?? [];
      const command = argv.filter(Boolean).join(" ");
      if (!command) continue;
      const how = await howUsed(path.join(procRoot, String(pid)), argv, real);
      if (how) users.push({ pid, command: command.slice(0, 200), how });
    }
  }
  return users;
}
