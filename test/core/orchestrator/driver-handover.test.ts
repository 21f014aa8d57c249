// The driver's overlapped hand-over on a fake clock, as the demo rig shows it to the daemon: log
// lines reach it up to a second late (the log follower reads a file once a second), /status is
// polled every 2 s (its position is as old as that poll), and a queued prover's start is timed by a
// wake at the predicted moment. With a round of history, the next prover on a disk starts while
// the one before still reads, and its read never starts before that read has ended.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OrchestratorDriver, readLeftMs } from "../../../src/core/orchestrator/driver.js";
import type { Rig } from "../../../src/core/rig.js";
import type { IdentityView, OperatorStatus, ServiceView } from "../../../src/protocol/model.js";

const SIZE = 4 * 1024 * 1024;
// start to the node's first ask (`starting proof generation`), then k2pow
const SLOW = { startupMs: 800, k2powMs: 1400 };
const READ_MS = 5300; // not whole seconds: its two lines reach the driver with different lags
const FETCH_MS = 1000; // DoneProving until the node shows IDLE

interface Sim {
  name: string;
  dir: string;
  running: boolean;
  startedAt: number | null;
  readFrom: number | null;
  readTo: number | null;
  operator: OperatorStatus;
}

class FakeRig extends EventEmitter {
  readonly sims: Sim[];
  readonly ids: IdentityView[];
  private pending: { source: string; line: string }[] = [];
  private readonly lineFns: ((source: string, lines: string[]) => void)[] = [];
  readonly reads: { name: string; from: number; to: number }[] = [];
  readonly starts: { name: string; at: number }[] = [];
  readonly config;

  constructor(
    readonly dir: string,
    private readonly t = SLOW,
  ) {
    super();
    const names = ["post1", "post3"];
    this.sims = names.map((name) => ({ name, dir: path.join(dir, name), running: false, startedAt: null, readFrom: null, readTo: null, operator: { kind: "none" } }));
    this.ids = names.map((name) => ({ keyFile: `${name}.key`, service: name, sizeBytes: SIZE, units: 4, postState: "IDLE" }) as unknown as IdentityView);
    this.config = {
      stateDir: dir,
      services: this.sims.map((s) => ({ name: s.name, dir: s.dir, threads: 1, pinnedCores: null, nonces: 16, randomxMode: "fast" })),
      proving: { mode: "on-demand", perDisk: 1, maxConcurrent: "auto", memoryBudget: "64GiB", disks: { "disk-a": this.sims.map((s) => s.dir) } },
    };
  }

  logs = { onLines: (fn: (source: string, lines: string[]) => void) => (this.lineFns.push(fn), () => undefined) };
  supervisor = {
    views: (): ServiceView[] =>
      this.sims.map((s) => ({ name: s.name, dir: s.dir, state: s.running ? "running" : "stopped", startedAt: s.startedAt, operator: s.running ? s.operator : { kind: "none" } }) as unknown as ServiceView),
    start: async (name: string) => {
      const s = this.sim(name);
      this.starts.push({ name, at: Date.now() });
      Object.assign(s, { running: true, startedAt: Date.now(), readFrom: null, readTo: null, operator: { kind: "unreachable", error: "starting" } });
      this.changed();
    },
    stop: async (name: string) => {
      Object.assign(this.sim(name), { running: false, startedAt: null, operator: { kind: "none" } });
      this.changed();
    },
  };
  identities = () => this.ids;
  node = () => ({ clock: null });
  snapshot = () => ({ hardware: null });
  setOrchestration() {}
  orchestrationChanged() {}

  private sim(name: string): Sim {
    return this.sims.find((s) => s.name === name)!;
  }

  private changed(): void {
    this.emit("event", { type: "service" });
  }

  private log(source: string, line: string): void {
    this.pending.push({ source, line: `[${new Date().toISOString().slice(0, 19)}Z INFO  post::prove] ${line}` });
  }

  prove(): void {
    for (const id of this.ids) id.postState = "PROVING";
    this.emit("event", { type: "identities" });
  }

  /** One step of the simulated post-services and node at the current fake time. */
  step(now: number): void {
    for (const s of this.sims) {
      if (!s.running || s.startedAt === null) continue;
      const id = this.ids.find((i) => i.service === s.name)!;
      const asked = s.startedAt + this.t.startupMs;
      if (s.readFrom === null && id.postState === "PROVING" && now >= asked) {
        s.readFrom = asked + this.t.k2powMs;
        s.readTo = s.readFrom + READ_MS;
        this.log(s.name, "starting proof generation for challenge 00");
      }
      if (s.readFrom !== null && s.readTo !== null) {
        if (now >= s.readFrom && now - 50 < s.readFrom) this.log(s.name, `finished k2pow in 0m ${Math.floor(this.t.k2powMs / 1000)}s`), this.log(s.name, "started reading POST data");
        if (now >= s.readTo && now - 50 < s.readTo) {
          this.log(s.name, `finished reading POST data in 0m ${Math.floor(READ_MS / 1000)}s`);
          this.reads.push({ name: s.name, from: s.readFrom, to: s.readTo });
        }
        if (now >= s.readTo + FETCH_MS && id.postState === "PROVING") {
          id.postState = "IDLE";
          this.emit("event", { type: "identities" });
        }
      }
    }
  }

