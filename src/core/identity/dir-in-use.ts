// Which processes still use a directory (open files, cwd, or the directory on their command line):
// the guard against running one identity on two nodes at once (equivocation) when importing.
import { promises as fs, closeSync, openSync, read, readdirSync, readlinkSync } from "node:fs";
import path from "node:path";

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

const CMDLINE_CHUNK = 4096;

/**
 * /proc/<pid>/cmdline ("" when gone): read in the thread pool, since reading it waits for the
 * process's memory lock (a process stuck on a dead network disk can hold it indefinitely); its
 * cwd and fd links name their targets without that lock, so they are read synchronously. A read
 * that does not fill the buffer is the end (the kernel fills it up to the command line's end).
 */
function readCmdline(p: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync(p, "r");
  } catch {
    return Promise.resolve("");
  }
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    const next = (): void => {
      const buf = Buffer.allocUnsafe(CMDLINE_CHUNK);
      read(fd, buf, 0, CMDLINE_CHUNK, null, (err, n) => {
        if (!err && n > 0) chunks.push(buf.subarray(0, n));
        if (!err && n === CMDLINE_CHUNK) return next();
        closeSync(fd);
        resolve(err ? "" : Buffer.concat(chunks).toString("utf8"));
      });
    };
    next();
  });
}

/** Open fds read per synchronous stretch (under 10 ms): a process with thousands still lets the loop turn. */
const FDS_PER_TURN = 500;

/**
 * Processes (other than `ignorePids`) using `dir`; reads /proc, so Linux only (empty elsewhere).
 * One process at a time, its cwd and open files read synchronously (some 15 µs a link; an await
 * for each link cost 3-4 times the CPU of the whole scan), the event loop turning between
 * processes; a process that vanishes or denies access midway counts as not using the dir.
 */
export async function processesUsingDir(dir: string, ignorePids: number[] = [process.pid], procRoot = "/proc"): Promise<DirUser[]> {
  const real = await fs.realpath(dir).catch(() => path.resolve(dir));
  let pids: number[];
  try {
    pids = (await fs.readdir(procRoot)).filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
  const users: DirUser[] = [];
  for (const pid of pids) {
    if (ignorePids.includes(pid)) continue;
    const base = path.join(procRoot, String(pid));
    const cmdline = await readCmdline(path.join(base, "cmdline"));
    const command = cmdline.split("\0").filter(Boolean).join(" ");
    if (!command) continue;
    let how: DirUser["how"] | null = null;
    const cwd = linkTarget(path.join(base, "cwd"));
    if (cwd && inside(cwd, real)) how = "working directory";
    if (!how) {
      const fdDir = path.join(base, "fd");
      let fds: string[];
      try {
        fds = readdirSync(fdDir);
      } catch {
        fds = [];
      }
      for (let i = 0; i < fds.length && !how; i++) {
        if (i > 0 && i % FDS_PER_TURN === 0) await new Promise((r) => setImmediate(r));
        const target = linkTarget(`${fdDir}/${fds[i]}`);
        if (target && inside(target, real)) how = "open file";
      }
    }
    if (!how && dataDirArgs(cmdline.split("\0")).some((a) => inside(path.resolve(a), real))) how = "command line";
    if (how) users.push({ pid, command: command.slice(0, 200), how });
  }
  return users;
}
