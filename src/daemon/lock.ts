// Single daemon per state dir: a pid file created exclusively (link of a complete temp file, so
// it is never seen half-written); a stale file (dead pid) is replaced.
import { promises as fs } from "node:fs";
import path from "node:path";
import { processAlive } from "../process-alive.js";


export class DaemonRunningError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly pid: number,
    stateDir: string,
  ) {
    super(`another postdeck daemon (pid ${pid}) is already running for state dir ${stateDir}; use it (postdeck status) or stop it first (postdeck daemon stop)`);
  }
}

export async function readLockPid(file: string): Promise<number | null> {
  try {
    const pid = Number((await fs.readFile(file, "utf8")).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock or throws DaemonRunningError. Returns a release function. */
export async function acquireDaemonLock(file: string, stateDir: string): Promise<() => Promise<void>> {
  const tmp = path.join(path.dirname(file), `.daemon.pid.${process.pid}.tmp`);
  await fs.writeFile(tmp, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fs.link(tmp, file);
        return async () => {
          if ((await readLockPid(file)) === process.pid) await fs.rm(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = await readLockPid(file);
      if (pid !== null && pid !== process.pid && processAlive(pid)) throw new DaemonRunningError(pid, stateDir);
      await fs.rm(file, { force: true }); // stale
    }
    throw new Error(`cannot take the daemon lock ${file}`);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
