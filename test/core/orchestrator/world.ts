// A fake rig for decide(): a node that turns every identity PROVING when a cycle gap opens (epoch
// clock over a tiny network timing), post-services that prove in k2pow + a read of their PoS size
// at their disk's rate shared with the other readers on that disk, a supervisor with a restart
// policy, and a fake clock stepped one second at a time. Nothing real: every second is computed.
import { gapOf, readClock, type NetworkTiming } from "../../../src/clock/epoch-clock.js";
import type { Budget } from "../../../src/core/orchestrator/budget.js";
import { provingMemoryBytes } from "../../../src/core/orchestrator/budget.js";
import { decide, type Action, type Decision, type DecideIdentity, type DecideService, type ProofProgress } from "../../../src/core/orchestrator/decide.js";
import type { OperatorStatus, ServiceState } from "../../../src/protocol/model.js";

/** 1-s layers, 100-layer epochs; the gap is [epochStart + 60 s − 30 s, epochStart + 60 s). */
export const TINY: NetworkTiming = { genesisMs: 1_000_000, layerMs: 1000, layersPerEpoch: 100, phaseShiftMs: 60_000, cycleGapMs: 30_000, gracePeriodMs: 5_000 };

export interface WorldIdentity {
  keyFile: string;
  service: string;
  disk: string;
  sizeBytes: number;
  k2powMs: number;
  randomxMode?: "fast" | "light";
}

interface Svc {
  name: string;
  state: ServiceState;
  operator: OperatorStatus["kind"];
  manual: boolean;
  startedAt: number | null;
  backoffUntil: number;
  k2Left: number;
  readLeft: number;
  crashAtRead: number | null; // crash once when this many bytes are left
}

export class World {
  now: number;
  readonly ids: (WorldIdentity & { postState: "IDLE" | "PROVING" | null; provedInGap: number | null; finishedAt: number | null })[];
  readonly svcs = new Map<string, Svc>();
  nodeDownUntil = 0;
  readonly log: { at: number; action: Action }[] = [];
  maxPerDisk = new Map<string, number>();
  peakMemory = 0;
  stoppedWhileProving: string[] = [];
  lastDecision: Decision | null = null;
  order: string[] | null = null;
  /** Readers per disk at most (provers past their k2pow), and the seconds each disk read nothing while a proof waited. */
  maxReadersPerDisk = new Map<string, number>();
  diskIdleMs = new Map<string, number>();
  /**
   * Overlap: the views carry each prover's phase and each identity's predicted proof (start-up and
   * k2pow times `k2powError`: 1.2 = predicted 20 % long), as the driver gives them from log lines and history.
   */
  overlap: { k2powError: number } | null = null;

  constructor(
    ids: WorldIdentity[],
    readonly diskBps: Record<string, number>,
    public budget: Budget,
    start = TINY.genesisMs,
  ) {
    this.now = start;
    this.ids = ids.map((i) => ({ ...i, postState: "IDLE" as const, provedInGap: null, finishedAt: null }));
    for (const i of ids) {
      this.svcs.set(i.service, {
        name: i.service, state: budget.mode === "always" ? "running" : "stopped", operator: "idle", manual: false,
        startedAt: budget.mode === "always" ? start : null, backoffUntil: 0, k2Left: 0, readLeft: 0, crashAtRead: null,
      });
    }
  }

  id(service: string) {
    return this.ids.find((i) => i.service === service)!;
  }

  /** Views as the daemon would hand them to decide(). */
  views(): { identities: DecideIdentity[]; services: DecideService[]; disks: Record<string, string> } {
    const nodeDown = this.now < this.nodeDownUntil;
    return {
      identities: this.ids.map((i) => ({
        keyFile: i.keyFile, service: i.service, postState: nodeDown ? null : i.postState, sizeBytes: i.sizeBytes,
        // a started service proves from the next second on: 1 s of start-up, then its k2pow
        predicted: this.overlap ? { toReadMs: (1000 + i.k2powMs) * this.overlap.k2powError, readMs: this.readAloneMs(i) * this.budget.perDisk } : null,
      })),
      services: [...this.svcs.values()].map((s) => ({
        name: s.name, state: s.state, operator: s.state === "running" ? s.operator : "none", randomxMode: this.id(s.name).randomxMode ?? "fast",
        manual: s.manual, startedAt: s.startedAt, proof: this.overlap ? this.progress(s) : null,
      })),
      disks: Object.fromEntries(this.ids.map((i) => [i.service, i.disk])),
    };
  }

  /** A read alone on its disk; perDisk readers share it (a history of proofs measured it so). */
  private readAloneMs(i: WorldIdentity): number {
    return (i.sizeBytes / this.diskBps[i.disk]!) * 1000;
  }

  /** A prover's phase as the driver would see it (exact here: the world knows its k2pow and read). */
  private progress(s: Svc): ProofProgress | null {
    const i = this.id(s.name);
    if (s.state !== "running") return null;
    const bps = this.diskBps[i.disk]!;
    const share = this.budget.perDisk;
    if (s.operator === "idle") return { phase: "k2pow", readStartsInMs: i.k2powMs, readEndsInMs: i.k2powMs + this.readAloneMs(i) * share };
    if (s.operator !== "proving") return null;
    if (s.k2Left > 0) return { phase: "k2pow", readStartsInMs: s.k2Left, readEndsInMs: s.k2Left + (s.readLeft / bps) * 1000 * share };
    const readers = [...this.svcs.values()].filter((x) => x.state === "running" && x.operator === "proving" && x.k2Left <= 0 && this.id(x.name).disk === i.disk).length;
    return { phase: "read", readStartsInMs: 0, readEndsInMs: (s.readLeft / (bps / Math.max(1, readers))) * 1000 };
  }

