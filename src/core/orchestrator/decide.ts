// The orchestrator's decision: a pure function of the moment — which post-services to start and
// which to stop — so tests drive it with a fake clock through whole epochs. The daemon's driver
// (driver.ts) feeds it the live views and applies its actions through the supervisor.
//
// on-demand:
//   - start a service when the node says PROVING for its identity (PostStates), in the planner's
//     order, unless its disk already has `perDisk` provers, `maxConcurrent` provers run, or the RAM
//     budget would not hold another (then it is queued, with the reason);
//   - stop it once the node shows IDLE for its identity again and it is not proving (after
//     DoneProving the node fetches the proof and turns IDLE); a service at DoneProving no longer
//     reads its disk, so the next one on that disk may start meanwhile;
//   - never stop a service that is proving; never touch a service whose identity's state is unknown
//     (node unreachable or restarting): it is held as it is;
//   - a crashed service is restarted by the supervisor's restart policy, as always; one that gave up
//     (failed) is left for the operator;
//   - a service the operator started or stopped by hand is theirs (manual) until handed back.
// always: no actions (every service runs as configured); the statuses still say what each does.
import type { OperatorStatus, ServiceState } from "../../protocol/model.js";
import { provingMemoryBytes, type Budget } from "./budget.js";

export interface DecideIdentity {
  keyFile: string;
  service: string | null;
  postState: "IDLE" | "PROVING" | null;
  sizeBytes: number | null;
}

export interface DecideService {
  name: string;
  state: ServiceState;
  operator: OperatorStatus["kind"];
  randomxMode: "fast" | "light";
  /** Started or stopped by the operator by hand: the orchestrator leaves it alone. */
  manual: boolean;
  /** Epoch ms of the current run's start, null when not running. */
  startedAt: number | null;
  /** Since when /status has said DoneProving (null: it does not). */
  doneSince?: number | null;
}

export type ActionKind = "start" | "stop";
export interface Action {
  kind: ActionKind;
  service: string;
  reason: string;
}

export type SlotStatus =
  | "proving" // holds a slot on its disk: proving, done, or started for a proof
  | "queued" // its identity must prove; waiting for a slot (reason says which limit)
  | "idle" // running, its identity IDLE, will be stopped (or kept: always mode)
  | "stopped" // not running, nothing to prove
  | "manual" // the operator's: left alone
  | "held" // the node's view is unknown: left as it is
  | "failed"; // gave up restarting: the operator must look

export interface ServiceStatus {
  status: SlotStatus;
  reason: string | null;
}

export interface Decision {
  actions: Action[];
  services: Record<string, ServiceStatus>;
}

/** DoneProving this long while the node still asks: its proof is not the one the node wants (a
 * challenge from before a node restart, or a failed generation, which sticks until a restart). */
export const STUCK_DONE_MS = 60_000;

/** A service just started is not stopped before it answered /status once (or this long passed). */
export const START_GRACE_MS = 10_000;

const ACTIVE: ServiceState[] = ["starting", "running", "backoff"];

/** Does this service hold a proving slot on its disk right now? */
function holdsSlot(s: DecideService, id: DecideIdentity | undefined): boolean {
  if (!ACTIVE.includes(s.state)) return false;
  if (s.operator === "proving") return true;
  // DoneProving: it has read its data and dropped RandomX; the node fetches the proof within 2 s
  if (s.operator === "done") return false;
  return id?.postState !== "IDLE"; // PROVING (started, not asked yet), or not known: it may be proving
}

/**
 * @param disks service name → its lane (physical disk)
 * @param order keyFiles in the planner's order (who goes first); null = by size, largest first
 */
