// An identity's epoch story as steps (pure): PoET registration → PoET proof → PoST proof start and
// finish → ATX broadcast/published → eligibilities and proposals, plus failures and malfeasance,
// each with the source postdeck learnt it from (node log, AdminService event, post-service log).
//
// Attribution follows the evidence only: node log lines that name a short id count when no other
// key shares it (the caller passes `shortIdShared`); `starting/finished post execution` lines, which
// name nobody, count for this identity when the log tracker attributed them (the one identity
// PROVING at that moment) or when exactly one AdminService post event of this identity, and of no
// other, lies within a few seconds of the line.
import type { IdentityEvent, TimelineStep } from "../../protocol/model.js";
import { epochAt, type NetworkTiming } from "../../clock/epoch-clock.js";
import type { NodeEvent } from "../spacemesh/node-grpc.js";
import type { NodeLogFacts, PostRun } from "../spacemesh/node-log-state.js";
import type { ServiceProofRun } from "../spacemesh/service-log-state.js";
import type { ProofRecord } from "./identity-history.js";
import type { IdentityStateInfo } from "../spacemesh/node-grpc-states.js";
import { stepsFromIdentityStates } from "./state-steps.js";
import { step } from "./step.js";

export interface StepSources {
  nodeId: string; // 64 hex
  shortIdShared: boolean;
  nodeLog: NodeLogFacts | null;
  events: NodeEvent[]; // AdminService events, any identity
  serviceProofs: ServiceProofRun[]; // this identity's post-service log
  timing: NetworkTiming | null;
  /** This identity's SmeshingIdentitiesService.States (node-split), when the node answers it. */
  identityStates?: IdentityStateInfo[];
}

/** Post events within this distance of a node log line are taken as the same moment. */
export const CORRELATE_MS = 5000;

type Kind = TimelineStep["kind"];

function hexOf(v: unknown): string | null {
  if (Buffer.isBuffer(v)) return v.length > 0 ? v.toString("hex") : null;
  if (v && typeof v === "object" && "type" in v && v.type === "Buffer") {
    const data = (v as { data?: unknown }).data;
    return Array.isArray(data) && data.length > 0 ? Buffer.from(data as number[]).toString("hex") : null;
  }
  return typeof v === "string" && v !== "" ? v : null;
}