  apply(a: Action): void {
    const s = this.svcs.get(a.service)!;
    this.log.push({ at: this.now, action: a });
    if (a.kind === "start" && (s.state === "stopped" || s.state === "failed")) {
      s.state = "running";
      s.operator = "idle";
      s.startedAt = this.now;
    }
    if (a.kind === "stop" && s.state !== "stopped") {
      if (s.operator === "proving") this.stoppedWhileProving.push(s.name);
      s.state = "stopped";
      s.operator = "idle";
      s.startedAt = null;
    }
  }

  /** The operator's own start/stop (console `s`/`x`): the service becomes manual. */
  byHand(service: string, kind: "start" | "stop"): void {
    this.apply({ kind, service, reason: "by hand" });
    this.svcs.get(service)!.manual = true;
  }

  crashDuringRead(service: string, bytesLeft: number): void {
    this.svcs.get(service)!.crashAtRead = bytesLeft;
  }

  /** One second: the node, the services, then the orchestrator. */
  step(): void {
    const t = this.now;
    const clock = readClock(TINY, t);
    // the node: a gap opening asks every identity for a proof
    if (clock.gapOpen) {
      for (const i of this.ids) {
        if (i.provedInGap !== clock.gap.epoch && i.postState === "IDLE") {
          i.postState = "PROVING";
          i.provedInGap = clock.gap.epoch;
        }
      }
    }
    const nodeUp = t >= this.nodeDownUntil;
    // services
    for (const s of this.svcs.values()) {
      if (s.state === "backoff" && t >= s.backoffUntil) {
        s.state = "running";
        s.startedAt = t;
        s.operator = "idle";
      }
    }
    const readers = new Map<string, number>();
    for (const s of this.svcs.values()) if (s.state === "running" && s.operator === "proving" && s.k2Left <= 0) readers.set(this.id(s.name).disk, (readers.get(this.id(s.name).disk) ?? 0) + 1);
    for (const s of this.svcs.values()) {
      const i = this.id(s.name);
      if (s.state !== "running") continue;
      if (s.operator === "idle" && i.postState === "PROVING" && nodeUp) {
        s.operator = "proving";
        s.k2Left = i.k2powMs;
        s.readLeft = i.sizeBytes;
      } else if (s.operator === "proving") {
        if (s.k2Left > 0) s.k2Left -= 1000;
        else s.readLeft -= this.diskBps[i.disk]! / (readers.get(i.disk) ?? 1);
        if (s.crashAtRead !== null && s.k2Left <= 0 && s.readLeft <= s.crashAtRead) {
          s.crashAtRead = null;
          s.state = "backoff"; // the supervisor restarts it 2 s later; the proof starts over
          s.backoffUntil = t + 2000;
          s.operator = "idle";
          s.startedAt = null;
          continue;
        }
        if (s.readLeft <= 0) s.operator = "done";
      } else if (s.operator === "done" && nodeUp) {
        s.operator = "idle"; // the node fetched it
        i.postState = "IDLE";
        i.finishedAt = t;
      }
    }
    // measures
    const per = new Map<string, number>();
    let mem = 0;
    for (const s of this.svcs.values()) {
      if (s.state === "running" && s.operator === "proving") {
        per.set(this.id(s.name).disk, (per.get(this.id(s.name).disk) ?? 0) + 1);
        mem += provingMemoryBytes(this.id(s.name).randomxMode ?? "fast");
      }
    }
    for (const [d, n] of per) this.maxPerDisk.set(d, Math.max(this.maxPerDisk.get(d) ?? 0, n));
    for (const [d, n] of readers) this.maxReadersPerDisk.set(d, Math.max(this.maxReadersPerDisk.get(d) ?? 0, n));
    // a disk idles while one of its identities still waits for a proof and nobody reads it
    for (const d of new Set(this.ids.map((i) => i.disk))) {
      const waiting = this.ids.some((i) => i.disk === d && i.postState === "PROVING" && this.svcs.get(i.service)!.operator !== "done");
      if (waiting && !readers.has(d)) this.diskIdleMs.set(d, (this.diskIdleMs.get(d) ?? 0) + 1000);
    }
    this.peakMemory = Math.max(this.peakMemory, mem);
    // the orchestrator
    const v = this.views();
    this.lastDecision = decide(t, v.identities, v.services, v.disks, this.budget, this.order);
    for (const a of this.lastDecision.actions) this.apply(a);
    this.now += 1000;
  }

  run(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) this.step();
  }

  gap(epoch: number) {
    return gapOf(TINY, epoch);
  }

  running(): string[] {
    return [...this.svcs.values()].filter((s) => s.state !== "stopped").map((s) => s.name);
  }
}

export function budget(o: Partial<Budget> = {}): Budget {
  return { mode: "on-demand", perDisk: 1, maxConcurrent: null, memoryBytes: null, memorySource: "test", ...o };
}