  /** The supervisor's /status poll (every 2 s): what each running service says at that moment. */
  poll(now: number): void {
    for (const s of this.sims) {
      if (!s.running) continue;
      let op: OperatorStatus = { kind: "idle" };
      if (s.readFrom !== null && s.readTo !== null) {
        if (now >= s.readTo) op = { kind: "done" };
        else {
          const position = now < s.readFrom ? 0 : Math.floor((SIZE * (now - s.readFrom)) / READ_MS);
          op = { kind: "proving", nonces: { start: 0, end: 16 }, position, pass: 1, percent: null };
        }
      }
      if (JSON.stringify(op) !== JSON.stringify(s.operator)) {
        s.operator = op;
        this.changed();
      }
    }
  }

  /** The log follower: a second's lines at once, once a second. */
  deliver(): void {
    const batch = this.pending.splice(0);
    for (const source of new Set(batch.map((b) => b.source))) {
      const lines = batch.filter((b) => b.source === source).map((b) => b.line);
      for (const fn of this.lineFns) fn(source, lines);
    }
  }

  running(): number {
    return this.sims.filter((s) => s.running && this.ids.find((i) => i.service === s.name)!.postState === "PROVING" && s.operator.kind !== "done").length;
  }
}

let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-orch-driver-"));
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** When, in each 2 s, /status is polled and, in each second, the log lines are read: out of phase with the proofs. */
interface Phase {
  pollMs: number;
  deliverMs: number;
}
const PHASES: Phase[] = [0, 250, 500, 750].flatMap((deliverMs) => [300, 1300].map((pollMs) => ({ pollMs, deliverMs })));

async function withDriver(rig: FakeRig, fn: () => Promise<void>): Promise<void> {
  const driver = new OrchestratorDriver({ rig: rig as unknown as Rig, roots: { mountinfo: path.join(dir, "none"), sys: path.join(dir, "none") } });
  await driver.start();
  try {
    await fn();
  } finally {
    driver.stop();
  }
}

/** Runs one round (every identity PROVING until all are IDLE again) in 50 ms steps; the most provers running for a proof at once. */
async function round(rig: FakeRig, t0: number, phase: Phase): Promise<number> {
  rig.prove();
  let most = 0;
  for (let t = 0; t < 60_000; t += 50) {
    const now = t0 + t;
    rig.step(now);
    if (t % 2000 === phase.pollMs) rig.poll(now);
    if (t % 1000 === phase.deliverMs) rig.deliver();
    most = Math.max(most, rig.running());
    await vi.advanceTimersByTimeAsync(50);
    if (rig.ids.every((i) => i.postState === "IDLE") && rig.sims.every((s) => !s.running)) break;
  }
  return most;
}

describe("the driver's overlapped hand-over (late log lines, 2-s /status polls, a wake at the predicted start)", () => {
  it.each(PHASES)("with a round of history, the next prover starts while the one before reads, and reads only after it (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir);
    await withDriver(rig, async () => {
      // round 1: no history, one prover at a time
      expect(await round(rig, Date.now(), phase)).toBe(1);
      expect(rig.reads).toHaveLength(2);
      rig.reads.length = 0;
      // round 2: timed by the history of round 1
      const most = await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      const [a, b] = [...rig.reads].sort((x, y) => x.from - y.from);
      expect(b!.from, "never two readers on the disk").toBeGreaterThanOrEqual(a!.to);
      expect(most, "the next prover ran while the one before read").toBe(2);
      expect(b!.from - a!.to, "the disk idles less than a start-up and k2pow between the reads").toBeLessThan(SLOW.startupMs + SLOW.k2powMs);
    });
  });

  it.each(PHASES)("a prover too quick to its read to start early starts as the read before it ends, not at the next /status poll (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir, { startupMs: 200, k2powMs: 800 }); // its lead is 0: it waits for the read's end
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      rig.starts.length = 0;
      await round(rig, Date.now(), phase);
      const [a, b] = [...rig.reads].sort((x, y) => x.from - y.from);
      expect(b!.from, "never two readers on the disk").toBeGreaterThanOrEqual(a!.to);
      const next = rig.starts.find((s) => s.name === b!.name)!;
      // by its /status rate, or its `finished reading` line; not when a stale /status position (its
      // read's end then looked a whole read away) gives way to DoneProving at the next poll
      expect(next.at - a!.to).toBeLessThan(500);
    });
  });
});

describe("readLeftMs", () => {
  it("counts from the later position's time, not from now: a stale position does not make the end recede", () => {
    const first = { at: 0, position: 1_000_000 };
    const last = { at: 2000, position: 3_000_000 }; // 1000 bytes per ms
    expect(readLeftMs(4_000_000, first, last, 2000)).toBe(1000);
    expect(readLeftMs(4_000_000, first, last, 2500)).toBe(500);
    expect(readLeftMs(4_000_000, first, last, 3500)).toBe(0);
    expect(readLeftMs(4_000_000, first, { at: 500, position: 1_500_000 }, 600)).toBeNull();
  });
});
