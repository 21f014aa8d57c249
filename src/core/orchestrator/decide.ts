// The orchestrator's decision: a pure function of the moment — which post-services to start and
// which to stop — so tests drive it with a fake clock through whole epochs. The daemon's driver
// (driver.ts) feeds it the live views and applies its actions through the supervisor.
//
// on-demand:
//   - start a service when the node says PROVING for its identity (PostStates), in the planner's
//     order, unless its disk already has `perDisk` provers, `maxConcurrent` provers run, or the RAM
//     budget would not hold another (then it is queued, with the reason);
//   - overlap hand-overs: a post-service first runs k2pow (CPU and RandomX memory, no disk), then
//     reads all its PoS data. So the next identity on a busy disk may start while the one before it
//     still reads, timed so that its start-up and k2pow end when that read ends: the disk does not idle between
//     proofs, and no more than `perDisk` provers are predicted to READ it at once. This needs the
//     live phase of every prover on the disk (ProofProgress) and the candidate's predicted time to
//     its read (at the least: its start-up, plus its k2pow when its history has one); without
//     them a disk takes at most `perDisk` provers until their reads are over;
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
  /**
   * Its predicted proof: ms from its service's start until it reads its disk at the earliest
   * (start-up and connecting to the node, then k2pow; the node's first ask may come later), and the
   * read (Infinity: not known yet). Lets it start before its disk is free.
   */
  predicted?: { toReadMs: number; readMs: number } | null;
}

/** Where a prover is in its proof, predicted from its phase (log lines) and /status position. */
export interface ProofProgress {
  phase: "k2pow" | "read";
  /** ms from now until it starts reading its disk (0 once it reads). */
  readStartsInMs: number;
  /** ms from now until it stops reading its disk. */
  readEndsInMs: number;
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
  /** The proof under way, when its phase is known (null: unknown, it may read the disk any time). */
  proof?: ProofProgress | null;
  /**
   * Its read is over in this run (`finished reading POST data`; a next pass's k2pow clears it): the
   * proof is made and RandomX let go, so it holds neither disk nor RAM, though /status may say
   * Proving until its next poll and the node PROVING until its next PostStates poll (then Idle:
   * the node fetched the proof between two /status polls, DoneProving never seen).
   */
  readOver?: boolean;
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
  /** When a queued service may start next by the predictions (epoch ms): decide again then. */
  wakeAt: number | null;
}

/**
 * A candidate's time to its read (start-up + k2pow) is counted short by this share and margin when
 * its start is timed against the read before it: one that ends early would read the disk alongside;
 * one that ends late idles the disk for that long only.
 */
export const OVERLAP_SAFETY = 0.2;
export const OVERLAP_MARGIN_MS = 500;
/** At most this many provers per read slot of a disk at once (one reading, one in k2pow). */
export const STAGED_PER_SLOT = 2;

/** ms after its start at which a candidate is counted to read its disk (its time to read, shortened). */
export const leadMs = (toReadMs: number) => Math.max(0, toReadMs * (1 - OVERLAP_SAFETY) - OVERLAP_MARGIN_MS);

/**
 * The read slots of one disk (perDisk of them), each free from a time (ms from now), filled with
 * the reads of the provers holding the disk, earliest first (the planner lays its lanes out so too).
 */
export function readSlots(reads: Pick<ProofProgress, "readStartsInMs" | "readEndsInMs">[], perDisk: number): number[] {
  const slots = new Array<number>(perDisk).fill(0);
  for (const r of [...reads].sort((a, b) => a.readStartsInMs - b.readStartsInMs)) {
    const k = slots.indexOf(Math.min(...slots));
    const from = Math.max(0, r.readStartsInMs); // a read under way counts from now
    slots[k] = Math.max(slots[k]!, from) + Math.max(0, r.readEndsInMs - from);
  }
  return slots;
}

/** readSlots of a disk's holders; null when one's phase is unknown (it may read any time). */
function slotsOf(holders: DecideService[], perDisk: number): number[] | null {
  return holders.some((h) => !h.proof) ? null : readSlots(holders.map((h) => h.proof!), perDisk);
}

/** DoneProving this long while the node still asks: its proof is not the one the node wants (a
 * challenge from before a node restart, or a failed generation, which sticks until a restart). */
export const STUCK_DONE_MS = 60_000;

/**
 * A service just started is not stopped before it answered /status once (or this long passed): an
 * ask refused or not answered in time (unreachable) is no answer, the service may not listen yet.
 */
