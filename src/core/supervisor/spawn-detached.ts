// Spawns a child in its own process group with stdout and stderr opened straight onto its log file
// (an O_APPEND fd handed to the child, no pipe through the daemon), so it outlives the daemon.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";

export interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string | null;
}

export type Spawner = (spec: LaunchSpec, logFile: string) => Promise<ChildProcess>;

let lastTurn: Promise<void> = Promise.resolve();

/**
 * Resolves in a turn of the event loop of its own, after every earlier caller's: one spawn per
 * turn. A spawn blocks the thread until the child has exec'd (libuv's fork and wait; 10-80 ms on a
 * loaded machine, the children spawned just before competing for the CPU): 64 services whose
 * checks ended together spawned in one 8 s stretch; now timers, I/O and clients run between
 * spawns. The caller spawns in the same turn (its last look at /proc and the spawn, no await
 * between: supervisor.ts preparePostService).
 */
export function spawnTurn(): Promise<void> {
  const mine = lastTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  lastTurn = mine;
  return mine;
}

export const spawnIntoLogFile: Spawner = (spec, logFile) => {
  mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  const fd = openSync(logFile, "a", 0o600);
  return new Promise<ChildProcess>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        detached: true,
        stdio: ["ignore", fd, fd],
        env: spec.env,
        cwd: spec.cwd ?? undefined,
      });
    } catch (err) {
      closeSync(fd);
      reject(err);
      return;
    }
    const onError = (err: Error) => {
      closeSync(fd);
      reject(err);
    };
    child.once("error", onError);
    child.once("spawn", () => {
      child.off("error", onError);
      child.on("error", () => undefined);
      closeSync(fd);
      child.unref();
      resolve(child);
    });
  });
};

/** Signals a whole process group (falls back to the single pid). Returns false when it is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
