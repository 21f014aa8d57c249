// The driver at rest (nothing proving, no service on its way, the gap not open): a tick whose inputs
// are those of the last one decides and plans nothing again (an idle daemon with many services is
// woken by CPU/RSS samples and the slow tick); a change of an input, or of what the driver keeps
// itself (a service handed back), decides again, and so does every tick while something is under way.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OrchestratorDriver } from "../../../src/core/orchestrator/driver.js";
import { IDLE_TICK_MS } from "../../../src/core/orchestrator/tick-policy.js";
import type { Rig } from "../../../src/core/rig.js";
import type { IdentityView, ServiceView } from "../../../src/protocol/model.js";

class RestRig extends EventEmitter {
  readonly views: ServiceView[];
  readonly ids: IdentityView[];
  readonly config;
  constructor(dir: string, names: string[]) {
    super();
    this.views = names.map((name) => ({ name, dir: path.join(dir, name), state: "stopped", startedAt: null, operator: { kind: "none" } }) as unknown as ServiceView);
    this.ids = names.map((name) => ({ keyFile: `${name}.key`, service: name, sizeBytes: 1 << 20, units: 4, postState: "IDLE" }) as unknown as IdentityView);
    this.config = {
      stateDir: dir,
      services: this.views.map((v) => ({ name: v.name, dir: v.dir, threads: 1, pinnedCores: null, nonces: 16, randomxMode: "fast" })),
      proving: { mode: "on-demand", perDisk: 1, maxConcurrent: "auto", memoryBudget: "64GiB", disks: {} },
    };
  }
  logs = { onLines: () => () => undefined };
  supervisor = { views: () => this.views, start: async () => undefined, stop: async () => undefined };
  identities = () => this.ids;
  node = () => ({ clock: null });
  hardwareView = () => null;
  setOrchestration() {}
  orchestrationChanged() {}
  /** A CPU/RSS sample: a "service" event with nothing the orchestrator reads changed. */
  sampled(): void {
    this.emit("event", { type: "service" });
  }
}

let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-orch-rest-"));
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function started(rig: RestRig): Promise<{ driver: OrchestratorDriver; decisions: () => number }> {
  let n = 0;
  const driver = new OrchestratorDriver({ rig: rig as unknown as Rig, roots: { mountinfo: path.join(dir, "none"), sys: path.join(dir, "none") }, onOutlook: () => n++ });
  await driver.start();
  await vi.advanceTimersByTimeAsync(0);
  return { driver, decisions: () => n };
}

describe("the driver at rest", () => {
  it("decides once, then not again while its inputs stay the same (samples, the slow tick)", async () => {
    const rig = new RestRig(dir, ["post1", "post2"]);
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

  it("decides again when what it keeps itself changes (a service handed back), then rests again", async () => {
    const rig = new RestRig(dir, ["post1"]);
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
    const rig = new RestRig(dir, ["post1"]);
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
