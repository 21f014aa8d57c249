// CPU/RSS of the services are for people: sampled every 2 s while a client watches the services,
// not at all while none does (64 services × /proc reads every 30 s were idle work for nobody); a
// snapshot asks for them (freshUsage) and gets a sample when the last one is older than it allows.
// The adopted "service" is this test process itself (its pid and start time in the state file).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Supervisor, type ProcessSampler } from "../../../src/core/supervisor/supervisor.js";
import { readProcStartTime } from "../../../src/core/supervisor/proc-stat.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

describe("service CPU/RSS sampling", () => {
  it("reads no sample while no client watches, at once and every 2 s while one does, and when a snapshot asks for fresh figures", async () => {
    const rig = makeRig();
    mkdirSync(rig.stateDir, { recursive: true });
    const rec = { pid: process.pid, startTime: readProcStartTime(process.pid), startedAt: Date.now(), argv: [], restarts: 0, operatorAddress: null, wanted: true };
    writeFileSync(path.join(rig.stateDir, "state.json"), JSON.stringify({ version: 1, savedAt: Date.now(), services: { svc0: rec } }));
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const t0 = Date.now();
    const at: number[] = [];
    const sampler: ProcessSampler = async (pids) => {
      at.push(Date.now() - t0);
      return new Map(pids.map((p) => [p, { cpuPercent: at.length, rssBytes: 1 << 20 }]));
    };
    const sup = new Supervisor({ config: rig.config, processSampler: sampler, now: () => Date.now(), intervals: { operatorPoll: 60_000 } });
    try {
      expect((await sup.init()).adopted).toEqual(["svc0"]);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(at, "nobody watches: no sample in 10 minutes").toEqual([]);
      expect(sup.view("svc0")!.cpuPercent).toBeNull();
      // a snapshot (postdeck status) asks for figures at most 5 s old: one sample, then none while they are
      await sup.freshUsage(5000);
      expect(at).toEqual([600_000]);
      expect(sup.view("svc0")!.cpuPercent).toBe(1);
      await vi.advanceTimersByTimeAsync(3000);
      await Promise.all([sup.freshUsage(5000), sup.freshUsage(5000)]);
      expect(at).toEqual([600_000]);
      await vi.advanceTimersByTimeAsync(3000);
      await Promise.all([sup.freshUsage(5000), sup.freshUsage(5000)]); // two at once share one sample
      expect(at).toEqual([600_000, 606_000]);
      const unwatch = sup.watchUsage();
      await vi.advanceTimersByTimeAsync(4000);
      expect(at.slice(2)).toEqual([606_000, 608_000, 610_000]); // at once, then every 2 s
      expect(sup.view("svc0")!.cpuPercent).toBe(5);
      unwatch();
      unwatch(); // twice counts once
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(at.length).toBe(5);
    } finally {
      await sup.shutdown({ stopServices: false });
    }
  });
});
