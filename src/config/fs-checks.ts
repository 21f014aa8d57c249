// Config checks that look at the file system: directories that are the same after following
// symlinks, and a state dir that others could write to.
import { realpathSync, promises as fs } from "node:fs";
import path from "node:path";

/** `dir` with symlinks resolved as far as it exists (a dir not made yet keeps its missing tail). */
export function realDir(dir: string): string {
  const abs = path.resolve(dir);
  const tail: string[] = [];
  for (let d = abs; ; d = path.dirname(d)) {
    try {
      return path.join(realpathSync.native(d), ...tail);
    } catch {
      if (path.dirname(d) === d) return abs;
      tail.unshift(path.basename(d));
    }
  }
}

/**
 * Why the state dir is unsafe, or null: writable by group or others, anyone in them could replace
 * the daemon's socket, pid file or state. A missing dir is fine (the daemon makes it 0700).
 */
export async function stateDirProblem(stateDir: string): Promise<string | null> {
  let st;
  try {
    st = await fs.stat(stateDir);
  } catch {
    return null;
  }
  if (!st.isDirectory()) return `${stateDir} is not a directory; expected a directory (or nothing: the daemon makes it)`;
  const mode = st.mode & 0o777;
  if ((mode & 0o022) === 0) return null;
  const who = [mode & 0o020 ? "group" : "", mode & 0o002 ? "others" : ""].filter(Boolean).join(" and ");
  return `${stateDir} is writable by ${who} (mode ${mode.toString(8).padStart(4, "0")}): anyone there could replace the daemon's socket or state; expected a dir only its owner can write: run \`chmod go-w ${stateDir}\``;
}
