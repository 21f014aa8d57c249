import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HardwareSampler } from "../../../src/core/hardware/sampler.js";
import type { HardwareSources } from "../../../src/core/hardware/system-sources.js";
import type { FsProbe } from "../../../src/core/hardware/volumes.js";
import { type HardwareView, HardwareViewSchema } from "../../../src/protocol/model.js";
import { tempDir } from "../../helpers/temp-dir.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/hardware");
const tmp = tempDir("postdeck-hw-sampler-");
const samplers: HardwareSampler[] = [];
afterEach(async () => {
  await Promise.all(samplers.splice(0).map((s) => s.stop()));
});

function track(s: HardwareSampler): HardwareSampler {
  samplers.push(s);
  return s;
}

function nextView(s: HardwareSampler, pred: (v: HardwareView) => boolean = () => true): Promise<HardwareView> {
  return new Promise((resolve) => {
    const on = (v: HardwareView) => {
      if (pred(v)) {
        s.off("hardware", on);
        resolve(v);
      }
    };
    s.on("hardware", on);
  });
}

describe("HardwareSampler on this machine", () => {
  it("emits a valid HardwareView with the volume holding the given paths", async () => {
    const posDir = path.join(tmp, "pos1");
    const s = track(
      new HardwareSampler({ paths: () => [posDir, tmp], postcliBinary: null, intervalMs: 300, firstSampleMs: 100 }),
    );
    s.start();
    // the second view has read rates (two diskstats samples) and the background reads done
    const v = await nextView(s, (view) => view.cpu.model !== null);
    HardwareViewSchema.parse(v);
    expect(v.cpu.cores).toBe(os.cpus().length);
    expect(v.cpu.percent).toBeGreaterThanOrEqual(0);
    expect(v.cpu.percent).toBeLessThanOrEqual(100);
    expect(v.memory.totalBytes).toBe(os.totalmem());
    expect(v.memory.usedBytes + v.memory.availableBytes).toBeLessThanOrEqual(v.memory.totalBytes);
    expect(v.volumes).toHaveLength(1); // the not-yet-created PoS dir counts for its parent's volume
    expect(v.volumes[0]!.paths).toEqual([posDir, tmp]);
    expect(v.volumes[0]!.totalBytes).toBeGreaterThan(0);
    expect(["systeminformation", "none"]).toContain(v.providersSource);
    expect(s.latest()).not.toBeNull();
    HardwareViewSchema.parse(s.latest());
  });

  it("takes providers from a configured postcli, and shows its failure", async () => {
    const ok = path.join(tmp, "postcli-ok");
    writeFileSync(ok, `#!/bin/sh\ncat '${path.join(fixtures, "print-providers-uint32.txt")}'\n`);
    chmodSync(ok, 0o755);
    const s = track(new HardwareSampler({ paths: () => [], postcliBinary: ok, intervalMs: 200, firstSampleMs: 50 }));
    s.start();
    const v = await nextView(s, (view) => view.providers.length > 0);
    expect(v.providersSource).toBe("postcli");
    expect(v.providers.at(-1)).toEqual({ id: 4294967295, model: "[CPU] scrypt-jane", type: "CPU" });
    expect(v.providersError).toBeNull();

    const bad = path.join(tmp, "postcli-bad");
    writeFileSync(bad, `#!/bin/sh\ncat '${path.join(fixtures, "print-providers-error.stderr.txt")}' >&2\nexit 1\n`);
    chmodSync(bad, 0o755);
    const s2 = track(new HardwareSampler({ paths: () => [], postcliBinary: bad, intervalMs: 200, firstSampleMs: 50 }));
    s2.start();
    const v2 = await nextView(s2, (view) => view.providersError != null);
    expect(v2.providersSource).toBe("postcli");
    expect(v2.providers).toEqual([]);
    expect(v2.providersError).toMatch(/failed to get OpenCL providers/);
  });
  it("stop() kills a postcli that hangs", async () => {
    const pidFile = path.join(tmp, "hung.pid");
    const hung = path.join(tmp, "postcli-hung");
    writeFileSync(hung, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`);
    chmodSync(hung, 0o755);
    const s = new HardwareSampler({ paths: () => [], postcliBinary: hung, postcliTimeoutMs: 120_000 });
    s.start();
    const pid = await new Promise<number>((resolve) => {
      const poll = () => {
        try {
          const n = Number(readFileSync(pidFile, "utf8"));
          if (n > 0) return resolve(n);
        } catch {
          // not written yet
        }
        setTimeout(poll, 50);
      };
      poll();
    });
    await s.stop();
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});

describe("HardwareSampler with injected sources", () => {
  function fakeSources(over: Partial<HardwareSources> = {}) {
    let cpuCall = 0;
    let diskCall = 0;
    const calls: Record<string, number> = {};
    const count = (k: string) => {
      calls[k] = (calls[k] ?? 0) + 1;
    };
    const fs: FsProbe = {
      realpath: async (p) => p,
      devOf: async () => ({ major: 8, minor: 17 }),
      statfs: async () => ({ totalBytes: 4e12, freeBytes: 1e12 }),
    };
    const sources: Partial<HardwareSources> = {
      // two cores; each tick adds 100 ms to each, 25 ms of it busy → 75 % idle → 25 % busy
      cpuTimes: () => {
        const n = cpuCall++;
        return [0, 1].map(() => ({ idle: n * 75, total: n * 100 }));
      },
      loadavg: () => [1.5, 1.2, 0.9],
      cpuModel: async () => "AMD Ryzen 9 7950X",
      memory: async () => ({ totalBytes: 64e9, usedBytes: 20e9, availableBytes: 44e9 }),
      mounts: async () => {
        count("mounts");
        return [{ mount: "/mnt/pos", device: "/dev/sdb1" }];
      },
      // every diskstats read adds 204800 sectors (100 MiB) to sdb1
      diskstats: async () => `   8      17 sdb1 1 0 ${204800 * diskCall++} 0 0 0 0 0 0 0 0\n`,
      fs,
      graphics: async () => {
        count("graphics");
        return [{ vendor: "NVIDIA", model: "GeForce RTX 3080", temperatureGpu: 64 }];
      },
      // one NVIDIA card with its driver, the same each time (what graphics() could find)
      gpuDevices: async () => "0000:01:00.0 0x030000 0x10de 0x2206 nvidia",
      gpuTemperatures: async () => {
        count("gpuTemperatures");
        return [70];
      },
      cpuTemperature: async () => {
        count("cpuTemperature");
        return 55;
      },
      ...over,
    };
    return { sources, calls };
  }

  it("computes CPU %, read throughput and caches the expensive reads", async () => {
    const { sources, calls } = fakeSources();
    let now = 1_000_000;
    const s = new HardwareSampler({
      paths: () => ["/mnt/pos/a", "/mnt/pos/b"],
      postcliBinary: null,
      clock: () => now,
      sources,
    });
    // what start() does, minus the timer: baseline CPU and diskstats
    s.start();
    await s.stop();
    const views: HardwareView[] = [];
    for (let i = 0; i < 5; i++) {
      now += 2000;
      views.push(await s.sample());
    }
    for (const v of views) HardwareViewSchema.parse(v);
    const v = views.at(-1)!;
    expect(v.sampledAt).toBe(now);
    expect(v.cpu).toEqual({ percent: 25, cores: 2, load: [1.5, 1.2, 0.9], model: "AMD Ryzen 9 7950X" });
    expect(v.memory).toEqual({ totalBytes: 64e9, usedBytes: 20e9, availableBytes: 44e9 });
    expect(v.volumes).toEqual([
      {
        mount: "/mnt/pos",
        device: "/dev/sdb1",
        paths: ["/mnt/pos/a", "/mnt/pos/b"],
        totalBytes: 4e12,
        freeBytes: 1e12,
        readBytesPerSec: (204800 * 512) / 2, // 100 MiB every 2 s
      },
    ]);
    expect(v.providers).toEqual([{ id: 0, model: "NVIDIA GeForce RTX 3080", type: "GPU" }]);
    expect(v.providersSource).toBe("systeminformation");
    expect(v.temperatures).toEqual({ cpu: 55, gpus: [64] });
    // 10 s of ticks: mounts, graphics and temperature were read once, not per tick
    expect(calls).toEqual({ mounts: 1, graphics: 1, cpuTemperature: 1 });
    // after 30 s: temperatures again (GPU ones by the quick query, not graphics()); after 60 s: mounts
    for (let i = 0; i < 30; i++) {
      now += 2000;
      await s.sample();
    }
    await s.stop(); // let the background reads finish
    const later = await s.sample();
    expect(later.temperatures).toEqual({ cpu: 55, gpus: [70] });
    expect(calls).toEqual({ mounts: 2, graphics: 1, cpuTemperature: 3, gpuTemperatures: 2 });
  });

  it("maps paths to volumes again only when the mount table or the paths change, or each minute while a path does not exist", async () => {
    let table = [{ mount: "/mnt/pos", device: "/dev/sdb1" }];
    const exists = new Set(["/mnt/pos/a"]);
    let realpaths = 0;
    const { sources, calls } = fakeSources({
      mounts: async () => {
        calls["mounts"] = (calls["mounts"] ?? 0) + 1;
        return table;
      },
      fs: {
        realpath: async (p) => {
          realpaths++;
          if (p !== "/" && p !== "/mnt" && p !== "/mnt/pos" && !exists.has(p)) throw new Error("ENOENT");
          return p;
        },
        devOf: async () => ({ major: 8, minor: 17 }),
        statfs: async () => ({ totalBytes: 4e12, freeBytes: 1e12 }),
      },
    });
    let now = 1_000_000;
    let paths = ["/mnt/pos/a"];
    const s = new HardwareSampler({ paths: () => paths, postcliBinary: null, clock: () => now, sources });
    s.start();
    await s.stop();
    /** Ticks of 2 s for `ms`, the background reads let finish; realpath calls meanwhile. */
    const run = async (ms: number) => {
      const before = realpaths;
      for (let t = 0; t < ms; t += 2000) {
        now += 2000;
        await s.sample();
        await s.stop();
      }
      return realpaths - before;
    };
    expect(await run(2000)).toBe(1);
    // five minutes, the mount table read each minute and the same: no realpath, no stat
    expect(await run(300_000)).toBe(0);
    expect(calls["mounts"]).toBeGreaterThanOrEqual(5);
    // a mount more: mapped again at the tick after the table was read
    table = [...table, { mount: "/mnt/other", device: "/dev/sdc1" }];
    expect(await run(62_000)).toBe(1);
    // a path more: mapped again at once
    paths = ["/mnt/pos/a", "/mnt/pos/b"];
    expect(await run(2000)).toBe(3); // a, b (missing), and /mnt/pos for b
    // b does not exist: mapped again each minute until it does
    expect(await run(60_000)).toBe(3);
    exists.add("/mnt/pos/b");
    expect(await run(60_000)).toBe(2);
    expect(await run(300_000)).toBe(0);
    expect((await s.sample()).volumes).toEqual([expect.objectContaining({ mount: "/mnt/pos", paths: ["/mnt/pos/a", "/mnt/pos/b"] })]);
  });

  it("samples every intervalMs while fast() says so, else every slowIntervalMs", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const { sources } = fakeSources();
      let fast = false;
      const s = track(new HardwareSampler({ paths: () => ["/mnt/pos/a"], postcliBinary: null, clock: () => Date.now(), sources, firstSampleMs: 500, fast: () => fast }));
      const at: number[] = [];
      const t0 = Date.now();
      s.on("hardware", (v) => at.push(v.sampledAt - t0));
      s.start();
      await vi.advanceTimersByTimeAsync(500 + 60_000);
      expect(at).toEqual([500, 30_500, 60_500]); // nobody watches, nothing proves: every 30 s
      fast = true; // a client shows the hardware: the next tick samples
      await vi.advanceTimersByTimeAsync(6000);
      expect(at.slice(3)).toEqual([62_500, 64_500, 66_500]);
      fast = false;
      await vi.advanceTimersByTimeAsync(30_000);
      expect(at.slice(6)).toEqual([96_500]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("asleep until the slow view while idle() says nothing wants one sooner; wake() looks at once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const { sources } = fakeSources();
      let fast = false;
      let looks = 0;
      const s = track(new HardwareSampler({ paths: () => ["/mnt/pos/a"], postcliBinary: null, clock: () => Date.now(), sources, firstSampleMs: 500, fast: () => (looks++, fast), idle: () => !fast }));
      const at: number[] = [];
      const t0 = Date.now();
      s.on("hardware", (v) => at.push(v.sampledAt - t0));
      s.start();
      await vi.advanceTimersByTimeAsync(500 + 60_000);
      expect(at).toEqual([500, 30_500, 60_500]); // every 30 s as before
      expect(looks, "no look every 2 s in between (was 30 a minute)").toBeLessThanOrEqual(4);
      await vi.advanceTimersByTimeAsync(5000);
      fast = true; // a client came: the daemon wakes the sampler
      s.wake();
      await vi.advanceTimersByTimeAsync(4000);
      expect(at.slice(3)).toEqual([65_500, 67_500, 69_500]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("never runs two samples at once and emits nothing after stop()", async () => {
    let active = 0;
    let maxActive = 0;
    const { sources } = fakeSources({
      memory: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 30));
        active--;
        return { totalBytes: 1, usedBytes: 0, availableBytes: 1 };
      },
    });
    const s = track(new HardwareSampler({ paths: () => [], postcliBinary: null, sources, intervalMs: 1, firstSampleMs: 1 }));
    s.start();
    await Promise.all([s.sample(), s.sample(), s.sample(), nextView(s), nextView(s)]);
    expect(maxActive).toBe(1);
    await s.stop();
    let after = 0;
    s.on("hardware", () => after++);
    await new Promise((r) => setTimeout(r, 100));
    expect(after).toBe(0);
  });

  it("says none and reports nothing where the machine reports nothing", async () => {
    const { sources } = fakeSources({
      graphics: async () => [],
      cpuTemperature: async () => null,
      diskstats: async () => null,
      mounts: async () => Promise.reject(new Error("df: hung")),
    });
    const errors: string[] = [];
    const s = new HardwareSampler({
      paths: () => ["/mnt/pos/a"],
      postcliBinary: null,
      sources,
      onError: (what) => errors.push(what),
    });
    s.start();
    await s.stop();
    const v = await s.sample();
    HardwareViewSchema.parse(v);
    expect(v.providersSource).toBe("none");
    expect(v.providers).toEqual([]);
    expect(v.temperatures).toEqual({ cpu: null, gpus: [] });
    expect(v.volumes).toHaveLength(1);
    expect(v.volumes[0]!.readBytesPerSec).toBeNull();
    expect(errors).toContain("mounts");
  });

  // With a postcli configured the providers come from it and graphics() (lspci, xrandr, xdpyinfo,
  // clinfo … in helper processes) only finds GPU temperatures: its first read waits graphicsAfterMs
  // after start instead of adding to every daemon's start-up. Without a postcli it gives the
  // providers and is read at start.
  it("with a postcli, reads graphics() graphicsAfterMs after start, not at start (GPU temperatures then)", async () => {
    const { sources, calls } = fakeSources({ runCommand: async () => ({ exitCode: 0, stdout: "[]", stderr: "", failure: null }) });
    let now = 1_000_000;
    const s = new HardwareSampler({ paths: () => [], postcliBinary: "/opt/postcli", clock: () => now, sources, graphicsAfterMs: 60_000 });
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

  it("without a postcli (graphics() gives the providers), reads graphics() at start", async () => {
    const { sources, calls } = fakeSources();
    const s = new HardwareSampler({ paths: () => [], postcliBinary: null, clock: () => 1_000_000, sources, graphicsAfterMs: 60_000 });
    s.start();
    await s.stop();
    expect(calls["graphics"]).toBe(1);
    expect((await s.sample()).providers).toEqual([{ id: 0, model: "NVIDIA GeForce RTX 3080", type: "GPU" }]);
  });

  // graphics() spawns lspci, clinfo, xdpyinfo, xrandr and nvidia-smi: it runs again only when the
  // GPUs it could find (PCI display/accelerator devices and their drivers) changed, and not at all
  // where there are none; where that cannot be told, every 10 min as before.
  it("reads graphics() again only when the GPU devices changed, never where there are none", async () => {
    let devices: string | null = "0000:01:00.0 0x030000 0x10de 0x2206 -";
    const { sources, calls } = fakeSources({ gpuDevices: async () => devices });
    let now = 1_000_000;
    const s = new HardwareSampler({ paths: () => [], postcliBinary: null, clock: () => now, sources });
    const minutes = async (m: number) => {
      for (let i = 0; i < m; i++) {
        now += 60_000;
        await s.sample();
        await s.stop(); // the background reads finish
      }
    };
    s.start();
    await s.stop();
    await minutes(35);
    expect(calls["graphics"]).toBe(1); // was 4: at start and every 10 min
    expect((await s.sample()).providers).toEqual([{ id: 0, model: "NVIDIA GeForce RTX 3080", type: "GPU" }]);
    devices = "0000:01:00.0 0x030000 0x10de 0x2206 nvidia"; // its driver loaded
    await minutes(11);
    expect(calls["graphics"]).toBe(2);
    devices = null; // cannot tell: every 10 min
    await minutes(21);
    expect(calls["graphics"]).toBe(4);

    const none = fakeSources({ gpuDevices: async () => "" });
    const t = new HardwareSampler({ paths: () => [], postcliBinary: null, clock: () => now, sources: none.sources });
    t.start();
    await t.stop();
    now += 25 * 60_000;
    const v = await t.sample();
    await t.stop();
    expect(none.calls["graphics"]).toBeUndefined();
    expect(v.providers).toEqual([]);
    expect(v.providersSource).toBe("none");
  });

  // A failed quick query shows no GPU temperature rather than a stale one; with the devices unchanged
  // graphics() is not read for them, so the next graphics() refresh reads them again, and the quick
  // query resumes.
  it("GPU temperatures come back after one failed quick query", async () => {
    let fail = true;
    const { sources, calls } = fakeSources({
      gpuTemperatures: async () => {
        calls["gpuTemperatures"] = (calls["gpuTemperatures"] ?? 0) + 1;
        if (!fail) return [70];
        fail = false;
        return null;
      },
    });
    let now = 1_000_000;
    const s = new HardwareSampler({ paths: () => [], postcliBinary: null, clock: () => now, sources });
    s.start();
    await s.stop();
    now += 31_000;
    await s.sample();
    await s.stop(); // the failed quick query finishes
    expect(calls["gpuTemperatures"]).toBe(1);
    expect((await s.sample()).temperatures.gpus).toEqual([]);
    for (let i = 0; i < 60; i++) {
      now += 30_000;
      await s.sample();
      await s.stop();
    }
    expect((await s.sample()).temperatures.gpus).toEqual([70]); // [] for good on ffc1c29
    expect(calls["graphics"]).toBe(2); // read again once, at the 10 min refresh
    expect(calls["gpuTemperatures"]).toBeGreaterThan(40);
  });
});
