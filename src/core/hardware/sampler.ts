// The hardware sampler: every 2 s (never overlapping) a HardwareView of CPU, memory, the volumes
// holding the given paths, compute providers and temperatures. Only cheap reads happen per tick
// (os.cpus, os.loadavg, /proc/meminfo, /proc/diskstats, statfs per volume); everything that
// spawns a process runs on slower cadences in the background and is cached.
import { EventEmitter } from "node:events";
import type { HardwareView, Provider } from "../../protocol/model.js";
import {
  gpuTemperatures,
  type GraphicsController,
  type ProvidersResult,
  providersFromGraphics,
  runPrintProviders,
} from "./providers.js";
import { type CpuTimes, type HardwareSources, systemSources } from "./system-sources.js";
import {
  type DiskstatsSample,
  type MappedVolume,
  type MountEntry,
  mapVolumes,
  measureVolumes,
  parseDiskstats,
} from "./volumes.js";

export type HardwareSamplerOptions = {
  /** PoS dirs and the node data folder; read every tick (cheap: the mapping is cached). */
  paths: () => string[];
  /** config `postcli.binary`, or null: providers then come from systeminformation. */
  postcliBinary: string | null;
  intervalMs?: number; // default 2000
  /**
   * Whether a view every `intervalMs` is wanted now (a client shows it, a proof reads a disk);
   * otherwise one every `slowIntervalMs` (CPU % and read rates then cover that interval). Default: always.
   */
  fast?: () => boolean;
  /**
   * Whether no view is wanted before the slow one at all (no client asks, not even at a pace of its
   * own, nothing may prove): the sampler then sleeps until the slow view instead of asking fast()
   * every intervalMs, and wake() is called when that may change. Default: never.
   */
  idle?: () => boolean;
  slowIntervalMs?: number; // default 30 s
  /** Delay of the first sample after start(), so CPU % and read rates cover a real interval. Default 500. */
  firstSampleMs?: number;
  /**
   * Mount table read (Linux: /proc/self/mounts; elsewhere fsSize). The path → volume mapping
   * (realpath and stat of each path) is redone only when that table or the paths changed, or at
   * this interval while a path does not exist yet. Default 60 s.
   */
  mountsRefreshMs?: number;
  /** CPU temperature; GPU temperatures (nvidia-smi) where graphics() reported some. Default 30 s. */
  slowRefreshMs?: number;
  /**
   * Providers (postcli), graphics() (GPU list: read again only when gpuDevices() changed), and a
   * CPU temperature the machine did not report. Default 10 min.
   */
  staticRefreshMs?: number;
  /**
   * With a postcli configured, the providers come from it and graphics() only finds GPU temperatures:
   * its first read (lspci, xrandr, xdpyinfo, clinfo … ~0.35 s of CPU in helper processes) waits this
   * long after start() instead of adding to the daemon's start-up. Default 60 s.
   */
  graphicsAfterMs?: number;
  postcliTimeoutMs?: number; // default 10 s
  clock?: () => number;
  sources?: Partial<HardwareSources>;
  /** Reports a failed background read (e.g. fsSize); the sampler keeps going with what it has. */
  onError?: (what: string, err: unknown) => void;
};

export interface HardwareSamplerEvents {
  hardware: [HardwareView];
}

type Cached<T> = { value: T; at: number } | null;

function cpuPercent(prev: CpuTimes[] | null, cur: CpuTimes[]): number {
  if (prev === null || prev.length !== cur.length) return 0;
  let idle = 0;
  let total = 0;
  cur.forEach((c, i) => {
    const p = prev[i]!;
    idle += c.idle - p.idle;
    total += c.total - p.total;
  });
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, ((total - idle) / total) * 100));
}

export class HardwareSampler extends EventEmitter<HardwareSamplerEvents> {
  private readonly opts: Required<
    Omit<HardwareSamplerOptions, "sources" | "onError" | "postcliBinary" | "paths" | "clock" | "fast" | "idle">
  >;
  private readonly src: HardwareSources;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (clock ms). */
  private timerAt = 0;
  private running = false;
  private ticking: Promise<void> | null = null;
  private last: HardwareView | null = null;

  private prevCpu: CpuTimes[] | null = null;
  private prevDisk: DiskstatsSample | null = null;
  private cpuModel: Cached<string | null> = null;
  private mounts: Cached<MountEntry[]> = null;
  /** The mount table's mount points and devices (sizes left out), to tell a changed table. */
  private mountsKey: string | null = null;
  private mapped: { key: string; at: number; volumes: MappedVolume[] } | null = null;
  private providers: Cached<ProvidersResult> = null;
  private graphics: Cached<GraphicsController[]> = null;
  /** gpuDevices() when graphics() was last read (null: unknown, read it at each refresh). */
  private gpuDevices: string | null = null;
  private cpuTemp: Cached<number | null> = null;
  private gpuTemps: Cached<number[]> = null;
  private startedAt = 0;
  private readonly inFlight = new Map<string, Promise<void>>();
  private abort = new AbortController();

