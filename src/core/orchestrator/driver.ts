// The orchestrator's thin driver inside the daemon: every tick it gathers the live views (the
// node's PostStates per identity, the services, the disk lanes, the budget, the epoch clock), asks
// the planner for the order and decide() for the actions, and applies them through the supervisor.
// It also keeps what the pure parts need from the live rig: each proof's durations (post-service's
// `finished k2pow in …` / `finished reading POST data in …` log lines, and the slot from start to
// the node's IDLE), when each identity started and finished in the current gap, where each running
// prover is in its proof (k2pow or reading: the log lines `starting proof generation`, `finished
// k2pow in …`, `finished reading POST data in …`, and the /status position), so decide() may start
// the next one on a disk while the one before still reads, and which services the operator took
// over by hand (until handed back; kept in the state dir across daemon restarts, hand-store.ts).
// It overlays what it does with each service on the rig's service views (ServiceView.orchestration).
// It ticks on what changes (a service's state or /status, the node's PostStates, a proof's phase
// line, a queued prover's predicted start), and on a timer only while something is under way
// (tick-policy.ts): an idle rig costs one tick a minute, and a tick at rest whose inputs are those
// of the last one (restSignature: a CPU/RSS sample, the slow tick) leaves the last decision standing.
import os from "node:os";
import { currentOrNextGap, type NetworkTiming } from "../../clock/epoch-clock.js";
import type { ResolvedService } from "../../config/schema.js";
import type { IdentityView, OrchestrationView, Plan, PlanEntry, ServiceView } from "../../protocol/model.js";
import { UNWATCHED_READ_MS } from "../logs/hub.js";
import { mapDirsToDisks, type BlockRoots, type DiskMapping } from "../hardware/block-devices.js";
import type { Rig } from "../rig.js";
import { resolveBudget, type Budget } from "./budget.js";
import { decide, type Decision, type ProofProgress, type SlotStatus } from "./decide.js";
import { loadHandTaken, saveHandTaken } from "./hand-store.js";
import { ProofFigures } from "./proof-figures.js";
import { CostSpacing } from "../cost-spacing.js";
import { BUSY_TICK_MS, busy, nextTickMs, type TickInputs } from "./tick-policy.js";
import { buildPlan, type PlanIdentityInput, type PlanResult } from "./planner.js";
import { HISTORY_DEPTH, machineK2powPace, predictProof, type Prediction, type ProofRecord } from "./predict.js";
import { SERVICE_LINE_NEEDLES, serviceLineOf } from "./service-lines.js";

export interface DriverOptions {
  rig: Rig;
  now?: () => number;
  /** Ticks while something is under way (default 2 s); otherwise events, wakes and a slow tick (tick-policy.ts). */
  tickMs?: number;
  idleTickMs?: number;
  /** How often the disk mapping is re-read (ms). */
  mapEveryMs?: number;
  roots?: BlockRoots;
  /** Proofs kept per identity (in memory). */
  historyDepth?: number;
  /**
   * Finished proofs kept on disk (the per-identity history), so a restarted daemon still predicts
   * from what it learnt before; the driver's own records take over once it has seen a proof.
   */
  storedProofs?: (keyFile: string) => { finishedAt: number; durationMs: number; k2powMs: number | null; readMs: number | null }[];
  /** Told after each decision what the orchestrator holds back and what the plan says will miss. */
  onOutlook?: (o: ProvingOutlook) => void;
}

/** What findings need from the orchestrator: identities it holds back on purpose, and predicted misses. */
export interface ProvingOutlook {
  /** key file → why its service waits (its disk is busy, RAM, maxConcurrent). */
  queued: Map<string, string>;
  misses: { keyFile: string; missByMs: number; reason: string | null; fix: string | null }[];
}

/**
 * After the node (re)starts it may ask for proofs at once (initial proofs; a proof under way before a
 * restart): for this long the orchestrator watches the node, so its PostStates are polled every 2 s
 * (pollMs), not every 10 s as at rest (a PROVING then waited up to 10 s before a prover started).
 */
export const NODE_START_WATCH_MS = 60_000;

/** A read's recent pace is measured over at least this long (a /status poll is every 2 s). */
const RECENT_RATE_MS = 1_500;

/** A k2pow that ran past its prediction is counted to end within this long. */
const K2POW_OVERRUN_MS = 1_000;
/** A service's first proof request later than this after its start does not measure its start-up. */
const MAX_STARTUP_MS = 60_000;
/** A service's log line reaches the driver at most this long after it was written (the log hub reads an unwatched file once a second). */
const LINE_LAG_MS = UNWATCHED_READ_MS;

/** When an env_logger line says it was written (`[2026-12-01T03:00:00Z INFO …`, whole seconds, truncated), or null. */
export function writtenAt(line: string): number | null {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z /.exec(line);
  const t = m ? Date.parse(`${m[1]}Z`) : NaN;
  return Number.isFinite(t) ? t : null;
}

