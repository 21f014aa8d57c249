// What the driver tests on a fake rig share: a temp dir and the fake clock per test, a rig of
// services at rest, and a driver started on a rig that counts its decisions (each full tick tells
// its outlook once).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, vi } from "vitest";
import { OrchestratorDriver } from "../../../src/core/orchestrator/driver.js";
import type { Rig } from "../../../src/core/rig.js";
import type { IdentityView, ServiceView } from "../../../src/protocol/model.js";

/** A fresh temp dir (prefix) and fake timers for each test of the file; returns the current dir. */
export function driverTestDir(prefix: string): () => string {
  let dir = "";
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** A driver started on the rig (no disks mapped), and how many decisions it has made. */
export async function startedDriver(rig: unknown, dir: string): Promise<{ driver: OrchestratorDriver; decisions: () => number }> {
  let n = 0;
  const driver = new OrchestratorDriver({ rig: rig as Rig, roots: { mountinfo: path.join(dir, "none"), sys: path.join(dir, "none") }, onOutlook: () => n++ });
  await driver.start();
  await vi.advanceTimersByTimeAsync(0);
  return { driver, decisions: () => n };
}

/** Services stopped, identities IDLE, no disks mapped: a rig at rest the test changes by hand. */
export class RestRig extends EventEmitter {
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
  /** When the node started (its view's startedAt), null: not known. */
  nodeStartedAt: number | null = null;
  node = () => ({ clock: null, startedAt: this.nodeStartedAt });
  /** Node watches held (a client showing the node: the node monitor then polls every 2 s). */
  nodeWatches = 0;
  watch(types: ReadonlySet<string> | null) {
    const node = types === null || types.has("node");
    if (node) this.nodeWatches++;
    let done = false;
    return () => {
      if (!done && node) this.nodeWatches--;
      done = true;
    };
  }
  /** The hardware sampler's last view (null: none yet): the volumes' read rates, the machine's RAM. */
  hw: { memory: { totalBytes: number }; volumes: { paths: string[]; readBytesPerSec: number | null }[] } | null = null;
  hardwareView = () => this.hw;
  setOrchestration() {}
  orchestrationChanged(_name: string) {}
  /** A CPU/RSS sample: a "service" event with nothing the orchestrator reads changed. */
  sampled(): void {
    this.emit("event", { type: "service" });
  }
}
