// The proving planner (pure): each identity's predicted proof (predict.ts), laid out per physical
// disk over the cycle gap under the orchestrator's limits, so that before the gap opens it can say
// which identity would miss it, by how much, and what would fix it; during the gap it re-plans from
// live progress (operator /status position).
//
// Order: the lane with the most work left goes first when the limits (provers at once, RAM) make
// lanes compete — the longest chain decides when the last proof ends, not the earliest finish.
// Within a lane the longest proof goes first (ties: the larger PoS first); a lane that cannot fit
// them all is re-ordered shortest first, so as many as possible finish inside the gap.
import type { Plan, PlanEntry } from "../../protocol/model.js";
import { provingMemoryBytes, type Budget } from "./budget.js";
import { leadMs, readSlots, STAGED_PER_SLOT } from "./decide.js";
import { formatCountdown, formatLateness, formatRate } from "../../presentation/units.js";
import { estimateK2powMs, machineK2powPace, predictProof, slotMs, type Prediction, type ProofRecord, type ProofSettings } from "./predict.js";

export interface PlanLaneInput {
  disk: string;
  devices: string[];
  dirs: string[];
  /** Measured read rate of the disk (bytes/s), null when unknown. */
  readBytesPerSec: number | null;
}

export interface PlanIdentityInput {
  keyFile: string;
  service: string | null;
  disk: string;
  settings: ProofSettings;
  history: ProofRecord[];
  /** waiting: will prove in this gap; queued: asked, not started; proving; done: proved in this gap. */
  state: PlanEntry["state"];
  manual: boolean;
  /** Why it waits (the orchestrator's queue reason), null when not queued. */
  waitReason: string | null;
  live: { startedAt: number | null; position: number | null; operatorDone: boolean; finishedAt: number | null };
  /** ms from its service's start to its first proof request, as last seen (null: unknown, half the overhead). */
  startupMs?: number | null;
  /**
   * ms from its service's start until it may read its disk at the earliest, as the orchestrator
   * times its start by (decide.ts predicted.toReadMs); null/absent: its start-up and k2pow when
   * from history, else it starts once its disk is free.
   */
  toReadMs?: number | null;
}

export interface PlanInput {
  now: number;
  window: { opensAt: number; closesAt: number } | null;
  budget: Budget;
  /** CPU cores, for the "more threads" fix. */
  cores: number;
  lanes: PlanLaneInput[];
  identities: PlanIdentityInput[];
}

interface Task {
  i: PlanIdentityInput;
  p: Prediction;
  slot: number;
  size: number;
  start: number | null;
  finish: number | null;
}

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16) + " UTC";
/** Remaining time of a proof under way, from its /status position. */
function remainingMs(t: Task, now: number): number {
  const { live } = t.i;
  if (live.operatorDone) return Math.min(t.p.overheadMs, 2_000);
  if (live.position !== null && live.position > 0 && t.size > 0) {
    const left = Math.max(0, 1 - live.position / t.size);
    return t.p.readMs * left + t.p.overheadMs / 2;
  }
  const elapsed = live.startedAt !== null ? Math.max(0, now - live.startedAt) : 0;
  return Math.max(t.p.readMs + t.p.overheadMs / 2, t.slot - elapsed);
}

/** The parts of a slot: start-up (before k2pow), then k2pow, the read, and handing the proof over. */
function partsOf(t: Task): { pre: number; post: number } {
  const startup = Math.min(t.p.overheadMs, t.i.startupMs ?? t.p.overheadMs / 2);
  return { pre: startup + t.p.k2powMs, post: t.p.overheadMs - startup };
}

/**
 * on-demand: list scheduling under perDisk, maxConcurrent and RAM, as decide() starts them: a
 * prover holds RAM (and counts towards maxConcurrent) until its read ends; its disk is read by at
 * most perDisk at once, and one whose k2pow is known from history starts while the read before it
 * still runs, so that its start-up and k2pow end as that read does (decide.ts leadMs, readSlots).
 * Mutates tasks' start/finish.
 */
