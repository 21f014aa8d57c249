// A client that takes samples no faster than a pace (`GET /v1/events?sampleMs=`: the console draws
// CPU/RSS and hardware every 10 s) has them taken at that pace, not every 2 s: the services' CPU/RSS
// (the supervisor's sampler) and the hardware view (the sampler asks rig.watching("hardware") at each tick).
// The adopted "service" is this test process itself (its pid and start time in the state file).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Rig } from "../../src/core/rig.js";
import type { ProcessSampler } from "../../src/core/supervisor/supervisor.js";
import { readProcStartTime } from "../../src/core/supervisor/proc-stat.js";
import type { HardwareView } from "../../src/protocol/model.js";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

/** A rig that adopted one service (this process) and records when its CPU/RSS were sampled (ms from the start). */
async function sampledRig(): Promise<{ rig: Rig; at: number[]; t0: number }> {
  const fx = makeRig();
  mkdirSync(fx.stateDir, { recursive: true });
  const rec = { pid: process.pid, startTime: readProcStartTime(process.pid), startedAt: Date.now(), argv: [], restarts: 0, operatorAddress: null, wanted: true };
  writeFileSync(path.join(fx.stateDir, "state.json"), JSON.stringify({ version: 1, savedAt: Date.now(), services: { svc0: rec } }));
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
  const t0 = Date.now();
  const at: number[] = [];
  const sampler: ProcessSampler = async (pids) => {
    at.push(Date.now() - t0);
    return new Map(pids.map((p) => [p, { cpuPercent: at.length, rssBytes: 1 << 20 }]));
  };
  const rig = new Rig({ config: fx.config, processSampler: sampler, intervals: { operatorPoll: 60_000 } });
  expect((await rig.supervisor.init()).adopted).toEqual(["svc0"]);
  return { rig, at, t0 };
}

describe("sample pace of a watching client", () => {
  it("CPU/RSS: at once and every 10 s for a client at 10 s; two such clients share the samples; a client without a pace gets them every 2 s", async () => {
    const { rig, at } = await sampledRig();
    try {
      await vi.advanceTimersByTimeAsync(10_000);
      expect(at).toEqual([]); // nobody watches: not sampled
      const a = rig.watch(null, { sampleMs: 10_000 });
      await vi.advanceTimersByTimeAsync(3000);
      const b = rig.watch(null, { sampleMs: 10_000 }); // the second console: no sample of its own
      await vi.advanceTimersByTimeAsync(27_000);
      expect(at).toEqual([10_000, 20_000, 30_000, 40_000]);
      const fast = rig.watch(null);
      await vi.advanceTimersByTimeAsync(4000);
      expect(at.slice(4)).toEqual([40_000, 42_000, 44_000]); // at once, then on the 2 s tick
      fast();
      a();
      b();
      await vi.advanceTimersByTimeAsync(20_000);
      expect(at.slice(7)).toEqual([]); // nobody: not sampled again
    } finally {
      await rig.supervisor.shutdown({ stopServices: false });
    }
  });

  it("hardware: a client at 10 s counts as watching once 9 s have passed since the last view; one without a pace always", async () => {
    const { rig } = await sampledRig();
    try {
      const view = { sampledAt: Date.now() } as unknown as HardwareView; // what the rig keeps is not read here
      expect(rig.watching("hardware")).toBe(0);
      const paced = rig.watch(null, { sampleMs: 10_000 });
      expect(rig.watching("hardware")).toBe(1); // no view for 10 s: due now
      rig.publish("hardware", view);
      expect(rig.watching("hardware")).toBe(0);
      expect(rig.watchedAtAll("hardware"), "the paced client, though its pace has not come (the sampler does not sleep till its slow view)").toBe(1);
      await vi.advanceTimersByTimeAsync(8000);
      expect(rig.watching("hardware")).toBe(0);
      await vi.advanceTimersByTimeAsync(1000);
      expect(rig.watching("hardware")).toBe(1); // the sampler's next 2 s tick takes a view
      expect(rig.watching("service")).toBe(1);
      expect(rig.watching("node")).toBe(1); // the node's state is no sample: it is polled as for any client
      const fast = rig.watch(new Set(["hardware"]));
      rig.publish("hardware", view);
      expect(rig.watching("hardware")).toBe(1);
      fast();
      expect(rig.watching("hardware")).toBe(0);
      let told = 0;
      rig.on("watch", () => told++);
      paced();
      expect(told, "the sampler is told a client left").toBe(1);
      expect(rig.watchedAtAll("hardware")).toBe(0);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(rig.watching("hardware")).toBe(0);
      expect(rig.watching("service")).toBe(0);
    } finally {
      await rig.supervisor.shutdown({ stopServices: false });
    }
  });
});
