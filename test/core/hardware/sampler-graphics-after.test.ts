// With a postcli configured, the providers come from it and graphics() (a burst of helper processes:
// lspci, xrandr, xdpyinfo, clinfo …) only finds GPU temperatures: its first read waits graphicsAfterMs
// after start instead of adding to every daemon's start-up. Without a postcli it is the providers'
// source, read at start as before.
import { describe, expect, it } from "vitest";
import { HardwareSampler } from "../../../src/core/hardware/sampler.js";
import type { HardwareSources } from "../../../src/core/hardware/system-sources.js";

function sources(calls: Record<string, number>): Partial<HardwareSources> {
  const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
  return {
    cpuTimes: () => [{ idle: 0, total: 0 }],
    loadavg: () => [0, 0, 0],
    cpuModel: async () => "CPU",
    memory: async () => ({ totalBytes: 1e9, usedBytes: 5e8, availableBytes: 5e8 }),
    mounts: async () => [],
    diskstats: async () => null,
    fs: { realpath: async (p) => p, devOf: async () => ({ major: 8, minor: 1 }), statfs: async () => ({ totalBytes: 1, freeBytes: 1 }) },
    graphics: async () => {
      count("graphics");
      return [{ vendor: "NVIDIA", model: "GeForce RTX 3080", temperatureGpu: 64 }];
    },
    gpuTemperatures: async () => [64],
    cpuTemperature: async () => 50,
    runCommand: async () => ({ exitCode: 0, stdout: "[]", stderr: "", failure: null }),
  };
}

describe("HardwareSampler: graphics() at start", () => {
  it("with a postcli: not at start, once graphicsAfterMs has passed (then GPU temperatures show)", async () => {
    const calls: Record<string, number> = {};
    let now = 1_000_000;
    const s = new HardwareSampler({ paths: () => [], postcliBinary: "/opt/postcli", clock: () => now, sources: sources(calls), graphicsAfterMs: 60_000 });
    s.start();
    await s.stop();
    for (let t = 0; t < 58_000; t += 2000) {
      now += 2000;
      await s.sample();
    }
    await s.stop();
    expect(calls["graphics"]).toBeUndefined();
    expect((await s.sample()).temperatures.gpus).toEqual([]);
    now += 4000; // 62 s after start
    await s.sample();
    await s.stop(); // the background read finishes
    expect(calls["graphics"]).toBe(1);
    expect((await s.sample()).temperatures.gpus).toEqual([64]);
  });

  it("without a postcli (graphics() gives the providers): at start", async () => {
    const calls: Record<string, number> = {};
    const s = new HardwareSampler({ paths: () => [], postcliBinary: null, clock: () => 1_000_000, sources: sources(calls), graphicsAfterMs: 60_000 });
    s.start();
    await s.stop();
    expect(calls["graphics"]).toBe(1);
    expect((await s.sample()).providers).toEqual([{ id: 0, model: "NVIDIA GeForce RTX 3080", type: "GPU" }]);
  });
});