function scheduleOnDemand(tasks: Task[], t0: number, now: number, b: Budget, laneOrder: Map<string, "long" | "short">): void {
  const reads = new Map<Task, { readStart: number; readEnd: number }>();
  const running: Task[] = [];
  for (const t of tasks) {
    if (t.i.state !== "proving") continue;
    const { post } = partsOf(t);
    t.start = t.i.live.startedAt ?? now;
    t.finish = now + remainingMs(t, now);
    const readEnd = Math.max(now, t.finish - post);
    reads.set(t, { readStart: Math.max(now, readEnd - t.p.readMs), readEnd });
    running.push(t);
  }
  const pending = tasks.filter((t) => t.i.state === "waiting" || t.i.state === "queued");
  let at = t0;
  const laneLeft = (disk: string) =>
    pending.filter((t) => t.i.disk === disk).reduce((a, t) => a + t.slot, 0) +
    running.filter((t) => t.i.disk === disk).reduce((a, t) => a + Math.max(0, t.finish! - at), 0);
  const rank = (x: Task, y: Task) => {
    const dir = laneOrder.get(x.i.disk) === "short" ? -1 : 1;
    return dir * (y.slot - x.slot) || y.size - x.size || x.i.keyFile.localeCompare(y.i.keyFile);
  };
  while (pending.length > 0) {
    const holders = running.filter((r) => reads.get(r)!.readEnd > at);
    const mem = holders.reduce((a, t) => a + provingMemoryBytes(t.i.settings.randomxMode), 0);
    let wake = Infinity;
    const ready: { t: Task; slot: number }[] = [];
    for (const disk of new Set(pending.map((t) => t.i.disk))) {
      const t = pending.filter((x) => x.i.disk === disk).sort(rank)[0]!; // the lane's order holds
      const onLane = holders.filter((r) => r.i.disk === disk);
      const slots = readSlots(onLane.map((r) => ({ readStartsInMs: reads.get(r)!.readStart - at, readEndsInMs: reads.get(r)!.readEnd - at })), b.perDisk);
      const free = Math.min(...slots);
      const timed = t.i.toReadMs != null || t.p.fromHistory;
      const lead = t.i.toReadMs != null ? leadMs(t.i.toReadMs) : t.p.fromHistory ? leadMs(partsOf(t).pre) : 0;
      if (onLane.length >= STAGED_PER_SLOT * b.perDisk || (onLane.length >= b.perDisk && !timed && free > 0)) continue;
      if (free > lead) {
        wake = Math.min(wake, at + free - lead);
        continue;
      }
      if (b.maxConcurrent !== null && holders.length >= b.maxConcurrent) continue;
      if (b.memoryBytes !== null && holders.length > 0 && mem + provingMemoryBytes(t.i.settings.randomxMode) > b.memoryBytes) continue;
      ready.push({ t, slot: free });
    }
    if (ready.length === 0) {
      const next = Math.min(wake, ...holders.map((r) => reads.get(r)!.readEnd));
      if (!Number.isFinite(next)) break; // cannot happen: with nothing running anything may start
      at = Math.max(at + 1, next);
      continue;
    }
    ready.sort((x, y) => laneLeft(y.t.i.disk) - laneLeft(x.t.i.disk) || x.t.i.disk.localeCompare(y.t.i.disk));
    const { t, slot } = ready[0]!;
    const { pre, post } = partsOf(t);
    const readStart = Math.max(at + pre, at + slot);
    reads.set(t, { readStart, readEnd: readStart + t.p.readMs });
    t.start = at;
    t.finish = readStart + t.p.readMs + post;
    running.push(t);
    pending.splice(pending.indexOf(t), 1);
  }
}