interface Live {
  startedAt: number | null; // the slot's start in this gap (service started or first seen proving)
  finishedAt: number | null;
  wasProving: boolean;
}

export class OrchestratorDriver {
  private readonly rig: Rig;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private mapTimer: NodeJS.Timeout | null = null;
  private disks: DiskMapping[] = [];
  private readonly history = new Map<string, ProofRecord[]>(); // by key file
  private readonly figures = new ProofFigures(); // each proof's k2pow and read, from its service's lines
  private readonly live = new Map<string, Live>(); // by key file
  private readonly manual = new Map<string, number>(); // service → when the operator took it by hand
  private saving: Promise<void> = Promise.resolve();
  private readonly phase = new Map<string, { phase: "k2pow" | "read" | "read-done"; since: number }>(); // service → its proof's phase
  private readonly startup = new Map<string, number>(); // service → ms from its start to `starting proof generation`, least seen
  /**
   * service → ms from its start until it had connected to the node (`obtained metadata`: the node's
   * first request on a new connection), least seen. Unlike the start-up above it leaves out the wait
   * for the node's next 2-s ask, which varies from one start to the next: what is left is what a
   * start can be counted on to take at the least.
   */
  private readonly connect = new Map<string, number>();
  /** keyFile → the time to its read its start is timed by (decide's predicted.toReadMs), as of the last tick. */
  private toRead = new Map<string, number>();
  /** service → its read's first and latest /status positions, and the last few (oldest first), each with when this driver first saw it (not when it next ticked). */
  private readonly positions = new Map<string, { first: PositionSeen; last: PositionSeen; trail: PositionSeen[] }>();
  private readonly shown = new Map<string, string>(); // service → its orchestration view as last sent
  private readonly orchestration = new Map<string, OrchestrationView>();
  private readonly inflight = new Set<string>();
  private readonly doneSince = new Map<string, number>(); // service → when /status first said DoneProving
  private readonly maxRate = new Map<string, number>(); // lane → highest read rate seen
  private last: { decision: Decision; plan: PlanResult; at: number } | null = null;
  /** Counts changes of what the driver itself keeps (phases, start-ups, history, hand-taken, lanes, in-flight actions). */
  private version = 0;
  /** The inputs of the last full tick, when it was at rest (restSignature); a tick at rest with the same ones does nothing. */
  private restSig: string | null = null;
  private ticking = false;
  /** Set while show() tells the rig of overlay changes (each one a "service" event of the driver's own). */
  private showing = false;
  private readonly spacing: CostSpacing;
  private stopped = false;
  private soon: NodeJS.Timeout | null = null;
  private readonly offs: (() => void)[] = [];
  /** The node's start this driver last saw, and the watch it holds on the node after it (NODE_START_WATCH_MS). */
  private nodeStart: number | null = null;
  private nodeWatch: { off: () => void; timer: NodeJS.Timeout } | null = null;

  constructor(private readonly o: DriverOptions) {
    this.rig = o.rig;
    this.now = o.now ?? Date.now;
    this.spacing = new CostSpacing(this.now);
  }

  async start(): Promise<void> {
    await this.remap();
    for (const [name, since] of await loadHandTaken(this.rig.config.stateDir)) this.manual.set(name, since);
    this.rig.setOrchestration((name) => this.orchestration.get(name) ?? null);
    const onAct = (_kind: string, names: string[]) => {
      for (const n of names) this.manual.set(n, this.now());
      this.version++;
      if (names.length > 0) this.persistHand();
    };
    this.rig.on("act", onAct);
    this.offs.push(() => this.rig.off("act", onAct));
    const onConfig = () => {
      this.version++;
      void this.remap();
    };
    this.rig.on("config", onConfig);
    this.offs.push(() => this.rig.off("config", onConfig));
    this.offs.push(this.rig.logs.onLines((source, lines) => this.onServiceLines(source, lines), { needles: () => SERVICE_LINE_NEEDLES }));
    // a change of a service or of the node's PostStates is acted on at once (debounced), not at the
    // next tick. A proof the node has just finished is recorded at once too: a plan asked for before
    // that tick (a busy daemon answers a request first) predicts from it, not from the stored
    // history, whose record may not have the service's figures in yet
    // Work per event is that of what changed: a service's event follows only its own identities,
    // with the view it carries (a start of 64 services brings ~200 of them); the services' views are
    // built only when an identity needs one. Events the driver's own show() causes (its overlay
    // changed, not the service) decide nothing again.
    const onEvent = (e: { type: string; data?: unknown }) => {
      if (e.type === "service") {
        if (this.showing) return;
        const v = e.data as ServiceView | undefined;
        if (v?.name !== undefined) this.track(this.rig.identities().filter((i) => i.service === v.name), (name) => (name === v.name ? v : undefined));
        else this.track(this.rig.identities(), this.lazyViews());
        this.tickSoon();
      }
      if (e.type === "identities") {
        this.track(Array.isArray(e.data) ? (e.data as IdentityView[]) : this.rig.identities(), this.lazyViews());
        this.tickSoon();
      }
      if (e.type === "node") this.onNode();
    };
    this.rig.on("event", onEvent);
    this.offs.push(() => this.rig.off("event", onEvent));
    this.mapTimer = setInterval(() => void this.remap(), this.o.mapEveryMs ?? 300_000);
    this.mapTimer.unref();
    this.onNode();
    void this.tick();
  }

