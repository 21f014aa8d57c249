// The hooks of a test file that runs real Supervisors: after each test (or after the file), every
// supervisor pushed onto the returned list stops its services and shuts down, tracked process
// groups are killed and temp dirs removed.
import { afterAll, afterEach } from "vitest";
import type { Supervisor } from "../../../src/core/supervisor/supervisor.js";
import { cleanupTempDirs } from "../../helpers/temp-dir.js";
import { killTrackedGroups } from "../../helpers/processes.js";

export function supervisorHooks(after: "each" | "file" = "each"): Supervisor[] {
  const sups: Supervisor[] = [];
  (after === "each" ? afterEach : afterAll)(async () => {
    for (const s of sups.splice(0)) await s.shutdown({ stopServices: true });
    killTrackedGroups();
    cleanupTempDirs();
  });
  return sups;
}
