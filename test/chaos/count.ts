// Independent counts for the chaos checks (not the supervisor's own /proc scan): live processes
// whose command line has `--dir DIR`, and bytes on disk under a directory.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Pids of live (non-zombie) processes with `--dir dir` in their argv. */
export function pidsOnDir(dir: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
      const i = argv.indexOf("--dir");
      if (i < 0 || argv[i + 1] !== dir) continue;
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") continue;
      out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out.sort((a, b) => a - b);
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