  /**
   * A node started less than NODE_START_WATCH_MS ago (its start not seen before): watch it until
   * then, on-demand only (always mode starts nothing on PROVING). Node views come as events.
   */
  private onNode(): void {
    const at = this.rig.node().startedAt;
    if (typeof at !== "number" || at === this.nodeStart) return;
    this.nodeStart = at;
    const left = at + NODE_START_WATCH_MS - this.now();
    if (left <= 0 || this.budget().mode !== "on-demand") return;
    if (this.nodeWatch) clearTimeout(this.nodeWatch.timer);
    const off = this.nodeWatch?.off ?? this.rig.watch(new Set(["node"]));
    const timer = setTimeout(() => this.unwatchNode(), left);
    timer.unref();
    this.nodeWatch = { off, timer };
  }

  private unwatchNode(): void {
    if (!this.nodeWatch) return;
    clearTimeout(this.nodeWatch.timer);
    this.nodeWatch.off();
    this.nodeWatch = null;
  }

  /** The services' views by name, built once at the first look-up (an event that needs none builds none). */
  private lazyViews(): (name: string) => ServiceView | undefined {
    let byName: Map<string, ServiceView> | null = null;
    return (name) => (byName ??= new Map(this.rig.supervisor.views().map((v) => [v.name, v]))).get(name);
  }

