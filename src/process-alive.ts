// Whether a pid is a live process, for every part that finds a pid in a file (the daemon's lock,
// `daemon stop` waiting for the daemon to exit). A leaf: Linux /proc, nothing of the project.
import { readFileSync } from "node:fs";

/** Is `pid` a live process (a zombie is not)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    return st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}
