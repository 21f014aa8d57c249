// Independent counts for the chaos checks (not the supervisor's own /proc scan): live processes
// whose command line has `--dir DIR`, and bytes on disk under a directory.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Pids of live (non-zombie) processes with `--dir dir` in their argv. */
export function pidsOnDir(dir: string): number[] {
  return pidsOnDirs([dir]).get(dir)!;
}

/** pidsOnDir for several dirs in one look at /proc; `among`: look only at these pids. */
export function pidsOnDirs(dirs: readonly string[], among?: Iterable<number>): Map<string, number[]> {
  const out = new Map(dirs.map((d) => [d, [] as number[]]));
  const pids = among ?? readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  for (const pid of pids) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const i = argv.indexOf("--dir");
      const on = i < 0 ? undefined : out.get(argv[i + 1]!);
      if (!on) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") continue;
      on.push(pid);
    } catch {
      /* gone */
    }
  }
  for (const on of out.values()) on.sort((a, b) => a - b);
  return out;
}

/** The children of a process's main thread (a daemon spawns from it), [] once it is gone. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Bytes of the regular files directly in `dir` (whose name starts with `prefix`), each inode once:
 * a rotation renames <file>.1 to .2 between two of the stats, which would count one file twice.
 */
export function bytesIn(dir: string, prefix = ""): number {
  const sizes = new Map<number, number>();
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    try {
      const st = statSync(path.join(dir, f));
      if (st.isFile()) sizes.set(st.ino, st.size);
    } catch {
      /* rotated away meanwhile */
    }
  }
  let n = 0;
  for (const size of sizes.values()) n += size;
  return n;
}

/** Bytes a process has written so far (/proc/<pid>/io wchar), 0 once it is gone. */
export function bytesWritten(pid: number): number {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
