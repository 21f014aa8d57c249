// The orchestrator's thin driver inside the daemon: every tick it gathers the live views (the
// node's PostStates per identity, the services, the disk lanes, the budget, the epoch clock), asks
// the planner for the order and decide() for the actions, and applies them through the supervisor.
// It also keeps what the pure parts need from the live rig: each proof's durations (post-service's
// `finished k2pow in …` / `finished reading POST data in …` log lines, and the slot from start to
// the node's IDLE), when each identity started and finished in the current gap, and which services
// the operator took over by hand (until handed back, or until the gap they were taken in closes).
import os from "node:os";
import { currentOrNextGap, type NetworkTiming } from "../../clock/epoch-clock.js";
import type { ResolvedService } from "../../config/schema.js";
import type { IdentityView, Plan, PlanEntry, ServiceView } from "../../protocol/model.js";
import { mapDirsToDisks, type BlockRoots, type DiskMapping } from "../hardware/block-devices.js";
import type { Rig } from "../rig.js";
import { resolveBudget, type Budget } from "./budget.js";
import { decide, type Decision } from "./decide.js";
import { buildPlan, type PlanResult } from "./planner.js";
import { proofPhaseOf, type ProofRecord } from "./predict.js";

export interface DriverOptions {
  rig: Rig;
  now?: () => number;
  tickMs?: number;
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

interface Live {
  startedAt: number | null; // the slot's start in this gap (service started or first seen proving)
  finishedAt: number | null;
  k2powMs: number | null;
  readMs: number | null;
  wasProving: boolean;
}

export class OrchestratorDriver {
  private readonly rig: Rig;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private mapTimer: NodeJS.Timeout | null = null;
  private disks: DiskMapping[] = [];
  private readonly history = new Map<string, ProofRecord[]>(); // by key file
  private readonly live = new Map<string, Live>(); // by key file
  private readonly manual = new Map<string, number | null>(); // service → the gap close it lapses at (null: never)
  private readonly inflight = new Set<string>();
  private readonly doneSince = new Map<string, number>(); // service → when /status first said DoneProving
  private readonly maxRate = new Map<string, number>(); // lane → highest read rate seen
  private last: { decision: Decision; plan: PlanResult } | null = null;
  private ticking = false;
  private soon: NodeJS.Timeout | null = null;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly o: DriverOptions) {
    this.rig = o.rig;
    this.now = o.now ?? Date.now;
  }