export const START_GRACE_MS = 10_000;

const ACTIVE: ServiceState[] = ["starting", "running", "backoff"];

/** Does this service hold a proving slot on its disk right now? */
function holdsSlot(s: DecideService, id: DecideIdentity | undefined): boolean {
  if (!ACTIVE.includes(s.state)) return false;
  // its read is over: the proof is made, RandomX let go (/status says so at its next poll: DoneProving,
  // or Idle once the node took the proof; the node's IDLE comes at the daemon's next PostStates poll)
  if (s.readOver === true) return false;
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
  const out: Decision = { actions: [], services: {}, wakeAt: null };
  const lane = (name: string) => disks[name] ?? `service:${name}`;

  // who holds slots now (manual services count: their reads share the disk all the same)
  const perLane = new Map<string, DecideService[]>();
  let holders = 0;
  let memory = 0;
  for (const s of services) {
    if (!holdsSlot(s, byService.get(s.name))) continue;
    perLane.set(lane(s.name), [...(perLane.get(lane(s.name)) ?? []), s]);
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
      const unanswered = (s.operator === "none" || s.operator === "unreachable") && s.startedAt !== null && now - s.startedAt < START_GRACE_MS;
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

  const blocked = new Map<string, string>(); // lane → the candidate queued first on it (the order holds)
  for (const s of candidates) {
    const l = lane(s.name);
    const onLane = perLane.get(l) ?? [];
    const need = provingMemoryBytes(s.randomxMode);
    const predicted = key(s).predicted ?? null;
    let why: string | null = null;
    const busy = () => `disk ${l} busy: ${onLane.map((h) => h.name).join(", ")} proving (at most ${budget.perDisk} per disk)`;
    const slots = onLane.length > 0 ? slotsOf(onLane, budget.perDisk) : null;
    const lead = predicted ? leadMs(predicted.toReadMs) : 0;
    // every holder's read is over (`finished reading POST data`, the proof being handed over): the disk is free now
    const freeNow = slots !== null && Math.min(...slots) <= 0;
    if (blocked.has(l)) why = `waits for its turn on disk ${l}: ${blocked.get(l)} goes first`;
    else if (onLane.length >= budget.perDisk && !freeNow && (slots === null || !predicted)) why = busy();
    else if (onLane.length >= STAGED_PER_SLOT * budget.perDisk) why = busy();
    else if (slots !== null && Math.min(...slots) > lead) {
      const freeIn = Math.min(...slots);
      why = `${busy()}; starts ${Math.round((freeIn - lead) / 1000)} s before disk ${l} is free (its k2pow then ends as the read before it does)`;
      if (Number.isFinite(freeIn)) out.wakeAt = Math.min(out.wakeAt ?? Infinity, now + freeIn - lead);
    } else if (budget.maxConcurrent !== null && holders >= budget.maxConcurrent) why = `${holders} proving (at most ${budget.maxConcurrent} at once)`;
    else if (budget.memoryBytes !== null && holders > 0 && memory + need > budget.memoryBytes)
      why = `RAM budget: ${fmtMiB(memory)} held by ${holders} prover(s) + ${fmtMiB(need)} (RandomX ${s.randomxMode}) > ${fmtMiB(budget.memoryBytes)}`;
    if (why) {
      set(s.name, "queued", why);
      if (!blocked.has(l)) blocked.set(l, s.name);
      continue;
    }
    const overlapping = onLane.length >= budget.perDisk;
    out.actions.push({
      kind: "start",
      service: s.name,
      reason: `the node asks ${key(s).keyFile} for a proof (PROVING)${overlapping ? `; its k2pow runs while ${onLane.map((h) => h.name).join(", ")} read${onLane.length === 1 ? "s" : ""} disk ${l}` : ""}`,
    });
    set(s.name, "proving", overlapping ? `starting: k2pow first, reads disk ${l} once it is free` : "starting for a proof");
    // the staged prover's read: from its k2pow's end (counted short) for its predicted read time
    const from = Math.max(lead, slots ? Math.min(...slots) : 0);
    const proof: ProofProgress = predicted
      ? { phase: "k2pow", readStartsInMs: from, readEndsInMs: from + predicted.readMs }
      : { phase: "k2pow", readStartsInMs: 0, readEndsInMs: Infinity };
    perLane.set(l, [...onLane, { ...s, proof }]);
    holders++;
    memory += need;
  }
  return out;
}

const fmtMiB = (b: number) => `${Math.round(b / (1024 * 1024))} MiB`;
