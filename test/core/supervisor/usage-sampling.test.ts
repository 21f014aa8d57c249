// CPU/RSS of the services are for people: sampled every 2 s while a client watches the services,
// every 30 s while none does (64 services × /proc reads every 2 s was idle work for nobody).
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
  it("samples every 30 s unwatched, at once and every 2 s while a client watches", async () => {
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
      await vi.advanceTimersByTimeAsync(62_000);
      expect(at).toEqual([2000, 32_000, 62_000]);
      const unwatch = sup.watchUsage();
      await vi.advanceTimersByTimeAsync(4000);
      expect(at.slice(3)).toEqual([62_000, 64_000, 66_000]); // at once, then every 2 s
      expect(sup.view("svc0")!.cpuPercent).toBe(6);
      unwatch();
      unwatch(); // twice counts once
      await vi.advanceTimersByTimeAsync(30_000);
      expect(at.slice(6)).toEqual([96_000]);
    } finally {
      await sup.shutdown({ stopServices: false });
    }
  });
});
