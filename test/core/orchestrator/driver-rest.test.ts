// The driver at rest (nothing proving, no service on its way, the gap not open): a tick whose inputs
// are those of the last one decides and plans nothing again (an idle daemon with many services is
// woken by CPU/RSS samples and the slow tick); a change of an input, or of what the driver keeps
// itself (a service handed back), decides again, and so does every tick while something is under way.
import { describe, expect, it, vi } from "vitest";
import { driverTestDir, RestRig, startedDriver } from "./driver-fixture.js";
import { NODE_START_WATCH_MS } from "../../../src/core/orchestrator/driver.js";
import { IDLE_TICK_MS } from "../../../src/core/orchestrator/tick-policy.js";

const tmp = driverTestDir("pd-orch-rest-");
const started = (rig: RestRig) => startedDriver(rig, tmp());
/** post1 runs and proves (reads its disk) for a minute now; the rig says so at its next event. */
const proving = (rig: RestRig) =>
  Object.assign(rig.views[0]!, { state: "running", startedAt: Date.now() - 60_000, operator: { kind: "proving", position: 1, nonces: { start: 0, end: 16 }, pass: 1, percent: 1 } });

describe("the driver at rest", () => {
  it("decides once, then not again while its inputs stay the same (samples, the slow tick)", async () => {
    const rig = new RestRig(tmp(), ["post1", "post2"]);
    const { driver, decisions } = await started(rig);
    try {
      expect(decisions()).toBe(1);
      for (let k = 0; k < 10; k++) {
        rig.sampled();
        await vi.advanceTimersByTimeAsync(30_000);
      }
      await vi.advanceTimersByTimeAsync(3 * IDLE_TICK_MS);
      expect(decisions()).toBe(1);
      // the node asks post1 for a proof: decided at once, and it is started
      const start = vi.spyOn(rig.supervisor, "start");
      rig.ids[0]!.postState = "PROVING";
      rig.emit("event", { type: "identities" });
      await vi.advanceTimersByTimeAsync(100);
      expect(decisions()).toBe(2);
      expect(start).toHaveBeenCalledWith("post1");
    } finally {
      driver.stop();
    }
  });

  it("its plan says when it last decided: ticks at rest leave that time, a decision moves it", async () => {
    const rig = new RestRig(tmp(), ["post1"]);
    const t0 = Date.now();
    const { driver, decisions } = await started(rig);
    try {
      expect(driver.plan().decidedAt).toBe(t0); // was not said
      await vi.advanceTimersByTimeAsync(3 * IDLE_TICK_MS);
      expect(decisions()).toBe(1);
      expect(driver.plan().decidedAt).toBe(t0);
      rig.ids[0]!.postState = "PROVING";
      rig.emit("event", { type: "identities" });
      const t1 = Date.now();
      await vi.advanceTimersByTimeAsync(100);
      expect(decisions()).toBe(2);
      expect(driver.plan().decidedAt).toBeGreaterThan(t1);
      expect(driver.plan().decidedAt).toBeLessThanOrEqual(Date.now());
    } finally {
      driver.stop();
    }
  });

  it("learns a disk's read rate only while a proof reads it: other programs' reads on an idle disk decide nothing again", async () => {
    const rig = new RestRig(tmp(), ["post1", "post2"]);
    const volume = { paths: rig.views.map((v) => v.dir), readBytesPerSec: 1000 };
    rig.hw = { memory: { totalBytes: 64 * 2 ** 30 }, volumes: [volume] };
    const { driver, decisions } = await started(rig);
    try {
      // the disk's reads at rest go up and down with whatever else runs (each new high used to be a full tick)
      for (let k = 1; k <= 10; k++) {
        volume.readBytesPerSec = 1000 * k;
        rig.emit("event", { type: "hardware" });
        await vi.advanceTimersByTimeAsync(IDLE_TICK_MS / 2);
      }
      expect(decisions()).toBe(1);
      expect(driver.plan().lanes.map((l) => l.readBytesPerSec), "no rate learnt from an idle disk").toEqual([null]);
      // post1 proves (reads its disk): the sampler's rate there is the disk's
      proving(rig);
      volume.readBytesPerSec = 200e6;
      rig.emit("event", { type: "service" });
      await vi.advanceTimersByTimeAsync(100);
      expect(driver.plan().lanes.map((l) => l.readBytesPerSec)).toEqual([200e6]);
    } finally {
      driver.stop();
    }
  });

  it("a plan asked for (GET /v1/plan) learns nothing: a disk's rate seen only by it is not kept", async () => {
    const rig = new RestRig(tmp(), ["post1"]);
    const volume = { paths: rig.views.map((v) => v.dir), readBytesPerSec: 200e6 };
    rig.hw = { memory: { totalBytes: 64 * 2 ** 30 }, volumes: [volume] };
    const { driver } = await started(rig);
    try {
      proving(rig);
      rig.emit("event", { type: "service" });
      await vi.advanceTimersByTimeAsync(100);
      volume.readBytesPerSec = 900e6; // a moment's high that no tick sees
      driver.plan();
      volume.readBytesPerSec = 200e6;
      rig.emit("event", { type: "service" });
      await vi.advanceTimersByTimeAsync(100);
      expect(driver.plan().lanes.map((l) => l.readBytesPerSec)).toEqual([200e6]);
    } finally {
      driver.stop();
    }
  });

  it("decides again when what it keeps itself changes (a service handed back), then rests again", async () => {
    const rig = new RestRig(tmp(), ["post1"]);
    const { driver, decisions } = await started(rig);
    try {
      driver.handBack(["post1"]); // not taken: nothing changes
      await vi.advanceTimersByTimeAsync(100);
      expect(decisions()).toBe(1);
      rig.emit("act", "stop", ["post1"]);
      rig.sampled();
      await vi.advanceTimersByTimeAsync(100);
      expect(decisions()).toBe(2);
      driver.handBack(["post1"]);
      await vi.advanceTimersByTimeAsync(100);
      expect(decisions()).toBe(3);
      rig.sampled();
      await vi.advanceTimersByTimeAsync(IDLE_TICK_MS);
      expect(decisions()).toBe(3);
    } finally {
      driver.stop();
    }
  });

  it("decides at every tick while a service is on its way (time alone changes the decision)", async () => {
    const rig = new RestRig(tmp(), ["post1"]);
    Object.assign(rig.views[0]!, { state: "running", startedAt: Date.now(), operator: { kind: "none" } });
    const stop = vi.spyOn(rig.supervisor, "stop");
    const { driver, decisions } = await started(rig);
    try {
      // just started, not answering yet: left its grace, then stopped (the node shows it IDLE)
      await vi.advanceTimersByTimeAsync(6_000);
      expect(decisions()).toBeGreaterThanOrEqual(4);
      expect(stop).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(6_000);
      expect(stop).toHaveBeenCalledWith("post1");
    } finally {
      driver.stop();
    }
  });
});

