// The driver's overlapped hand-over on a fake clock, as the demo rig shows it to the daemon: log
// lines reach it up to a second late (the log follower reads a file once a second), /status is
// polled every 2 s (its position is as old as that poll), a started service connects to the node
// (`obtained metadata`) and is asked for its proof at the node's next 2-s poll (a wait that differs
// from one start to the next), and a queued prover's start is timed by a wake at the predicted
// moment. The next prover on a disk starts while the one before still reads, and its read never
// starts before that read has ended.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OrchestratorDriver, readLeftMs } from "../../../src/core/orchestrator/driver.js";
import type { Rig } from "../../../src/core/rig.js";
import type { IdentityView, OperatorStatus, ServiceView } from "../../../src/protocol/model.js";

const SIZE = 4 * 1024 * 1024;
// start to connected (`obtained metadata`), then the node's ask at its next poll (askWaitMs: 0–2 s), then k2pow
const SLOW = { connectMs: 800, k2powMs: 1400 };
const READ_MS = 5300; // not whole seconds: its two lines reach the driver with different lags
const FETCH_MS = 1000; // DoneProving until the node shows IDLE

interface Sim {
  name: string;
  dir: string;
  running: boolean;
  startedAt: number | null;
  connected: boolean;
  /** The proof's reads, one per pass, each after its k2pow (null: not asked yet). */
  passes: { k2From: number; from: number; to: number; logged: number; slow: Slow | null }[] | null;
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
    names = ["post1", "post3"],
  ) {
    super();
    this.sims = names.map((name) => ({ name, dir: path.join(dir, name), running: false, startedAt: null, connected: false, passes: null, operator: { kind: "none" } }));
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
      Object.assign(s, { running: true, startedAt: Date.now(), connected: false, passes: null, operator: { kind: "unreachable", error: "starting" } });
      this.changed();
    },
    stop: async (name: string) => {
      Object.assign(this.sim(name), { running: false, startedAt: null, operator: { kind: "none" } });
      this.changed();
    },
  };
  /** The node's wait from a service's connection to its first ask (its 2-s poll), per start. */
  askWaitMs = 0;
  /** Passes each service's proof takes (a read that found no proof is followed by another k2pow and read). */
  passesOf: Record<string, number> = {};
  /** Start to connected by service, where it differs from the rest (a start on a busy machine). */
  connectOf: Record<string, number> = {};
  /** Reads that slow down part-way (their disk or the machine busy), by service. */
  slowReads: Record<string, Slow> = {};
  /** k2pow of a second pass onwards (a slow one keeps the disk's next reader waiting longer). */
  laterK2powMs: number | null = null;
  identities = () => this.ids;
  node = () => ({ clock: null });
  hardwareView = () => null;
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
      const connected = s.startedAt + (this.connectOf[s.name] ?? this.t.connectMs);
      if (!s.connected && now >= connected) {
        s.connected = true;
        this.log(s.name, "obtained metadata: PostMetadata { node_id: 00 }");
      }
      const asked = connected + this.askWaitMs;
      if (s.passes === null && id.postState === "PROVING" && now >= asked) {
        s.passes = [];
        for (let k = 0, at = asked; k < (this.passesOf[s.name] ?? 1); k++) {
          const k2 = k > 0 ? (this.laterK2powMs ?? this.t.k2powMs) : this.t.k2powMs;
          const slow = this.slowReads[s.name] ?? null;
          const readMs = slow ? READ_MS * (slow.after + (1 - slow.after) * slow.factor) : READ_MS;
          s.passes.push({ k2From: at, from: at + k2, to: at + k2 + readMs, logged: 0, slow });
          at += k2 + readMs;
        }
        this.log(s.name, "starting proof generation for challenge 00");
      }
      if (s.passes !== null) {
        for (const [k, p] of s.passes.entries()) {
          if (now >= p.k2From && p.logged === 0) (p.logged = 1), this.log(s.name, `calculating proof of work for nonces ${16 * k}..${16 * k + 16}`);
          if (now >= p.from && p.logged === 1) (p.logged = 2), this.log(s.name, `finished k2pow in 0m ${Math.floor((p.from - p.k2From) / 1000)}s`), this.log(s.name, "started reading POST data");
          if (now >= p.to && p.logged === 2) {
            p.logged = 3;
            this.log(s.name, `finished reading POST data in 0m ${Math.floor((p.to - p.from) / 1000)}s`);
            this.reads.push({ name: s.name, from: p.from, to: p.to });
          }
        }
        const end = s.passes.at(-1)!.to;
        if (now >= end + FETCH_MS && id.postState === "PROVING") {
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
      if (s.passes !== null) {
        if (now >= s.passes.at(-1)!.to) op = { kind: "done" };
        else {
          const k = Math.max(0, s.passes.findLastIndex((p) => now >= p.k2From));
          const p = s.passes[k]!;
          const position = now < p.from ? 0 : Math.min(SIZE, Math.floor(SIZE * readShare(now - p.from, p.slow)));
          op = { kind: "proving", nonces: { start: 16 * k, end: 16 * k + 16 }, position, pass: k + 1, percent: null };
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

/** A read at full pace for its first `after` share of the data, then `factor` times slower. */
interface Slow {
  after: number;
  factor: number;
}

/** The share of its data a read has read `ms` after its start. */
function readShare(ms: number, slow: Slow | null): number {
  const fast = slow ? slow.after * READ_MS : Infinity;
  if (ms <= fast) return ms / READ_MS;
  return slow!.after + (ms - fast) / (READ_MS * slow!.factor);
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

/** No two reads on the disk at once (each pair of reads apart). */
function expectOneReaderAtATime(reads: { name: string; from: number; to: number }[]): void {
  const sorted = [...reads].sort((x, y) => x.from - y.from);
  for (let k = 1; k < sorted.length; k++) expect(sorted[k]!.from, `never two readers on the disk: ${JSON.stringify(sorted)}`).toBeGreaterThanOrEqual(sorted[k - 1]!.to);
}

describe("the driver's overlapped hand-over (late log lines, 2-s /status polls, the node's 2-s asks, a wake at the predicted start)", () => {
  it.each(PHASES)("with a round of history, the next prover starts while the one before reads, and reads only after it, whatever the node's ask waited the round before (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir);
    await withDriver(rig, async () => {
      // round 1: the node asked each service almost a poll interval after it had connected
      rig.askWaitMs = 1900;
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      expectOneReaderAtATime(rig.reads);
      rig.reads.length = 0;
      // round 2: timed by the history of round 1; the node asks at once this time (a start-up counted
      // with round 1's wait in it started the next prover too early: two readers)
      rig.askWaitMs = 0;
      const most = await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      expectOneReaderAtATime(rig.reads);
      expect(most, "the next prover ran while the one before read").toBe(2);
      const [a, b] = [...rig.reads].sort((x, y) => x.from - y.from);
      expect(b!.from - a!.to, "the disk idles less than a start-up and k2pow between the reads").toBeLessThan(SLOW.connectMs + SLOW.k2powMs);
    });
  });

  it.each(PHASES)("without history, the next prover is not started before the read ahead of it ends (a start-up alone does not time it), and starts as it ends (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    // round-1 staging (started a start-up ahead of the read's end, k2pow unknown) made the bench's first round slower
    const rig = new FakeRig(dir, { connectMs: 2500, k2powMs: 1400 });
    rig.askWaitMs = 1000;
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      expectOneReaderAtATime(rig.reads);
      const [a, b] = [...rig.reads].sort((x, y) => x.from - y.from);
      const next = rig.starts.find((s) => s.name === b!.name)!;
      // the read's end as its /status rate says (exact here) or its `finished reading` line (up to a second late)
      expect(next.at - a!.to, "started as the read ahead ended, not before").toBeGreaterThanOrEqual(-100);
      expect(next.at - a!.to).toBeLessThan(1100);
    });
  });

  it.each(PHASES)("a prover too quick to its read to start early starts as the read before it ends, not at the next /status poll (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir, { connectMs: 200, k2powMs: 800 }); // its lead is about 0: it waits for the read's end
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      rig.starts.length = 0;
      await round(rig, Date.now(), phase);
      expectOneReaderAtATime(rig.reads);
      const [a, b] = [...rig.reads].sort((x, y) => x.from - y.from);
      const next = rig.starts.find((s) => s.name === b!.name)!;
      // by its /status rate, or its `finished reading` line (read up to a second late); not when a stale
      // /status position (its read's end then looked a whole read away) gives way to DoneProving at the next poll
      expect(next.at - a!.to).toBeLessThan(1100);
    });
  });

  it.each(PHASES)("a service that connected slowly once (a busy machine) is not timed by that start: the next prover reads after the one before (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir, SLOW, ["post1", "post3", "post5"]);
    await withDriver(rig, async () => {
      // round 1: post3 and post5 took 4 s to connect; round 2: all connect as fast as post1
      rig.connectOf = { post3: 4000, post5: 4000 };
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      rig.connectOf = {};
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(3);
      expectOneReaderAtATime(rig.reads);
    });
  });

  it.each(PHASES)("a read that slows down part-way is not counted at its earlier pace: the next prover reads after it (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir);
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      // round 2: post1's read goes at a third of its pace after its first 40 % (its history says 5.3 s; it takes 11.7 s)
      rig.slowReads = { post1: { after: 0.4, factor: 3 } };
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      expectOneReaderAtATime(rig.reads);
    });
  });

  it.each(PHASES)("a proof that needs a second pass holds its disk through that pass: the next prover reads after it (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    // post1 reads, finds no proof, runs k2pow again and reads again; post3 and post5 follow on the disk
    const rig = new FakeRig(dir, SLOW, ["post1", "post3", "post5"]);
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      rig.starts.length = 0;
      rig.passesOf = { post1: 2 };
      rig.laterK2powMs = 9000; // longer than the next prover's whole read
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(4);
      // post1's second read may meet the prover already started for the next turn (a pass is not
      // known before it begins); no other two reads meet: the one after waits for both (a finished
      // read does not free a disk whose prover is back in its k2pow)
      const firstEnd = Math.min(...rig.reads.filter((r) => r.name === "post1").map((r) => r.to));
      const overlaps = rig.reads.flatMap((x, i) => rig.reads.slice(i + 1).filter((y) => x.from < y.to && y.from < x.to).map((y) => [x, y]));
      for (const pair of overlaps) {
        const other = pair.find((r) => r.name !== "post1");
        expect(other, JSON.stringify(rig.reads)).toBeDefined();
        const started = rig.starts.filter((x) => x.name === other!.name).at(-1)!.at;
        expect(started, `${other!.name} started after post1's first read had ended: ${JSON.stringify({ reads: rig.reads, starts: rig.starts })}`).toBeLessThan(firstEnd);
      }
    });
  });
});

describe("the driver at rest", () => {
  it("decides on events, not every 2 s: an idle rig costs a tick a minute, and the node's PROVING starts a prover at once", async () => {
    const rig = new FakeRig(dir);
    let looks = 0;
    const views = rig.supervisor.views;
    rig.supervisor.views = () => (looks++, views());
    await withDriver(rig, async () => {
      await vi.advanceTimersByTimeAsync(10);
      looks = 0;
      await vi.advanceTimersByTimeAsync(120_000);
      expect(looks, "ticks in 2 min at rest").toBeLessThanOrEqual(2);
      rig.prove();
      await vi.advanceTimersByTimeAsync(100);
      expect(rig.starts.map((x) => x.name)).toEqual(["post1"]);
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
