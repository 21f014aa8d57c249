// Which processes still use a directory (open files, cwd, or the directory on their command line):
// the guard against running one identity on two nodes at once (equivocation) when importing.
import { promises as fs } from "node:fs";
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

/** Processes (other than `ignorePids`) using `dir`; reads /proc, so Linux only (empty elsewhere). */
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
    const cmdline = await fs.readFile(path.join(base, "cmdline"), "utf8").catch(() => "");
    const command = cmdline.split("\0").filter(Boolean).join(" ");
    if (!command) continue;
    let how: DirUser["how"] | null = null;
    const cwd = await fs.readlink(path.join(base, "cwd")).catch(() => "");
    if (cwd && inside(cwd, real)) how = "working directory";
    if (!how) {
      const fds = await fs.readdir(path.join(base, "fd")).catch(() => [] as string[]);
      for (const fd of fds) {
        const target = await fs.readlink(path.join(base, "fd", fd)).catch(() => "");
        if (target && inside(target, real)) {
          how = "open file";
          break;
        }
      }
    }
    if (!how && dataDirArgs(cmdline.split("\0")).some((a) => inside(path.resolve(a), real))) how = "command line";
    if (how) users.push({ pid, command: command.slice(0, 200), how });
  }
  return users;
}