describe("the driver after the node (re)starts", () => {
  // the node may ask for proofs at once; at rest its PostStates are polled every 10 s unless watched
  it("watches the node for a minute from its start (on-demand), then lets the poll rest again", async () => {
    const rig = new RestRig(tmp(), ["post1"]);
    rig.nodeStartedAt = Date.now() - 1_000;
    const { driver } = await started(rig);
    try {
      expect(rig.nodeWatches, "a node started a second ago").toBe(1);
      await vi.advanceTimersByTimeAsync(NODE_START_WATCH_MS - 2_000);
      expect(rig.nodeWatches).toBe(1);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(rig.nodeWatches, "a minute after its start").toBe(0);
      // restarted: its view comes with the new start
      rig.nodeStartedAt = Date.now();
      rig.emit("event", { type: "node" });
      rig.emit("event", { type: "node" });
      expect(rig.nodeWatches, "one watch per start").toBe(1);
      await vi.advanceTimersByTimeAsync(NODE_START_WATCH_MS);
      expect(rig.nodeWatches).toBe(0);
    } finally {
      driver.stop();
    }
  });

  it("does not watch a node that started long ago, nor in always mode; lets go when stopped", async () => {
    const old = new RestRig(tmp(), ["post1"]);
    old.nodeStartedAt = Date.now() - 5 * 60_000;
    const a = await started(old);
    expect(old.nodeWatches).toBe(0);
    a.driver.stop();

    const always = new RestRig(tmp(), ["post1"]);
    always.config.proving.mode = "always";
    always.nodeStartedAt = Date.now();
    const b = await started(always);
    expect(always.nodeWatches).toBe(0);
    b.driver.stop();

    const fresh = new RestRig(tmp(), ["post1"]);
    fresh.nodeStartedAt = Date.now();
    const c = await started(fresh);
    expect(fresh.nodeWatches).toBe(1);
    c.driver.stop();
    expect(fresh.nodeWatches).toBe(0);
  });
});