  /**
   * Decides again shortly (what changed may come in a burst: one tick for it), and no sooner than
   * RECOMPUTE_COST_SHARE times the last tick's cost after it (cost-spacing.ts): changes that keep
   * coming, a start of 64 services, are decided on for at most about a tenth of the time.
   */
  private tickSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.tick();
    }, this.spacing.delay(50));
  }

  stop(): void {
    this.stopped = true;
    if (this.soon) clearTimeout(this.soon);
    if (this.timer) clearTimeout(this.timer);
    if (this.mapTimer) clearInterval(this.mapTimer);
    this.unwatchNode();
    for (const off of this.offs.splice(0)) off();
  }

  /** Hands services back to the orchestrator (the operator's `plan --auto`). */
  handBack(names: string[]): string[] {
    const released = names.filter((n) => this.manual.delete(n));
    if (released.length > 0) {
      this.version++;
      this.persistHand();
      void this.tick();
    }
    return released;
  }

  /** Services taken by hand, and since when (epoch ms). */
  handTaken(): Map<string, number> {
    return new Map(this.manual);
  }

  /** Resolves once the hand-taken services are on disk (writes go one after the other). */
  async flushed(): Promise<void> {
    await this.saving;
  }

  private persistHand(): void {
    const snapshot = new Map(this.manual);
    this.saving = this.saving
      .then(() => saveHandTaken(this.rig.config.stateDir, snapshot))
      .catch((err: Error) => void process.stderr.write(`${new Date().toISOString()} warning: cannot save the services taken by hand: ${err.message}\n`));
  }

  budget(): Budget {
    return resolveBudget(this.rig.config.proving, this.rig.hardwareView()?.memory.totalBytes ?? os.totalmem());
  }

  private async remap(): Promise<void> {
    const c = this.rig.config;
    this.disks = await mapDirsToDisks(c.services.map((s) => s.dir), { roots: this.o.roots, overrides: c.proving?.disks ?? {} });
    this.version++;
  }

  private laneOf(dir: string): string {
    return this.disks.find((d) => d.dir === dir)?.disk ?? "unknown";
  }

  private window(): { opensAt: number; closesAt: number } | null {
    const c = this.rig.node().clock;
    if (!c) return null;
    const t: NetworkTiming = { genesisMs: c.genesisMs, layerMs: c.layerMs, layersPerEpoch: c.layersPerEpoch, phaseShiftMs: c.phaseShiftMs, cycleGapMs: c.cycleGapMs, gracePeriodMs: c.gracePeriodMs };
    const g = currentOrNextGap(t, this.now());
    return { opensAt: g.opensAt, closesAt: g.closesAt };
  }

  private keyOfService(service: string): string | null {
    return this.rig.identities().find((i) => i.service === service)?.keyFile ?? null;
  }

  private liveOf(keyFile: string): Live {
    let l = this.live.get(keyFile);
    if (!l) this.live.set(keyFile, (l = { startedAt: null, finishedAt: null, wasProving: false }));
    return l;
  }

  private onServiceLines(source: string, lines: string[]): void {
    const key = this.keyOfService(source);
    if (!key) return;
    const now = this.now();
    let moved = false;
    for (const line of lines) {
      const p = serviceLineOf(line);
      if (!p) continue;
      if (p.kind === "connected") {
        // connected: the node asks for its metadata first thing on a new connection. Counted short:
        // at the (truncated) second its line says it was written; without one, a line's lag before now
        const startedAt = this.rig.supervisor.views().find((v) => v.name === source)?.startedAt ?? null;
        const at = Math.min(now, writtenAt(line) ?? now - LINE_LAG_MS);
        if (startedAt !== null && now - startedAt < MAX_STARTUP_MS) this.connect.set(source, Math.min(this.connect.get(source) ?? Infinity, Math.max(0, at - startedAt)));
        this.version++;
        continue;
      }
      if (p.kind === "pow") {
        if (this.phase.get(source)?.phase !== "read-done") continue;
        // the read found no proof: another pass, its k2pow first, then it reads its disk again
        this.phase.set(source, { phase: "k2pow", since: now });
        this.positions.delete(source);
        moved = true;
        continue;
      }
      if (p.kind === "proof-start") {
        moved = true;
        this.figures.start(key, writtenAt(line) ?? now, this.history.get(key)?.at(-1));
        this.phase.set(source, { phase: "k2pow", since: now });
        const startedAt = this.rig.supervisor.views().find((v) => v.name === source)?.startedAt ?? null;
        // started for this proof (not one that has run idle for a while): its start-up and the node's first ask
        // the least seen counts: a start-up slowed by others starting at once must not time the next one early
        if (startedAt !== null && now - startedAt < MAX_STARTUP_MS) this.startup.set(source, Math.min(this.startup.get(source) ?? Infinity, Math.max(0, now - startedAt)));
        continue;
      }
      moved = true;
      // post-service logs whole seconds (truncated): the time seen between its lines says more, within that second
      const ph = this.phase.get(source);
      const seen = ph?.phase === p.phase ? now - ph.since : null;
      const ms = seen === null ? p.ms : Math.min(p.ms + 999, Math.max(p.ms, seen));
      // a line that came after the node's IDLE fills in the record made without it
      this.figures.figure(key, p.phase, ms, writtenAt(line) ?? now, this.history.get(key)?.at(-1));
      if (p.phase === "k2pow") {
        this.phase.set(source, { phase: "read", since: now });
      } else {
        // its read is over, though /status may show its last position for another poll or two
        this.phase.set(source, { phase: "read-done", since: now });
      }
    }
    // a read over frees its disk for the next prover; a phase begun re-times the next one's start
    if (moved) {
      this.version++;
      this.tickSoon();
    }
  }

  /**
   * Where a prover is in its proof, for decide(): reading (the rest of its data at the rate its
   * /status position shows), or in k2pow (its predicted k2pow left, then its read). null when
   * unknown (no prediction of its k2pow from its own history): decide() then does not overlap.
   */
  private progressOf(v: ServiceView, sizeBytes: number | null, p: Prediction | null): ProofProgress | null {
    if (v.state !== "running" && v.state !== "starting") {
      this.phase.delete(v.name);
      this.positions.delete(v.name);
      return null;
    }
    const now = this.now();
    const ph = this.phase.get(v.name);
    // `finished reading POST data` seen: it reads no more (its /status may still show the last position polled)
    if (ph?.phase === "read-done") return { phase: "read", readStartsInMs: 0, readEndsInMs: 0 };
    const position = v.operator.kind === "proving" ? v.operator.position : 0;
    if (ph?.phase === "read" || position > 0) {
      const elapsed = ph?.phase === "read" ? now - ph.since : 0;
      let left = p?.fromHistory ? Math.max(0, p.readMs - elapsed) : null;
      // the rate between two /status positions of this read (a log line's arrival may lag its start)
      const seen = this.positions.get(v.name);
      if (position > 0 && (!seen || position < seen.first.position)) this.positions.set(v.name, { first: { at: now, position }, last: { at: now, position }, trail: [{ at: now, position }] });
      else if (seen && position > seen.last.position) {
        seen.last = { at: now, position };
        seen.trail = [...seen.trail.slice(-7), seen.last];
      }
      // at its pace since the start of the read and at its recent pace, whichever ends later (a read
      // that slowed down, a disk shared or the machine busy, is not counted at its earlier pace)
      const ref = seen?.trail.findLast((x) => seen.last.at - x.at >= RECENT_RATE_MS);
      const ends = seen && sizeBytes ? [readLeftMs(sizeBytes, seen.first, seen.last, now), ref ? readLeftMs(sizeBytes, ref, seen.last, now) : null] : [];
      const known = ends.filter((x): x is number => x !== null);
      const fromRate = known.length > 0 ? Math.max(...known) : null;
      if (fromRate !== null) left = left === null ? fromRate : Math.max(left, fromRate); // the later of the two: a start too late only idles
      return left === null ? null : { phase: "read", readStartsInMs: 0, readEndsInMs: left };
    }
    this.positions.delete(v.name);
    if (!p?.fromHistory) return null;
    // in k2pow since its line, or still starting (start-up, then its k2pow)
    const toRead = ph ? p.k2powMs - (now - ph.since) : this.toReadMs(v.name, p) - (now - (v.startedAt ?? now));
    const left = Math.max(K2POW_OVERRUN_MS, toRead);
    return { phase: "k2pow", readStartsInMs: left, readEndsInMs: left + p.readMs };
  }

  /** Its `finished reading POST data` seen in this run (not a run before; a next pass's k2pow clears it): its proof is made, its disk and RandomX let go. */
  private readOver(v: ServiceView): boolean {
    const ph = this.phase.get(v.name);
    return ph?.phase === "read-done" && v.startedAt !== null && ph.since >= v.startedAt;
  }

  /**
   * ms from a service's start until it reads its disk, counted short on purpose (a start too early
   * would read alongside the one before): the least time to connect any service here took (one
   * binary, one machine: a service that connected slowly once, the machine busy, connects as fast as
   * the others when it is not; else 0), then the shortest of its recent k2pows (0 without a history
   * of its own). The node's first ask may come up to its poll interval later: not counted.
   */
  private toReadMs(service: string, p: Prediction | null): number {
    const key = this.keyOfService(service);
    const k2s = (key ? (this.history.get(key) ?? []) : []).slice(-HISTORY_DEPTH).map((r) => r.k2powMs).filter((x): x is number => x !== null);
    const connect = this.connect.size > 0 ? Math.min(...this.connect.values()) : 0;
    return connect + (p?.fromHistory && k2s.length > 0 ? Math.min(p.k2powMs, ...k2s) : 0);
  }

  /** Follows each identity through its proof: start of the slot, the node's IDLE, the record. */
  private track(ids: readonly IdentityView[], viewOf: (name: string) => ServiceView | undefined): void {
    const now = this.now();
    for (const id of ids) {
      const l = this.liveOf(id.keyFile);
      if (id.postState === "PROVING" && (!l.wasProving || l.startedAt === null)) {
        const v = id.service !== null ? viewOf(id.service) : undefined;
        const running = v !== undefined && (v.state === "running" || v.state === "starting");
        if (!l.wasProving) {
          l.wasProving = true;
          l.finishedAt = null;
          l.startedAt = running ? (v.startedAt ?? now) : null;
        } else if (l.startedAt === null && running) l.startedAt = v.startedAt ?? now;
      } else if (id.postState === "IDLE" && l.wasProving) {
        l.wasProving = false;
        if (l.startedAt !== null) {
          l.finishedAt = now;
          const h = this.history.get(id.keyFile) ?? [];
          const record: ProofRecord = { at: now, k2powMs: null, readMs: null, totalMs: now - l.startedAt, sizeBytes: id.sizeBytes };
          this.figures.take(id.keyFile, record, l.startedAt);
          h.push(record);
          this.version++;
          this.history.set(id.keyFile, h.slice(-(this.o.historyDepth ?? 8)));
        }
      }
    }
  }

  /** One round: plan, decide, act. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    let next = this.o.tickMs ?? BUSY_TICK_MS; // should this tick fail, the next comes as while busy
    try {
      next = this.spacing.run(() => this.round());
    } finally {
      this.ticking = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = this.stopped ? null : setTimeout(() => void this.tick(), next);
      this.timer?.unref();
    }
  }

  /** A tick's work; returns ms until the next timed tick. */
  private round(): number {
    const views = this.rig.supervisor.views();
    const ids = this.rig.identities();
    this.noteReadRates(views);
    // at rest (nothing under way, time alone changes no decision) with the inputs of the last full
    // tick at rest: its decision and plan stand; only the next timed tick is set
    const rest = this.restSignature(views, ids);
    if (rest !== null && rest === this.restSig && this.last !== null) return this.nextMs(views, ids, this.last.decision.wakeAt);
    this.restSig = null; // set once this tick has decided (a tick that fails leaves no decision to stand)
    for (const v of views) {
      if (v.operator.kind !== "done") this.doneSince.delete(v.name);
      else if (!this.doneSince.has(v.name)) this.doneSince.set(v.name, this.now());
    }
    const viewOf = new Map(views.map((v) => [v.name, v]));
    this.track(ids, (name) => viewOf.get(name));
    // one set of planner inputs and predictions per tick: the plan, decide() and the progress of each
    // prover all use them (a tick built the inputs three times and planned twice)
    const inputs = this.identityInputs(views, ids);
    const predictions = this.predictions(inputs);
    const predicted = new Map<string, { toReadMs: number; readMs: number }>();
    for (const i of ids) {
      if (!i.service) continue;
      const p = predictions.get(i.keyFile) ?? null;
      // staged (started before its disk is free) only on proofs this daemon saw itself (phases timed
      // between lines): the stored history of a previous daemon has let two read one disk at once;
      // without one it is not staged: it starts once the read ahead of it is over (round-1 staging,
      // timed by a start-up alone, made the bench's first round ~6 s slower, not faster)
      const own = p?.fromHistory === true && this.history.has(i.keyFile);
      if (own && p) predicted.set(i.keyFile, { toReadMs: this.toReadMs(i.service, p), readMs: p.readMs });
    }
    this.toRead = new Map([...predicted].map(([k, v]) => [k, v.toReadMs])); // the planner lays its lanes out by the same starts
    for (const i of inputs) i.toReadMs = this.toRead.get(i.keyFile) ?? null;
    const plan = this.computePlan(inputs, predictions);
    const budget = this.budget();
    const byName = new Map(this.rig.config.services.map((s) => [s.name, s]));
    const idOf = byService(ids);
    const at = this.now();
    const decision = decide(
      at,
      ids.map((i) => ({ keyFile: i.keyFile, service: i.service, postState: i.postState, sizeBytes: i.sizeBytes, predicted: predicted.get(i.keyFile) ?? null })),
      views.map((v) => ({
        name: v.name,
        state: this.inflight.has(v.name) && v.state === "stopped" ? "starting" : v.state,
        operator: v.operator.kind,
        randomxMode: byName.get(v.name)?.randomxMode ?? "fast",
        manual: this.manual.has(v.name),
        startedAt: v.startedAt,
        doneSince: this.doneSince.get(v.name) ?? null,
        proof: this.progressOf(v, idOf.get(v.name)?.sizeBytes ?? null, predictions.get(idOf.get(v.name)?.keyFile ?? "") ?? null),
        readOver: this.readOver(v),
      })),
      Object.fromEntries(views.map((v) => [v.name, this.laneOf(v.dir)])),
      budget,
      plan.order,
    );
    // the plan as decided: each queued identity with the reason decide() gives for its wait
    for (const e of plan.plan.identities) e.waitReason = queueReason(decision, e.service);
    this.last = { decision, plan, at };
    this.o.onOutlook?.(outlookOf(this.last.plan.plan));
    this.show(decision, budget.mode === "always");
    // the next timed tick: at a queued service's predicted start, soon while proofs are under way, else seldom
    const next = this.nextMs(views, ids, decision.wakeAt);
    this.restSig = rest;
    for (const a of decision.actions) {
      if (this.inflight.has(a.service)) continue;
      this.inflight.add(a.service);
      const op = a.kind === "start" ? this.rig.supervisor.start(a.service) : this.rig.supervisor.stop(a.service);
      this.version++;
      void op.finally(() => {
        this.inflight.delete(a.service);
        this.version++;
      });
    }
    return next;
  }

  private tickInputs(views: ServiceView[], ids: IdentityView[], wakeAt: number | null): TickInputs {
    return { now: this.now(), postStates: ids.map((i) => i.postState), services: views.map((v) => ({ state: v.state, operator: v.operator.kind, startedAt: v.startedAt })), window: this.window(), wakeAt };
  }

  private nextMs(views: ServiceView[], ids: IdentityView[], wakeAt: number | null): number {
    return nextTickMs(this.tickInputs(views, ids, wakeAt), { busyMs: this.o.tickMs, idleMs: this.o.idleTickMs });
  }

  /**
   * What a tick at rest decides and plans from, as one string; null when not at rest (a proof or a
   * service under way, the gap open, an action in flight, a wake pending: time itself changes the
   * decision then). At rest the plan starts at the gap's opening and decide() reads no clock, so the
   * same inputs give the same decision and plan. CPU/RSS figures are left out (nothing here reads them).
   */
  private restSignature(views: ServiceView[], ids: IdentityView[]): string | null {
    if (this.inflight.size > 0 || (this.last?.decision.wakeAt ?? null) !== null) return null;
    const t = this.tickInputs(views, ids, null);
    if (busy(t)) return null;
    const parts: (string | number | null)[] = [this.version, t.window?.opensAt ?? null, t.window?.closesAt ?? null, this.rig.hardwareView()?.memory.totalBytes ?? null];
    for (const [disk, rate] of this.rates()) parts.push(disk, rate);
    for (const v of views) parts.push(v.name, v.dir, v.state, v.operator.kind, v.operator.kind === "proving" ? v.operator.position : null, v.startedAt);
    for (const i of ids) {
      parts.push(i.keyFile, i.service, i.postState, i.sizeBytes, i.units);
      // a previous daemon's proofs stand in for a history of its own (the node monitor may learn them later)
      const stored = this.history.has(i.keyFile) ? undefined : this.o.storedProofs?.(i.keyFile);
      if (stored) parts.push(stored.length, stored.at(-1)?.finishedAt ?? null);
    }
    return parts.join("\u0000");
  }

  /** Each identity's predicted proof (its history, else its size at its disk's rate plus an estimate), as the planner predicts it. */
  private predictions(inputs: PlanIdentityInput[]): Map<string, Prediction> {
    const rates = this.rates();
    const pace = machineK2powPace(inputs);
    return new Map(inputs.map((i) => [i.keyFile, predictProof(i.settings, i.history, rates.get(i.disk) ?? null, pace)]));
  }

  /** The orchestrator's view of each service, overlaid on the rig's (null in always mode); a change is sent at once. */
  private show(decision: Decision, always: boolean): void {
    const now = this.now();
    const STATE: Record<SlotStatus, OrchestrationView["state"]> = { proving: "proving", queued: "queued", idle: "idle", stopped: "idle", manual: "hand", held: "idle", failed: "idle" };
    for (const [name, st] of Object.entries(decision.services)) {
      const prev = this.orchestration.get(name);
      if (always) {
        this.orchestration.delete(name);
      } else {
        const state = STATE[st.status];
        const taken = this.manual.get(name);
        const reason = state === "hand" && taken !== undefined ? `taken by hand at ${new Date(taken).toISOString().slice(11, 16)} UTC; \`postdeck plan --release ${name}\` hands it back` : st.reason;
        this.orchestration.set(name, { state, reason, since: prev?.state === state ? prev.since : state === "hand" && taken !== undefined ? taken : now });
      }
      const next = JSON.stringify(this.orchestration.get(name) ?? null);
      if (this.shown.get(name) !== next) {
        this.shown.set(name, next);
        if (prev !== undefined || next !== "null") {
          this.showing = true;
          try {
            this.rig.orchestrationChanged(name);
          } finally {
            this.showing = false;
          }
        }
      }
    }
  }

  /** Notes the highest read rate the hardware sampler shows on each disk a proof reads now (rates() falls back on it). */
  private noteReadRates(views: readonly ServiceView[]): void {
    const vols = this.rig.hardwareView()?.volumes ?? [];
    if (vols.length === 0) return;
    const byDir = new Map(this.rig.config.services.map((s) => [s.dir, s.name]));
    const proving = new Set(views.filter((v) => v.operator.kind === "proving").map((v) => v.name));
    const read = new Set(this.disks.filter((d) => proving.has(byDir.get(d.dir) ?? "")).map((d) => d.disk));
    for (const d of this.disks) {
      if (!read.has(d.disk)) continue;
      const v = vols.find((x) => x.paths.includes(d.dir));
      if (v?.readBytesPerSec) this.maxRate.set(d.disk, Math.max(this.maxRate.get(d.disk) ?? 0, v.readBytesPerSec));
    }
  }

  /**
   * Each disk's read rate: what its last proofs read at (size ÷ `finished reading POST data` time,
   * the median over its identities' latest proofs), else the highest rate the hardware sampler saw
   * on it while a proof ran there, else null (the planner then assumes one and says so). What a
   * disk reads while nothing proves on it is other programs' reads, not what a proof can read (an
   * idle disk's few kB/s planned proofs as days long; and each new high changed the inputs of a
   * tick at rest, a full tick for nothing).
   */
  private rates(): Map<string, number | null> {
    const byDir = new Map(this.rig.config.services.map((s) => [s.dir, s.name]));
    const keyOf = byService(this.rig.identities());
    const proofRate = (disk: string): number | null => {
      const rates: number[] = [];
      for (const d of this.disks.filter((x) => x.disk === disk)) {
        const name = byDir.get(d.dir);
        const key = name !== undefined ? keyOf.get(name)?.keyFile : undefined;
        const last = key ? this.history.get(key)?.at(-1) : undefined;
        if (last?.readMs && last.sizeBytes) rates.push(last.sizeBytes / (last.readMs / 1000));
      }
      rates.sort((a, b) => a - b);
      return rates.length ? rates[rates.length >> 1]! : null;
    };
    return new Map([...new Set(this.disks.map((d) => d.disk))].map((d) => [d, proofRate(d) ?? this.maxRate.get(d) ?? null]));
  }

  /** The plan of these inputs; `predictions`: the tick's own, the planner's (predictions()), not made again. */
  private computePlan(inputs: PlanIdentityInput[], predictions?: ReadonlyMap<string, Prediction>): PlanResult {
    const now = this.now();
    const w = this.window();
    const budget = this.budget();
    const rates = this.rates();
    const lanes = [...rates.keys()].map((disk) => {
      const ds = this.disks.filter((d) => d.disk === disk);
      return { disk, devices: [...new Set(ds.flatMap((d) => d.devices))], dirs: ds.map((d) => d.dir), readBytesPerSec: rates.get(disk) ?? null };
    });
    return buildPlan({ now, window: w, budget, cores: os.availableParallelism(), lanes, identities: inputs }, predictions);
  }

  /** What the planner needs of each identity: settings, history, state in this gap, live progress; with a decision, its queue reasons. */
  private identityInputs(views: ServiceView[], ids: IdentityView[], decision: Decision | null = null): PlanIdentityInput[] {
    const w = this.window();
    const svc = new Map<string, ResolvedService>(this.rig.config.services.map((s) => [s.name, s]));
    const cores = os.availableParallelism();
    const viewOf = new Map(views.map((v) => [v.name, v]));
    return ids
      .filter((i) => i.service !== null && svc.has(i.service))
      .map((i) => {
        const s = svc.get(i.service!)!;
        const v = viewOf.get(s.name);
        const l = this.live.get(i.keyFile) ?? { startedAt: null, finishedAt: null }; // read only: a GET /v1/plan adds nothing
        const holding = v !== undefined && (v.operator.kind === "proving" || v.operator.kind === "done" || ((v.state === "running" || v.state === "starting") && i.postState === "PROVING"));
        const hist =
          this.history.get(i.keyFile) ??
          (this.o.storedProofs?.(i.keyFile) ?? []).map((p) => ({ at: p.finishedAt, k2powMs: p.k2powMs, readMs: p.readMs, totalMs: p.durationMs, sizeBytes: i.sizeBytes }));
        const provedThisGap = w !== null && ((l.finishedAt !== null && l.finishedAt >= w.opensAt) || hist.some((h) => h.at >= w.opensAt));
        let state: PlanEntry["state"];
        if (v?.state === "failed") state = "failed";
        else if (i.postState === "PROVING") state = holding ? "proving" : "queued";
        else if (provedThisGap) state = "done";
        else if (w !== null && i.postState === "IDLE") state = "waiting";
        else state = "not-needed";
        return {
          keyFile: i.keyFile,
          service: s.name,
          disk: this.laneOf(s.dir),
          settings: { sizeBytes: i.sizeBytes, units: i.units, threads: s.threads === 0 ? cores : (s.pinnedCores?.length ?? s.threads), nonces: s.nonces, randomxMode: s.randomxMode },
          history: hist,
          state,
          manual: this.manual.has(s.name),
          startupMs: this.startup.get(s.name) ?? null,
          toReadMs: this.toRead.get(i.keyFile) ?? null,
          waitReason: decision ? queueReason(decision, s.name) : null,
          live: {
            startedAt: l.startedAt,
            position: v?.operator.kind === "proving" ? v.operator.position : null,
            operatorDone: v?.operator.kind === "done",
            finishedAt: l.finishedAt,
          },
        };
      });
  }

  /** The plan as of now (GET /v1/plan): re-planned from the live views, with the last decision's queue reasons and time. Changes nothing. */
  plan(): Plan {
    const plan = this.computePlan(this.identityInputs(this.rig.supervisor.views(), this.rig.identities(), this.last?.decision ?? null)).plan;
    return { ...plan, decidedAt: this.last?.at ?? null };
  }

  /** The disk lanes as mapped (for `postdeck plan` and the bench). */
  mapping(): DiskMapping[] {
    return this.disks;
  }

  /** Proof records kept for an identity (newest last). */
  historyOf(keyFile: string): ProofRecord[] {
    return this.history.get(keyFile) ?? [];
  }
}