/** always: every service proves at once; provers on one disk share its read rate (processor sharing). */
function scheduleAlways(tasks: Task[], t0: number, now: number): void {
  const byLane = new Map<string, Task[]>();
  for (const t of tasks) {
    if (t.i.state !== "waiting" && t.i.state !== "queued" && t.i.state !== "proving") continue;
    byLane.set(t.i.disk, [...(byLane.get(t.i.disk) ?? []), t]);
  }
  for (const lane of byLane.values()) {
    // each task: reading starts after its k2pow; `work` = read ms at the full rate
    const jobs = lane.map((t) => {
      const proving = t.i.state === "proving";
      const start = proving ? (t.i.live.startedAt ?? now) : t0;
      const from = proving ? now : t0;
      const readLeft = proving ? Math.min(t.p.readMs, remainingMs(t, now) - t.p.overheadMs / 2) : t.p.readMs;
      const arrive = from + Math.max(0, (proving ? remainingMs(t, now) - t.p.overheadMs / 2 - readLeft : t.p.k2powMs + t.p.overheadMs / 2));
      t.start = start;
      return { t, arrive, work: Math.max(0, readLeft) };
    });
    let at = Math.min(...jobs.map((j) => j.arrive));
    const active: typeof jobs = [];
    const waiting = [...jobs].sort((a, b) => a.arrive - b.arrive);
    while (waiting.length > 0 || active.length > 0) {
      while (waiting.length > 0 && waiting[0]!.arrive <= at) active.push(waiting.shift()!);
      if (active.length === 0) {
        at = waiting[0]!.arrive;
        continue;
      }
      const n = active.length;
      const nextDone = Math.min(...active.map((j) => j.work)) * n;
      const nextArrive = waiting.length > 0 ? waiting[0]!.arrive - at : Infinity;
      const step = Math.min(nextDone, nextArrive);
      for (const j of active) j.work -= step / n;
      at += step;
      for (const j of [...active]) {
        if (j.work <= 1e-6) {
          j.t.finish = at + j.t.p.overheadMs / 2;
          active.splice(active.indexOf(j), 1);
        }
      }
    }
  }
}

function fixFor(t: Task, missBy: number, tasks: Task[], inp: PlanInput, laneEnd: Map<string, number>): string {
  const closes = inp.window!.closesAt;
  const s = t.i.settings;
  // another disk whose lane ends early enough to take this proof
  for (const lane of inp.lanes) {
    if (lane.disk === t.i.disk) continue;
    const end = Math.max(laneEnd.get(lane.disk) ?? inp.window!.opensAt, inp.window!.opensAt, inp.now);
    const rate = lane.readBytesPerSec ?? t.p.readBytesPerSec;
    const there = t.p.k2powMs + t.p.overheadMs + (t.size / rate) * 1000;
    if (end + there <= closes) return `move its PoS data to disk ${lane.disk} (free from ${hhmm(end)}; it would finish by ${hhmm(end + there)})`;
  }
  if (s.nonces > 16 && t.p.k2powMs / 2 >= missBy)
    return `lower nonces from ${s.nonces} to ${s.nonces / 2}: k2pow takes about half as long (saves ~${formatCountdown(t.p.k2powMs / 2)}; one pass is a little less likely to find a proof)`;
  const threads = Math.max(1, s.threads);
  if (threads < inp.cores && t.p.k2powMs * (1 - threads / inp.cores) >= missBy)
    return `raise threads from ${threads} to ${inp.cores}: k2pow ~${formatCountdown(t.p.k2powMs * (1 - threads / inp.cores))} shorter`;
  if (s.randomxMode === "light") {
    const extra = provingMemoryBytes("fast") - provingMemoryBytes("light");
    const peak = tasks.filter((x) => x.i.settings.randomxMode === "fast").length * provingMemoryBytes("fast");
    const fitsRam = inp.budget.memoryBytes === null || peak + extra <= inp.budget.memoryBytes;
    const light = estimateK2powMs(s);
    const fast = estimateK2powMs({ ...s, randomxMode: "fast" });
    if (fitsRam && (t.p.k2powMs * (light - fast)) / light >= missBy)
      return `switch randomxMode from light to fast: k2pow much faster, needs 2080 MiB instead of 256 MiB while proving (the RAM budget allows it)`;
  }
  return `no single change fits it: spread disk ${t.i.disk}'s identities over more disks, or lower the work per proof (nonces, threads)`;
}

export interface PlanResult {
  plan: Plan;
  /** keyFiles in the order the orchestrator should start them. */
  order: string[];
  /** The disk-bandwidth bound: the slowest lane's Σ read time (ms), from the window's opening. */
  boundMs: number | null;
}

/**
 * `predictions` (by key file): each identity's, when the caller has made them already from the same
 * inputs (predictProof at its lane's rate and machineK2powPace of all: the orchestrator's tick);
 * else made here, once for both orders tried.
 */
