// Process identity from /proc: start time (field 22 of /proc/<pid>/stat, clock ticks since boot),
// so a recycled pid is never mistaken for the process we started.
import { readFileSync } from "node:fs";

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
