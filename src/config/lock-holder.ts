// Who holds a state dir's daemon lock (<stateDir>/daemon.pid), read synchronously: the daemon
// takes the lock with it (src/daemon/lock.ts) and a client asks it when the socket does not
// answer, to tell "no daemon" from "a daemon that cannot be reached".
import { readFileSync } from "node:fs";
import { pidFilePath } from "./runtime-paths.js";
import { processAlive } from "../process-alive.js";

/** The pid written in a lock file, or null (missing, unreadable, not a pid). */
export function lockFilePid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The live daemon holding the state dir's lock (not this process), or null. */
export function lockHolder(stateDir: string): number | null {
  const pid = lockFilePid(pidFilePath(stateDir));
  return pid !== null && pid !== process.pid && processAlive(pid) ? pid : null;
}
