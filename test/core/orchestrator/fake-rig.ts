// A fake rig for the orchestrator's driver on a fake clock, as the demo rig shows it to the daemon:
// log lines reach the driver up to a second late (the log follower reads a file once a second),
// /status is polled every 2 s (its position is as old as that poll), a started service connects to
// the node (`obtained metadata`) and is asked for its proof at the node's next 2-s poll (askWaitMs),
// then runs k2pow and reads its PoS data. The test steps it (step, poll, deliver) between timers.
import path from "node:path";
import { EventEmitter } from "node:events";
import type { IdentityView, OperatorStatus, ServiceView } from "../../../src/protocol/model.js";

export const SIZE = 4 * 1024 * 1024;
// start to connected (`obtained metadata`), then the node's ask at its next poll (askWaitMs: 0–2 s), then k2pow
export const SLOW = { connectMs: 800, k2powMs: 1400 };
export const READ_MS = 5300; // not whole seconds: its two lines reach the driver with different lags
export const FETCH_MS = 1000; // DoneProving until the node shows IDLE

interface Sim {
  name: string;
  dir: string;
  running: boolean;
  startedAt: number | null;
  connected: boolean;
  /** The proof's reads, one per pass, each after its k2pow (null: not asked yet). */
  passes: { k2From: number; from: number; to: number; logged: number; slow: Slow | null; readMs: number }[] | null;
  operator: OperatorStatus;
}

export class FakeRig extends EventEmitter {
  readonly sims: Sim[];
  readonly ids: IdentityView[];
  private pending: { source: string; line: string }[] = [];
  private readonly lineFns: { fn: (source: string, lines: string[]) => void; needles: ((source: string) => readonly string[] | null) | null }[] = [];
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

  logs = {
    onLines: (fn: (source: string, lines: string[]) => void, o: { needles?: (source: string) => readonly string[] | null } = {}) => (
      this.lineFns.push({ fn, needles: o.needles ?? null }), () => undefined
    ),
  };
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
  /**
   * The node's 2-s looks on one grid for every identity (go-spacemesh's NIPostBuilder): a service is
   * asked at the first look after it connected, and its finished proof fetched at the first look
   * after its read (then /status says Idle, and the daemon sees the node IDLE idleLagMs later, at
   * its next PostStates poll). null: asked askWaitMs after it connected, IDLE FETCH_MS after its
   * read (DoneProving until stopped).
   */
  nodeGridMs: number | null = null;
  idleLagMs = 500;
  /** Passes each service's proof takes (a read that found no proof is followed by another k2pow and read). */
  passesOf: Record<string, number> = {};
  /** Start to connected by service, where it differs from the rest (a start on a busy machine). */
  connectOf: Record<string, number> = {};
  /** Read time by service, where it differs from READ_MS (a larger PoS, a slower disk). */
  readMsOf: Record<string, number> = {};
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
      const asked = this.nodeGridMs ? Math.ceil(connected / this.nodeGridMs) * this.nodeGridMs : connected + this.askWaitMs;
      if (s.passes === null && id.postState === "PROVING" && now >= asked) {
        s.passes = [];
        for (let k = 0, at = asked; k < (this.passesOf[s.name] ?? 1); k++) {
          const k2 = k > 0 ? (this.laterK2powMs ?? this.t.k2powMs) : this.t.k2powMs;
          const slow = this.slowReads[s.name] ?? null;
          const base = this.readMsOf[s.name] ?? READ_MS;
          const readMs = slow ? base * (slow.after + (1 - slow.after) * slow.factor) : base;
          s.passes.push({ k2From: at, from: at + k2, to: at + k2 + readMs, logged: 0, slow, readMs: base });
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
        if (now >= this.fetchedAt(s) + (this.nodeGridMs ? this.idleLagMs : FETCH_MS) && id.postState === "PROVING") {
          id.postState = "IDLE";
          this.emit("event", { type: "identities" });
        }
      }
    }
  }

  /** When the node takes a finished proof: at its read's end, or at the node's next look (nodeGridMs). */
  private fetchedAt(s: Sim): number {
    const end = s.passes!.at(-1)!.to;
    return this.nodeGridMs ? Math.ceil(end / this.nodeGridMs) * this.nodeGridMs : end;
  }

  /** The supervisor's /status poll (every 2 s): what each running service says at that moment. */
  poll(now: number): void {
    for (const s of this.sims) {
      if (!s.running) continue;
      let op: OperatorStatus = { kind: "idle" };
      if (s.passes !== null) {
        if (now >= s.passes.at(-1)!.to) op = this.nodeGridMs && now >= this.fetchedAt(s) ? { kind: "idle" } : { kind: "done" };
        else {
          const k = Math.max(0, s.passes.findLastIndex((p) => now >= p.k2From));
          const p = s.passes[k]!;
          const position = now < p.from ? 0 : Math.min(SIZE, Math.floor(SIZE * readShare(now - p.from, p.slow, p.readMs)));
          op = { kind: "proving", nonces: { start: 16 * k, end: 16 * k + 16 }, position, pass: k + 1, percent: null };
        }
      }
      if (JSON.stringify(op) !== JSON.stringify(s.operator)) {
        s.operator = op;
        this.changed();
      }
    }
  }

  /** The log follower: a second's lines at once, once a second; to a listener with needles only the lines holding one (the log hub's way while no client watches). */
  deliver(): void {
    const batch = this.pending.splice(0);
    for (const source of new Set(batch.map((b) => b.source))) {
      const lines = batch.filter((b) => b.source === source).map((b) => b.line);
      for (const { fn, needles } of this.lineFns) {
        const n = needles?.(source) ?? null;
        const kept = n === null ? lines : lines.filter((l) => n.some((x) => l.includes(x)));
        if (kept.length > 0) fn(source, kept);
      }
    }
  }

  running(): number {
    return this.sims.filter((s) => s.running && this.ids.find((i) => i.service === s.name)!.postState === "PROVING" && s.operator.kind !== "done").length;
  }
}

/** A read at full pace for its first `after` share of the data, then `factor` times slower. */
export interface Slow {
  after: number;
  factor: number;
}

/** The share of its data a read of readMs (at full pace) has read `ms` after its start. */
function readShare(ms: number, slow: Slow | null, readMs: number): number {
  const fast = slow ? slow.after * readMs : Infinity;
  if (ms <= fast) return ms / readMs;
  return slow!.after + (ms - fast) / (readMs * slow!.factor);
}
