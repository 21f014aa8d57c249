// A tick of the driver builds the planner's inputs once, plans once and predicts each identity's
// proof once: decide(), the plan it keeps (its outlook: what waits and why) and each prover's
// progress share them. A tick built the inputs three times, planned twice (before deciding, then
// again for the decision's queue reasons) and predicted every proof three times.
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { OrchestratorDriver, type ProvingOutlook } from "../../../src/core/orchestrator/driver.js";
import type { Rig } from "../../../src/core/rig.js";
import { driverTestDir, RestRig } from "./driver-fixture.js";

const tmp = driverTestDir("pd-orch-once-");

describe("a tick of the driver", () => {
  it("builds the planner's inputs once: each identity's stored proofs are read once", async () => {
    const rig = new RestRig(tmp(), Array.from({ length: 64 }, (_, k) => `post${k + 1}`));
    const reads = new Map<string, number>();
    let decisions = 0;
    const driver = new OrchestratorDriver({
      rig: rig as unknown as Rig,
      roots: { mountinfo: path.join(tmp(), "none"), sys: path.join(tmp(), "none") },
      storedProofs: (keyFile) => (reads.set(keyFile, (reads.get(keyFile) ?? 0) + 1), []),
      onOutlook: () => decisions++,
    });
    await driver.start();
    try {
      await vi.advanceTimersByTimeAsync(0);
      reads.clear();
      const d0 = decisions;
      // a start under way (not at rest: a tick at rest also reads them for its signature)
      for (const v of rig.views) Object.assign(v, { state: "running", startedAt: Date.now() });
      rig.emit("event", { type: "service" });
      await vi.advanceTimersByTimeAsync(3000);
      const ticks = decisions - d0;
      expect(ticks).toBeGreaterThan(0);
      expect(reads.size).toBe(64);
      expect(Math.max(...reads.values())).toBe(ticks); // old: 3 per tick (predictions, the plan, the plan again with the decision)
    } finally {
      driver.stop();
    }
  });

  it("keeps the plan with the decision's reasons: a proof queued behind another on its disk says why", async () => {
    const rig = new RestRig(tmp(), ["post1", "post2"]);
    for (const i of rig.ids) i.postState = "PROVING";
    const outlooks: ProvingOutlook[] = [];
    const driver = new OrchestratorDriver({ rig: rig as unknown as Rig, roots: { mountinfo: path.join(tmp(), "none"), sys: path.join(tmp(), "none") }, onOutlook: (o) => outlooks.push(o) });
    await driver.start();
    try {
      await vi.advanceTimersByTimeAsync(100);
      // post1 is being started (its plan entry queued until it runs), post2 waits for the disk: decide()'s reason
      expect(outlooks.at(-1)!.queued.get("post2.key")).toBe("disk unknown busy: post1 proving (at most 1 per disk)");
    } finally {
      driver.stop();
    }
  });
});
