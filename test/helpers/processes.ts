// Processes spawned by tests: check liveness, and kill whole process groups in afterEach/afterAll.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readFileSync } from "node:fs";

const groups = new Set<number>();

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Remember a pid whose process group must be killed at cleanup. */
export function trackGroup(pid: number | undefined | null): void {
  if (pid) groups.add(pid);
}

/** Spawns in a new process group and tracks it. */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, { detached: true, stdio: "ignore", ...opts });
  trackGroup(child.pid);
  return child;
}

export function killGroup(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

export function killTrackedGroups(): void {
  for (const pid of groups) killGroup(pid);
  groups.clear();
}