  async start(): Promise<void> {
    await this.remap();
    const onAct = (_kind: string, names: string[]) => {
      const w = this.window();
      for (const n of names) this.manual.set(n, w ? w.closesAt : null);
    };
    this.rig.on("act", onAct);
    this.offs.push(() => this.rig.off("act", onAct));
    const onConfig = () => void this.remap();
    this.rig.on("config", onConfig);
    this.offs.push(() => this.rig.off("config", onConfig));
    this.offs.push(this.rig.logs.onLines((source, lines) => this.onServiceLines(source, lines)));
    // a change of a service or of the node's PostStates is acted on at once (debounced), not at the next tick
    const onEvent = (e: { type: string }) => {
      if (e.type !== "service" && e.type !== "identities") return;
      if (this.soon) return;
      this.soon = setTimeout(() => {
        this.soon = null;
        void this.tick();
      }, 200);
    };
    this.rig.on("event", onEvent);
    this.offs.push(() => this.rig.off("event", onEvent));
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 2000);
    this.mapTimer = setInterval(() => void this.remap(), this.o.mapEveryMs ?? 300_000);
    this.timer.unref();
    this.mapTimer.unref();
  }

  stop(): void {
    if (this.soon) clearTimeout(this.soon);
    if (this.timer) clearInterval(this.timer);
    if (this.mapTimer) clearInterval(this.mapTimer);
    for (const off of this.offs.splice(0)) off();
  }

  /** Hands services back to the orchestrator (the operator's `plan --auto`). */
  handBack(names: string[]): string[] {
    return names.filter((n) => this.manual.delete(n));
  }

  budget(): Budget {
    return resolveBudget(this.rig.config.proving, this.rig.snapshot().hardware?.memory.totalBytes ?? os.totalmem());
  }

  private async remap(): Promise<void> {
    const c = this.rig.config;
    this.disks = await mapDirsToDisks(c.services.map((s) => s.dir), { roots: this.o.roots, overrides: c.proving?.disks ?? {} });
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
    if (!l) this.live.set(keyFile, (l = { startedAt: null, finishedAt: null, k2powMs: null, readMs: null, wasProving: false }));
    return l;
  }

  private onServiceLines(source: string, lines: string[]): void {
    const key = this.keyOfService(source);
    if (!key) return;
    for (const line of lines) {
      const p = proofPhaseOf(line);
      if (!p) continue;
      const l = this.liveOf(key);
      if (p.phase === "k2pow") l.k2powMs = p.ms;
      else l.readMs = p.ms;
    }
  }

  /** Follows each identity through its proof: start of the slot, the node's IDLE, the record. */
  private track(ids: IdentityView[], views: ServiceView[]): void {
    const now = this.now();
    const w = this.window();
    for (const id of ids) {
      const l = this.liveOf(id.keyFile);
      const v = views.find((s) => s.name === id.service);
      const running = v !== undefined && (v.state === "running" || v.state === "starting");
      if (id.postState === "PROVING") {
        if (!l.wasProving) {
          l.wasProving = true;
          l.finishedAt = null;
          l.k2powMs = null;
          l.readMs = null;
          l.startedAt = running ? (v.startedAt ?? now) : null;
        } else if (l.startedAt === null && running) l.startedAt = v.startedAt ?? now;
      } else if (id.postState === "IDLE" && l.wasProving) {
        l.wasProving = false;
        if (l.startedAt !== null) {
          l.finishedAt = now;
          const h = this.history.get(id.keyFile) ?? [];
          h.push({ at: now, k2powMs: l.k2powMs, readMs: l.readMs, totalMs: now - l.startedAt, sizeBytes: id.sizeBytes });
          this.history.set(id.keyFile, h.slice(-(this.o.historyDepth ?? 8)));
        }
      }
    }
    // hand-taken services go back when the gap they were taken in has closed
    for (const [name, until] of this.manual) if (until !== null && w && now >= until) this.manual.delete(name);
  }

  /** One round: plan, decide, act. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const views = this.rig.supervisor.views();
      const ids = this.rig.identities();
      for (const v of views) {
        if (v.operator.kind !== "done") this.doneSince.delete(v.name);
        else if (!this.doneSince.has(v.name)) this.doneSince.set(v.name, this.now());
      }
      this.track(ids, views);
      const plan = this.computePlan(views, ids);
      const budget = this.budget();
      const byName = new Map(this.rig.config.services.map((s) => [s.name, s]));
      const decision = decide(
        this.now(),
        ids.map((i) => ({ keyFile: i.keyFile, service: i.service, postState: i.postState, sizeBytes: i.sizeBytes })),
        views.map((v) => ({
          name: v.name,
          state: this.inflight.has(v.name) && v.state === "stopped" ? "starting" : v.state,
          operator: v.operator.kind,
          randomxMode: byName.get(v.name)?.randomxMode ?? "fast",
          manual: this.manual.has(v.name),
          startedAt: v.startedAt,
          doneSince: this.doneSince.get(v.name) ?? null,
        })),
        Object.fromEntries(views.map((v) => [v.name, this.laneOf(v.dir)])),
        budget,
        plan.order,
      );
      this.last = { decision, plan: this.computePlan(views, ids, decision) };
      this.o.onOutlook?.(outlookOf(this.last.plan.plan));
      for (const a of decision.actions) {
        if (this.inflight.has(a.service)) continue;
        this.inflight.add(a.service);
        const op = a.kind === "start" ? this.rig.supervisor.start(a.service) : this.rig.supervisor.stop(a.service);
        void op.finally(() => this.inflight.delete(a.service));
      }
    } finally {
      this.ticking = false;
    }
  }

  private rates(): Map<string, number | null> {
    const vols = this.rig.snapshot().hardware?.volumes ?? [];
    for (const d of this.disks) {
      const v = vols.find((x) => x.paths.includes(d.dir));
      if (v?.readBytesPerSec) this.maxRate.set(d.disk, Math.max(this.maxRate.get(d.disk) ?? 0, v.readBytesPerSec));
    }
    return new Map([...new Set(this.disks.map((d) => d.disk))].map((d) => [d, this.maxRate.get(d) ?? null]));
  }

  private computePlan(views: ServiceView[], ids: IdentityView[], decision: Decision | null = null): PlanResult {
    const now = this.now();
    const w = this.window();
    const budget = this.budget();
    const svc = new Map<string, ResolvedService>(this.rig.config.services.map((s) => [s.name, s]));
    const rates = this.rates();
    const lanes = [...rates.keys()].map((disk) => {
      const ds = this.disks.filter((d) => d.disk === disk);
      return { disk, devices: [...new Set(ds.flatMap((d) => d.devices))], dirs: ds.map((d) => d.dir), readBytesPerSec: rates.get(disk) ?? null };
    });
    const cores = os.availableParallelism();
    const inputs = ids
      .filter((i) => i.service !== null && svc.has(i.service))
      .map((i) => {
        const s = svc.get(i.service!)!;
        const v = views.find((x) => x.name === s.name);
        const l = this.liveOf(i.keyFile);
        const st = decision?.services[s.name] ?? null;
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
          waitReason: st?.status === "queued" ? st.reason : null,
          live: {
            startedAt: l.startedAt,
            position: v?.operator.kind === "proving" ? v.operator.position : null,
            operatorDone: v?.operator.kind === "done",
            finishedAt: l.finishedAt,
          },
        };
      });
    return buildPlan({ now, window: w, budget, cores, lanes, identities: inputs });
  }

  /** The plan as of now (GET /v1/plan): re-planned from the live views, with the last decision's queue reasons. */
  plan(): Plan {
    return this.computePlan(this.rig.supervisor.views(), this.rig.identities(), this.last?.decision ?? null).plan;
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
