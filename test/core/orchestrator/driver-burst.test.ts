// The driver while many services change at once (a start of 64 services brings ~200 "service"
// events in a few seconds): each event costs the work of what changed (the one service it names,
// not the views of all), and the decisions that follow are spaced by their cost (cost-spacing.ts).
import { describe, expect, it, vi } from "vitest";
import { driverTestDir, RestRig, startedDriver } from "./driver-fixture.js";
import type { ServiceView } from "../../../src/protocol/model.js";

/** A rig as the daemon's: a "service" event carries the service's view, and the driver's overlay changes come back as "service" events. */
class BurstRig extends RestRig {
  /** supervisor.views() calls (each builds all the services' views). */
  built = 0;
  /** What a tick costs on the fake clock (charged where only a tick looks: the hardware view). */
  tickCostMs = 0;
  constructor(dir: string, n: number) {
    super(dir, Array.from({ length: n }, (_, k) => `post${k + 1}`));
  }
  override supervisor = {
    views: () => (this.built++, this.views.map((v) => ({ ...v }))),
    start: async () => undefined,
    stop: async () => undefined,
  };
  override hardwareView = () => {
    if (this.tickCostMs > 0) vi.setSystemTime(Date.now() + this.tickCostMs);
    return null;
  };
  override orchestrationChanged(name: string) {
    this.emit("event", { type: "service", data: { ...this.views.find((v) => v.name === name)! } });
  }
  /** Service k changed (started, its /status, a CPU/RSS sample): its event. */
  changed(k: number, change: Partial<ServiceView> = {}): void {
    const v = this.views[k % this.views.length]!;
    Object.assign(v, change);
    this.emit("event", { type: "service", data: { ...v } });
  }
}

const tmp = driverTestDir("pd-orch-burst-");
const started = (rig: BurstRig) => startedDriver(rig, tmp());

describe("the driver during a start of 64 services", () => {
  it("200 service events build the services' views once per decision, not once per event", async () => {
    const rig = new BurstRig(tmp(), 64);
    const { driver, decisions } = await started(rig);
    try {
      const built0 = rig.built;
      const decided0 = decisions();
      for (let k = 0; k < 200; k++) {
        rig.changed(k, k < 64 ? { state: "running", startedAt: Date.now() } : { operator: { kind: "unreachable", error: "starting" } as ServiceView["operator"] });
        await vi.advanceTimersByTimeAsync(10);
      }
      await vi.advanceTimersByTimeAsync(100);
      const ticks = decisions() - decided0;
      expect(ticks).toBeGreaterThan(0);
      expect(rig.built - built0).toBeLessThanOrEqual(ticks + 2); // the old driver: one per event as well (≥ 200)
    } finally {
      driver.stop();
    }
  });

  it("decisions that cost 100 ms each come at most about one per second while changes keep coming", async () => {
    const rig = new BurstRig(tmp(), 64);
    const { driver, decisions } = await started(rig);
    try {
      rig.tickCostMs = 100;
      const decided0 = decisions();
      // a change every 20 ms for 5 s (the old driver decided 50 ms after each: ~30 times)
      for (let k = 0; k < 250; k++) {
        rig.changed(k, { state: "running", startedAt: Date.now() });
        await vi.advanceTimersByTimeAsync(20);
      }
      const ticks = decisions() - decided0;
      expect(ticks).toBeGreaterThanOrEqual(3);
      expect(ticks).toBeLessThanOrEqual(10);
      // once they stop, a change is decided on within the spacing (10 × 100 ms)
      rig.tickCostMs = 0;
      await vi.advanceTimersByTimeAsync(3000);
      const settled = decisions();
      rig.changed(0, { state: "stopped", startedAt: null });
      await vi.advanceTimersByTimeAsync(1100);
      expect(decisions()).toBeGreaterThan(settled);
    } finally {
      driver.stop();
    }
  });

  it("a proof is timed from its service's start as the service's own event told it", async () => {
    const rig = new BurstRig(tmp(), 4);
    const { driver } = await started(rig);
    try {
      rig.ids[1]!.postState = "PROVING";
      rig.emit("event", { type: "identities", data: rig.ids });
      await vi.advanceTimersByTimeAsync(100);
      const startedAt = Date.now();
      rig.changed(1, { state: "running", startedAt });
      await vi.advanceTimersByTimeAsync(30_000);
      rig.ids[1]!.postState = "IDLE";
      rig.emit("event", { type: "identities", data: rig.ids });
      expect(driver.historyOf("post2.key").map((r) => r.totalMs)).toEqual([Date.now() - startedAt]);
    } finally {
      driver.stop();
    }
  });
});