  constructor(private readonly options: HardwareSamplerOptions) {
    super();
    this.opts = {
      intervalMs: options.intervalMs ?? 2000,
      slowIntervalMs: options.slowIntervalMs ?? 30_000,
      firstSampleMs: options.firstSampleMs ?? 500,
      mountsRefreshMs: options.mountsRefreshMs ?? 60_000,
      slowRefreshMs: options.slowRefreshMs ?? 30_000,
      staticRefreshMs: options.staticRefreshMs ?? 600_000,
      graphicsAfterMs: options.graphicsAfterMs ?? 60_000,
      postcliTimeoutMs: options.postcliTimeoutMs ?? 10_000,
    };
    this.src = { ...systemSources, ...options.sources };
    this.clock = options.clock ?? Date.now;
  }

  /** Starts sampling: the first view after `firstSampleMs`, then every `intervalMs`. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.startedAt = this.clock();
    this.prevCpu = this.src.cpuTimes();
    this.background("diskstats", async () => {
      const s = await this.readDiskstats();
      this.prevDisk ??= s;
    });
    this.refreshBackground(true);
    this.schedule(this.opts.firstSampleMs);
  }

  /**
   * Stops sampling; resolves when a tick and background reads in progress have finished (a running
   * postcli is killed). No 'hardware' event after that.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** The last view emitted, or null before the first sample. */
  latest(): HardwareView | null {
    return this.last;
  }

  /** Takes one sample now (also used by tests and by start()'s timer). Never overlaps another. */
  async sample(): Promise<HardwareView> {
    while (this.ticking) await this.ticking;
    let view!: HardwareView;
    const run = (async () => {
      view = await this.buildView();
      this.last = view;
    })();
    this.ticking = run.finally(() => {
      this.ticking = null;
    });
    await this.ticking;
    return view;
  }

