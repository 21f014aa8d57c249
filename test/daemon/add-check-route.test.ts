// identityAddCheck: the add wizard's review asks the daemon what an add would find before it
// starts — size, free space on the target volume, refusals and warnings — without changing anything.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import path from "node:path";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";
import { killTrackedGroups } from "../helpers/processes.js";
import { clientWhenUp, requireBuild, spawnDaemon } from "../helpers/cli.js";

beforeAll(() => requireBuild());
afterEach(() => {
  killTrackedGroups();
  cleanupTempDirs();
});

describe("identityAddCheck route", () => {
  it("answers size, free of total and warnings for a dir; refuses a size that cannot fit; writes nothing", async () => {
    const rig = makeRig({ services: 0 });
    spawnDaemon(rig.configPath, {});
    const client = await clientWhenUp(rig.stateDir, {});
    try {
      const dir = path.join(rig.root, "fresh");
      const r = await client.call("identityAddCheck", { dir, units: 4, labelsPerUnit: 4096 });
      expect(r.dir).toBe(dir);
      expect(r.sizeBytes).toBe(4 * 4096 * 16);
      expect(r.needBytes).toBe(r.sizeBytes);
      expect(r.totalBytes).toBeGreaterThan(0);
      expect(r.freeBytes).toBeGreaterThan(0);
      expect(r.problems).toEqual([]);
      // the rig's node data folder is on the same volume as this temp dir
      expect(r.warnings.some((w) => w.includes("on the node's own volume"))).toBe(true);
      expect(existsSync(dir)).toBe(false);
      const huge = await client.call("identityAddCheck", { dir, units: 1_000_000 }); // 64 TiB
      expect(huge.problems[0]).toMatch(/^not enough space for /);
    } finally {
      client.close();
    }
  });
});