/** Why decide() holds a service back (null unless it queued it). */
function queueReason(decision: Decision, service: string | null): string | null {
  const st = service !== null ? decision.services[service] : undefined;
  return st?.status === "queued" ? st.reason : null;
}

/** Identities by their service (the first, as find() would). */
function byService(ids: IdentityView[]): Map<string, IdentityView> {
  const m = new Map<string, IdentityView>();
  for (const i of ids) if (i.service !== null && !m.has(i.service)) m.set(i.service, i);
  return m;
}

interface PositionSeen {
  at: number;
  position: number;
}

/**
 * ms until a read ends, at the rate between two /status positions, from the later one: a position
 * is polled every couple of seconds, so it is as old as the time since it was first seen, not now
 * (counting from now made a read's end recede between polls, and a start timed by it never came).
 * null until two positions a second apart.
 */
export function readLeftMs(sizeBytes: number, first: PositionSeen, last: PositionSeen, now: number): number | null {
  if (last.at - first.at < 1000 || last.position <= first.position) return null;
  const rate = (last.position - first.position) / (last.at - first.at);
  return Math.max(0, (sizeBytes - last.position) / rate - (now - last.at));
}

/** The orchestrator's queue and the plan's predicted misses, from a plan. */
export function outlookOf(plan: Plan): ProvingOutlook {
  const queued = new Map<string, string>();
  const misses: ProvingOutlook["misses"] = [];
  for (const e of plan.identities) {
    if (e.state === "queued" && !e.manual) queued.set(e.keyFile, e.waitReason ?? "waiting for its turn on its disk");
    if (!e.fits && e.missByMs !== null && e.state !== "done" && e.state !== "failed" && e.state !== "not-needed")
      misses.push({ keyFile: e.keyFile, missByMs: e.missByMs, reason: e.reason, fix: e.fix });
  }
  return { queued, misses };
}