export function decide(
  now: number,
  identities: DecideIdentity[],
  services: DecideService[],
  disks: Record<string, string>,
  budget: Budget,
  order: string[] | null,
): Decision {
  const byService = new Map<string, DecideIdentity>();
  for (const id of identities) if (id.service) byService.set(id.service, id);
  const out: Decision = { actions: [], services: {} };
  const lane = (name: string) => disks[name] ?? `service:${name}`;

  // who holds slots now (manual services count: their reads share the disk all the same)
  const perLane = new Map<string, string[]>();
  let holders = 0;
  let memory = 0;
  for (const s of services) {
    if (!holdsSlot(s, byService.get(s.name))) continue;
    perLane.set(lane(s.name), [...(perLane.get(lane(s.name)) ?? []), s.name]);
    holders++;
    memory += provingMemoryBytes(s.randomxMode);
  }

  const set = (name: string, status: SlotStatus, reason: string | null) => (out.services[name] = { status, reason });
  const candidates: DecideService[] = [];
  for (const s of services) {
    const id = byService.get(s.name);
    const active = ACTIVE.includes(s.state);
    const holding = holdsSlot(s, id);
    if (s.manual) {
      set(s.name, "manual", `started or stopped by hand: postdeck leaves it ${active ? "running" : "stopped"} until it is handed back`);
      continue;
    }
    if (s.state === "failed") {
      set(s.name, "failed", "gave up restarting: see its log, fix it, then start it");
      continue;
    }
    if (budget.mode === "always") {
      set(s.name, holding ? "proving" : active ? "idle" : "stopped", null);
      continue;
    }
    if (!id) {
      set(s.name, "held", "no identity is known for this service: left as it is");
      continue;
    }
    if (id.postState === null) {
      set(s.name, holding ? "proving" : "held", "the node's proving states are unknown (node unreachable or restarting): left as it is");
      continue;
    }
    if (holding) {
      set(s.name, "proving", null);
      continue;
    }
    if (id.postState === "IDLE") {
      const unanswered = s.operator === "none" && s.startedAt !== null && now - s.startedAt < START_GRACE_MS;
      if (s.state === "running" && !unanswered) {
        out.actions.push({ kind: "stop", service: s.name, reason: `the node shows ${id.keyFile} IDLE: its proof is done` });
        set(s.name, "idle", "proof done: stopping");
      } else set(s.name, active ? "idle" : "stopped", null);
      continue;
    }
    // PROVING and not holding a slot
    if (active && s.operator === "done" && s.doneSince != null && now - s.doneSince >= STUCK_DONE_MS && s.state === "running") {
      out.actions.push({ kind: "stop", service: s.name, reason: `DoneProving for ${Math.round((now - s.doneSince) / 1000)} s while the node still asks ${id.keyFile} for a proof: restarted to prove again` });
      set(s.name, "queued", "its finished proof was not taken by the node: restarting it");
      continue;
    }
    if (active) {
      set(s.name, "proving", "proof done: the node is fetching it");
      continue;
    }
    if (s.state === "stopping") {
      set(s.name, "queued", "stopping; started again when it has stopped");
      continue;
    }
    candidates.push(s);
  }

  const rank = new Map((order ?? []).map((k, i) => [k, i]));
  const key = (s: DecideService) => byService.get(s.name)!;
  candidates.sort((a, b) => {
    const ra = rank.get(key(a).keyFile) ?? Infinity;
    const rb = rank.get(key(b).keyFile) ?? Infinity;
    if (ra !== rb) return ra - rb;
    const sa = key(a).sizeBytes ?? 0;
    const sb = key(b).sizeBytes ?? 0;
    return sb !== sa ? sb - sa : a.name.localeCompare(b.name);
  });

  for (const s of candidates) {
    const l = lane(s.name);
    const onLane = perLane.get(l) ?? [];
    const need = provingMemoryBytes(s.randomxMode);
    let why: string | null = null;
    if (onLane.length >= budget.perDisk) why = `disk ${l} busy: ${onLane.join(", ")} proving (at most ${budget.perDisk} per disk)`;
    else if (budget.maxConcurrent !== null && holders >= budget.maxConcurrent) why = `${holders} proving (at most ${budget.maxConcurrent} at once)`;
    else if (budget.memoryBytes !== null && holders > 0 && memory + need > budget.memoryBytes)
      why = `RAM budget: ${fmtMiB(memory)} held by ${holders} prover(s) + ${fmtMiB(need)} (RandomX ${s.randomxMode}) > ${fmtMiB(budget.memoryBytes)}`;
    if (why) {
      set(s.name, "queued", why);
      continue;
    }
    out.actions.push({ kind: "start", service: s.name, reason: `the node asks ${key(s).keyFile} for a proof (PROVING)` });
    set(s.name, "proving", "starting for a proof");
    perLane.set(l, [...onLane, s.name]);
    holders++;
    memory += need;
  }
  return out;
}

const fmtMiB = (b: number) => `${Math.round(b / (1024 * 1024))} MiB`;
