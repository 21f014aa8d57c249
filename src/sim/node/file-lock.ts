// go-spacemesh's single-instance lock (main.filelock, default <tmp>/spacemesh.lock; the simulator's
// default is <data-folder>/spacemesh.lock so separate demo rigs do not collide). The lock holds the PID;
// a lock whose PID is gone is stale and taken over (the real node uses flock, released on exit).
import fs from "node:fs";
import { processAlive as alive } from "../../process-alive.js";

/** Takes the lock or returns false if another live process holds it. */
export function acquireLock(file: string): boolean {
  for (let i = 0; i < 2; i++) {
    try {
      const fd = fs.openSync(file, "wx", 0o644);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(fs.readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) return false;
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

export function releaseLock(file: string): void {
  try {
    if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}
