// Where the hardware sampler gets its data on a real machine. Each entry says what it costs;
// the sampler calls the cheap ones every tick and the others on slower cadences.
import { promises as fsp } from "node:fs";
import os from "node:os";
import { cpuModelName, readCpuTemperature, readGpuDevices, readMemory, readMounts } from "./linux-readings.js";
import { type CommandRunner, type GraphicsController, runCommand } from "./providers.js";
import { type FsProbe, type MountEntry, nodeFsProbe } from "./volumes.js";

// systeminformation by part, each imported when first used: its index loads all of its 20
// modules (network, wifi, docker, bluetooth vendor tables, ...), ~7 MB more RSS for the daemon than
// the four used here; on Linux only graphics() is used (at start without a postcli, a minute later
// with one), the rest is read here without it (linux-readings.ts) — loading cpu, filesystem and
// memory cost every daemon start their compile (issue 16).
const si = {
  cpu: async () => (await siPart(() => import("systeminformation/lib/cpu.js"), "cpu"))(),
  cpuTemperature: async () => (await siPart(() => import("systeminformation/lib/cpu.js"), "cpuTemperature"))(),
  fsSize: async () => (await siPart(() => import("systeminformation/lib/filesystem.js"), "fsSize"))(),
  graphics: async () => (await siPart(() => import("systeminformation/lib/graphics.js"), "graphics"))(),
  mem: async () => (await siPart(() => import("systeminformation/lib/memory.js"), "mem"))(),
};

/**
 * A function of a systeminformation part (CommonJS), loaded on first use: a named export where
 * Node's interop gives one (dist/, the tests' mocks), on the default export in the bundle (whose
 * chunk for a CommonJS module has only that).
 */
async function siPart<M, K extends keyof M>(load: () => Promise<M>, name: K): Promise<M[K]> {
  const m = (await load()) as M & { default?: M };
  return m[name] ?? m.default![name];
}

export type CpuTimes = { idle: number; total: number };

export type MemoryReading = { totalBytes: number; usedBytes: number; availableBytes: number };

export type HardwareSources = {
  /** Per tick. Cumulative CPU times per logical core (node os.cpus(): no spawn). */
  cpuTimes(): CpuTimes[];
  /** Per tick. 1/5/15-minute load averages (os.loadavg()). */
  loadavg(): [number, number, number];
  /** Once. CPU model: Linux, the kernel's model name (os.cpus(), no spawn); elsewhere si.cpu() (spawns a few helpers once). */
  cpuModel(): Promise<string | null>;
  /** Per tick. Linux: /proc/meminfo (async read); elsewhere si.mem(). */
  memory(): Promise<MemoryReading>;
  /** Every minute. Linux: /proc/self/mounts (async read); elsewhere si.fsSize(), which spawns df. */
  mounts(): Promise<MountEntry[]>;
  /** Per tick. /proc/diskstats text (one read), null where there is none (not Linux). */
  diskstats(): Promise<string | null>;
  /** Per tick (statfs per volume), on mount refresh (realpath, stat). */
  fs: FsProbe;
  /**
   * Every 10 min. si.graphics(): lspci, clinfo, xrandr … and nvidia-smi through execFileSync,
   * which blocks the event loop while it runs — hence rarely.
   */
  graphics(): Promise<GraphicsController[]>;
  /**
   * Before each graphics() read: what it could find (Linux: the PCI display and accelerator devices
   * and their drivers, from /sys; "" when there are none), so that graphics() runs only when that
   * changed. null where it cannot tell (graphics() then runs every 10 min).
   */
  gpuDevices(): Promise<string | null>;
  /**
   * Every 30 s, only while graphics() reported GPU temperatures: the same numbers without blocking
   * (nvidia-smi --query-gpu=temperature.gpu, async). null when that fails.
   */
  gpuTemperatures(): Promise<number[] | null>;
  /**
   * Every 30 s (10 min while it reports nothing). Linux: /sys hwmon and thermal zones (async reads);
   * elsewhere si.cpuTemperature().
   */
  cpuTemperature(): Promise<number | null>;
  /** Runs postcli -printProviders every 10 min when postcli is configured (and nvidia-smi for GPU temperatures). */
  runCommand: CommandRunner;
};

function cpuTimes(): CpuTimes[] {
  return os.cpus().map(({ times: t }) => ({
    idle: t.idle,
    total: t.user + t.nice + t.sys + t.idle + t.irq,
  }));
}

export const systemSources: HardwareSources = {
  cpuTimes,
  loadavg: () => {
    const [a = 0, b = 0, c = 0] = os.loadavg();
    return [a, b, c];
  },
  async cpuModel() {
    // si.cpu() runs lscpu twice, dmidecode and cat for the same line: ~0.2 CPU-s per daemon start
    const fromKernel = process.platform === "linux" ? cpuModelName(os.cpus()[0]?.model ?? "") : null;
    if (fromKernel !== null) return fromKernel;
    const c = await si.cpu();
    const model = [c.manufacturer, c.brand].filter((s) => s && s.trim()).join(" ").trim();
    return model || null;
  },
  async memory() {
    if (process.platform === "linux") return readMemory();
    const m = await si.mem();
    // "used" as people read it (htop, free's "used"): not counting reclaimable cache.
    const available = m.available || m.free;
    return { totalBytes: m.total, usedBytes: Math.max(0, m.total - available), availableBytes: available };
  },
  async mounts() {
    // si.fsSize() runs `cat /proc/mounts` through execSync: the event loop waits for a shell
    if (process.platform === "linux") return readMounts();
    const list = await si.fsSize();
    return list.map((f) => ({
      mount: f.mount,
      device: f.fs || null,
      totalBytes: f.size,
      freeBytes: f.available,
    }));
  },
  async diskstats() {
    try {
      return await fsp.readFile("/proc/diskstats", "utf8");
    } catch {
      return null;
    }
  },
  fs: nodeFsProbe,
  async graphics() {
    return (await si.graphics()).controllers;
  },
  async gpuDevices() {
    return process.platform === "linux" ? readGpuDevices() : null;
  },
  async gpuTemperatures() {
    const r = await runCommand(
      "nvidia-smi",
      ["--query-gpu=temperature.gpu", "--format=csv,noheader,nounits"],
      5000,
    );
    if (r.failure !== null || r.exitCode !== 0) return null;
    // one line per GPU; "[N/A]" where a GPU has no sensor
    return r.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^-?\d+(\.\d+)?$/.test(l))
      .map(Number);
  },
  async cpuTemperature() {
    if (process.platform === "linux") return readCpuTemperature();
    const t = await si.cpuTemperature();
    return typeof t.main === "number" && Number.isFinite(t.main) && t.main > -100 ? t.main : null;
  },
  runCommand,
};