function num(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

const LOG_KINDS: Record<string, Kind> = {
  poet_registered_log: "poet-registered",
  poet_proof_log: "poet-proof",
  atx_broadcast: "atx-broadcast",
  atx_published: "atx-published",
  initial_proof_failed: "post-failed",
  initial_post_invalid: "post-failed",
  post_verification_failed: "post-failed",
  atx_publish_failed: "atx-failed",
};

function fromEvent(e: NodeEvent, timing: NetworkTiming | null, startedAt: number | null): TimelineStep | null {
  const d = e.details;
  switch (e.kind) {
    case "registered_in_poet":
      return step("poet-registered", e.at, "event", !e.failure, `round ${String(d.roundId ?? "?")} at ${String(d.url ?? "a PoET")}`, timing);
    case "best_proof_selected":
      return step("poet-proof", e.at, "event", !e.failure, `best PoET proof: round ${String(d.roundId ?? "?")}, ${String(d.ticks ?? "?")} ticks`, timing);
    case "post_start":
      return step("post-start", e.at, "event", true, "Node started PoST execution", timing);
    case "post_complete":
      if (e.failure) return step("post-failed", e.at, "event", false, e.help || "Node failed PoST execution.", timing);
      return step("post-finish", e.at, "event", true, "Node finished PoST execution", timing, startedAt !== null ? e.at - startedAt : null);
    case "atx_published": {
      const id = hexOf(d.id);
      const current = num(d.current);
      const target = num(d.target);
      return step("atx-published", e.at, "event", !e.failure, `atx ${id ? id.slice(0, 6) : "?"} (publish epoch ${current ?? "?"}, target ${target ?? "?"})`, timing);
    }
    case "eligibilities": {
      const list = Array.isArray(d.eligibilities) ? (d.eligibilities as { layer?: unknown; count?: unknown }[]) : [];
      const count = list.reduce((n, x) => n + (num(x.count) ?? 0), 0);
      return step("eligibility", e.at, "event", true, `epoch ${num(d.epoch) ?? "?"}: ${count} eligibilit${count === 1 ? "y" : "ies"} in ${list.length} layer(s)`, timing);
    }
    case "proposal":
      return step("proposal", e.at, "event", true, `proposal in layer ${num(d.layer) ?? "?"}`, timing);
    case "malfeasance":
      return step("malfeasance", e.at, "event", false, "Node committed malicious behavior. Identity will be canceled.", timing);
    default:
      return null;
  }
}

/** The identity a rig-level post run belongs to, by its own attribution or by nearby post events. */
function runOwner(run: PostRun, events: NodeEvent[]): string | null {
  if (run.nodeId) return run.nodeId;
  const want = run.kind === "start" ? "post_start" : "post_complete";
  const near = new Set(events.filter((e) => e.kind === want && e.smesher && Math.abs(e.at - run.at) <= CORRELATE_MS).map((e) => e.smesher!));
  return near.size === 1 ? [...near][0]! : null;
}

/** Every step the current sources show for one identity, oldest first (duplicates across sources kept). */
export function stepsFromSources(src: StepSources): TimelineStep[] {
  const out: TimelineStep[] = [];
  const { nodeId, timing } = src;
  const log = src.nodeLog;
  if (log) {
    const own: IdentityEvent[] = [...(log.events.get(nodeId) ?? []), ...(src.shortIdShared ? [] : (log.events.get(nodeId.slice(0, 6)) ?? []))];
    for (const e of own) {
      const kind = LOG_KINDS[e.kind];
      if (kind) out.push(step(kind, e.at, "log", !e.failure, e.text, timing));
    }
    for (const run of log.postRuns) {
      if (runOwner(run, src.events) !== nodeId) continue;
      if (run.kind === "start") out.push(step("post-start", run.at, "log", true, "starting post execution", timing));
      else out.push(step("post-finish", run.at, "log", true, "finished post execution", timing, run.durationMs));
    }
  }
  let lastStart: number | null = null;
  for (const e of [...src.events].filter((x) => x.smesher === nodeId).sort((a, b) => a.at - b.at)) {
    if (e.kind === "post_start") lastStart = e.at;
    const s = fromEvent(e, timing, e.kind === "post_complete" ? lastStart : null);
    if (s) out.push(s);
    if (e.kind === "post_complete") lastStart = null;
  }
  for (const r of src.serviceProofs) {
    out.push(step("post-start", r.startedAt, "service-log", true, "post-service: starting proof generation", timing));
    if (r.finishedAt === null) continue;
    if (r.failed) out.push(step("post-failed", r.finishedAt, "service-log", false, "post-service: proof failed", timing));
    else {
      const parts = [r.k2powMs !== null ? `k2pow ${Math.round(r.k2powMs / 1000)} s` : null, r.readMs !== null ? `read ${Math.round(r.readMs / 1000)} s` : null].filter(Boolean);
      out.push(step("post-finish", r.finishedAt, "service-log", true, `post-service: proof found${parts.length ? ` (${parts.join(", ")})` : ""}`, timing, r.finishedAt - r.startedAt));
    }
  }
  if (src.identityStates) out.push(...stepsFromIdentityStates(src.identityStates, timing));
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Finished proofs with their figures: the node's duration where it logged one (else the
 * post-service's own start → finish), and the post-service's k2pow and read times of the run that
 * finished within a minute of it.
 */
export function proofRecords(steps: TimelineStep[], serviceProofs: ServiceProofRun[], timing: NetworkTiming | null): ProofRecord[] {
  const out: ProofRecord[] = [];
  const finishes = steps.filter((s) => s.kind === "post-finish" && s.durationMs !== null).sort((a, b) => a.at - b.at);
  for (const s of finishes) {
    if (out.some((p) => Math.abs(p.finishedAt - s.at) <= 60_000)) continue;
    const run = serviceProofs.find((r) => r.finishedAt !== null && !r.failed && Math.abs(r.finishedAt - s.at) <= 60_000);
    out.push({
      epoch: timing ? epochAt(timing, s.at) : null,
      startedAt: s.at - s.durationMs!,
      finishedAt: s.at,
      durationMs: s.durationMs!,
      k2powMs: run?.k2powMs ?? null,
      readMs: run?.readMs ?? null,
    });
  }
  return out;
}