  /**
   * A view may be wanted sooner than the slow one (a client began to watch, a proof may start): a
   * sampler asleep until its slow view looks again at once.
   */
  wake(): void {
    if (!this.running || this.timer === null || this.timerAt - this.clock() <= this.opts.intervalMs) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timerAt = this.clock() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      const { intervalMs, slowIntervalMs } = this.opts;
      // half a tick of slack: a tick that comes a little early still counts
      const wait = this.last === null ? 0 : slowIntervalMs - intervalMs / 2 - (this.clock() - this.last.sampledAt);
      // nothing wants a view before the slow one: asleep until then (wake() looks sooner), else a look each tick
      if (wait > 0 && this.options.fast?.() === false) return this.schedule(this.options.idle?.() === true ? Math.max(intervalMs, wait + intervalMs / 2) : intervalMs);
      void this.sample()
        .then((view) => {
          if (this.running) this.emit("hardware", view);
        })
        .catch((err) => this.options.onError?.("sample", err))
        .finally(() => this.schedule(this.opts.intervalMs));
    }, ms);
    this.timer.unref?.();
  }

  private async readDiskstats(): Promise<DiskstatsSample | null> {
    const text = await this.src.diskstats().catch(() => null);
    return text === null ? null : { at: this.clock(), devices: parseDiskstats(text) };
  }

  private due(c: Cached<unknown>, every: number, now: number): boolean {
    return c === null || now - c.at >= every;
  }

  /** Runs `job` in the background unless the same job is already running. */
  private background(name: string, job: () => Promise<void>): void {
    if (this.inFlight.has(name)) return;
    const p = job()
      .catch((err) => this.options.onError?.(name, err))
      .finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, p);
  }

  private refreshBackground(force = false): void {
    const now = this.clock();
    const { slowRefreshMs, staticRefreshMs } = this.opts;
    if (force || this.due(this.mounts, this.opts.mountsRefreshMs, now)) {
      // si.fsSize() spawns df, which can hang on a dead network mount: never inside a tick.
      this.background("mounts", async () => {
        try {
          const value = await this.src.mounts();
          const key = value.map((m) => `${m.mount}\0${m.device ?? ""}`).join("\n");
          this.mounts = { value, at: this.clock() };
          // the same mounts: the mapping holds (realpath and stat of every path, each minute, for nothing)
          if (key !== this.mountsKey) this.mapped = null;
          this.mountsKey = key;
        } catch (err) {
          // keep the previous table (or none: volumes are then found by st_dev alone)
          this.mounts = { value: this.mounts?.value ?? [], at: this.clock() };
          throw err;
        }
      });
    }
    if (this.cpuModel === null) {
      this.background("cpuModel", async () => {
        const v = await this.src.cpuModel().catch(() => null);
        this.cpuModel = { value: v, at: this.clock() };
      });
    }
    const graphicsWaits = this.options.postcliBinary !== null && this.graphics === null && now - this.startedAt < this.opts.graphicsAfterMs;
    if (!graphicsWaits && (force || this.due(this.graphics, staticRefreshMs, now))) {
      this.background("graphics", async () => {
        // graphics() spawns lspci, clinfo, xdpyinfo, xrandr (and nvidia-smi): only when what it
        // could find changed (a GPU or its driver came or went), never where there is no GPU to find
        const devices = await this.src.gpuDevices().catch(() => null);
        // GPU temperatures the quick query lost (it failed) come back only from a new read
        const tempsLost = this.gpuTemps?.value.length === 0 && this.graphics !== null && gpuTemperatures(this.graphics.value).length > 0;
        if (devices !== null && this.graphics !== null && devices === this.gpuDevices && !tempsLost) {
          this.graphics = { value: this.graphics.value, at: this.clock() };
          return;
        }
        let v: GraphicsController[] = [];
        try {
          if (devices !== "") v = await this.src.graphics();
          this.gpuDevices = devices;
        } catch (err) {
          this.gpuDevices = null; // read again at the next refresh
          this.options.onError?.("graphics", err);
        }
        this.graphics = { value: v, at: this.clock() };
        this.gpuTemps = { value: gpuTemperatures(v), at: this.clock() };
      });
    }
    // GPU temperatures between two graphics() reads: only on machines where graphics() found some.
    if (this.gpuTemps !== null && this.gpuTemps.value.length > 0 && this.due(this.gpuTemps, slowRefreshMs, now)) {
      this.background("gpuTemperatures", async () => {
        const v = await this.src.gpuTemperatures().catch(() => null);
        // null: the quick query failed: show none (not a stale reading) until the next graphics() read
        this.gpuTemps = { value: v ?? [], at: this.clock() };
      });
    }
    const tempEvery = this.cpuTemp && this.cpuTemp.value === null ? staticRefreshMs : slowRefreshMs;
    if (force || this.due(this.cpuTemp, tempEvery, now)) {
      this.background("cpuTemperature", async () => {
        const v = await this.src.cpuTemperature().catch(() => null);
        this.cpuTemp = { value: v, at: this.clock() };
      });
    }
    const bin = this.options.postcliBinary;
    if (bin !== null && (force || this.due(this.providers, staticRefreshMs, now))) {
      this.background("postcli", async () => {
        const signal = this.abort.signal;
        const v = await runPrintProviders(bin, { timeoutMs: this.opts.postcliTimeoutMs, run: this.src.runCommand, signal });
        if (!signal.aborted) this.providers = { value: v, at: this.clock() };
      });
    }
  }

  private providersNow(): ProvidersResult {
    if (this.options.postcliBinary !== null) {
      return this.providers?.value ?? { source: "postcli", providers: [], error: null };
    }
    return this.graphics ? providersFromGraphics(this.graphics.value) : { source: "none", providers: [], error: null };
  }

  private async volumesNow(cur: DiskstatsSample | null): Promise<HardwareView["volumes"]> {
    const now = this.clock();
    const paths = [...new Set(this.options.paths())];
    if (paths.length === 0) return [];
    const key = paths.join("\0");
    // Re-map when the paths or the mount table changed (a disk attached or mounted elsewhere), or a
    // minute passed while a path did not exist (a PoS dir created since may be a link to another disk).
    const pending = this.mapped !== null && this.mapped.volumes.some((v) => v.missing.length > 0);
    if (this.mapped === null || this.mapped.key !== key || (pending && now - this.mapped.at >= this.opts.mountsRefreshMs)) {
      const volumes = await mapVolumes(paths, this.mounts?.value ?? [], cur?.devices ?? new Map(), this.src.fs);
      this.mapped = { key, at: now, volumes };
    }
    return measureVolumes(this.mapped.volumes, this.prevDisk, cur, this.src.fs);
  }

  private async buildView(): Promise<HardwareView> {
    this.refreshBackground();
    const cpuNow = this.src.cpuTimes();
    const percent = cpuPercent(this.prevCpu, cpuNow);
    this.prevCpu = cpuNow;
    const [memory, disk] = await Promise.all([this.src.memory(), this.readDiskstats()]);
    const volumes = await this.volumesNow(disk);
    if (disk !== null) this.prevDisk = disk;
    const prov = this.providersNow();
    const providers: Provider[] = prov.providers.map((p) => ({ ...p }));
    return {
      sampledAt: this.clock(),
      cpu: {
        percent,
        cores: cpuNow.length,
        load: this.src.loadavg(),
        model: this.cpuModel?.value ?? null,
      },
      memory,
      volumes,
      providers,
      providersSource: prov.source,
      providersError: prov.error,
      temperatures: {
        cpu: this.cpuTemp?.value ?? null,
        gpus: this.gpuTemps ? [...this.gpuTemps.value] : [],
      },
    };
  }
}