export function buildPlan(inp: PlanInput, predictions?: ReadonlyMap<string, Prediction>): PlanResult {
  const rateOf = new Map(inp.lanes.map((l) => [l.disk, l.readBytesPerSec]));
  let pace: number | null | undefined;
  const predicted = inp.identities.map((i) => {
    const given = predictions?.get(i.keyFile);
    if (given) return given;
    if (pace === undefined) pace = machineK2powPace(inp.identities);
    return predictProof(i.settings, i.history, rateOf.get(i.disk) ?? null, pace);
  });
  const mk = (): Task[] => inp.identities.map((i, k) => ({ i, p: predicted[k]!, slot: slotMs(predicted[k]!), size: i.settings.sizeBytes ?? 0, start: null, finish: null }));
  // proofs the node asks for now (an initial proof, or the gap is open) start now; else at the gap's opening
  const askedNow = inp.identities.some((i) => i.state === "queued" || i.state === "proving");
  const t0 = inp.window && !askedNow ? Math.max(inp.now, inp.window.opensAt) : inp.now;
  const closes = inp.window?.closesAt ?? Infinity;
  const run = (order: Map<string, "long" | "short">) => {
    const tasks = mk();
    if (inp.budget.mode === "always") scheduleAlways(tasks, t0, inp.now);
    else scheduleOnDemand(tasks, t0, inp.now, inp.budget, order);
    const misses = tasks.filter((t) => t.finish !== null && t.finish > closes);
    return { tasks, misses };
  };
  const laneOrder = new Map<string, "long" | "short">();
  let best = run(laneOrder);
  if (best.misses.length > 0 && inp.budget.mode === "on-demand") {
    for (const d of new Set(best.misses.map((t) => t.i.disk))) laneOrder.set(d, "short");
    const alt = run(laneOrder);
    if (alt.misses.length < best.misses.length) best = alt;
  }
  const { tasks } = best;
  const laneEnd = new Map<string, number>();
  for (const t of tasks) if (t.finish !== null) laneEnd.set(t.i.disk, Math.max(laneEnd.get(t.i.disk) ?? 0, t.finish));

  const entries: PlanEntry[] = tasks.map((t) => {
    const i = t.i;
    const done = i.state === "done";
    const start = done ? i.live.startedAt : t.start;
    const finish = done ? i.live.finishedAt : t.finish;
    const missBy = inp.window && finish !== null && finish > inp.window.closesAt ? finish - inp.window.closesAt : null;
    const onLane = tasks.filter((x) => x.i.disk === i.disk && x.start !== null);
    return {
      keyFile: i.keyFile,
      service: i.service,
      disk: i.disk,
      state: i.state,
      predictedStart: start,
      predictedFinish: finish,
      basis: done ? "finished in this gap" : `${t.p.basis}: k2pow ${formatCountdown(t.p.k2powMs)} + read ${formatCountdown(t.p.readMs)}`,
      fits: missBy === null,
      missByMs: missBy,
      reason:
        missBy === null
          ? null
          : `disk ${i.disk} has ${onLane.length} proof(s) to run (${formatCountdown(onLane.reduce((a, x) => a + x.slot, 0))} in all at ${formatRate(t.p.readBytesPerSec)}); this one would end at ${hhmm(finish!)}, ${formatLateness(missBy)} after the gap closes`,
      fix: missBy === null ? null : fixFor(t, missBy, tasks, inp, laneEnd),
      manual: i.manual,
      waitReason: i.waitReason,
      predictedMs: done ? null : t.slot,
    };
  });
  const order = [...tasks].filter((t) => t.start !== null && !(t.i.state === "done")).sort((a, b) => a.start! - b.start! || b.slot - a.slot).map((t) => t.i.keyFile);

  let boundMs: number | null = null;
  for (const lane of inp.lanes) {
    const reads = tasks.filter((t) => t.i.disk === lane.disk && t.i.state !== "done" && t.i.state !== "not-needed").reduce((a, t) => a + t.p.readMs, 0);
    boundMs = Math.max(boundMs ?? 0, reads);
  }
  const plan: Plan = {
    generatedAt: inp.now,
    mode: inp.budget.mode,
    window: inp.window,
    lanes: inp.lanes.map((l) => ({
      disk: l.disk,
      devices: l.devices,
      dirs: l.dirs,
      perDisk: inp.budget.perDisk,
      readBytesPerSec: l.readBytesPerSec,
    })),
    identities: entries,
    budget: { perDisk: inp.budget.perDisk, maxConcurrent: inp.budget.maxConcurrent, memoryBytes: inp.budget.memoryBytes, memorySource: inp.budget.memorySource },
  };
  return { plan, order, boundMs };
}
