// The identity timeline (pure): the steps of the current and previous epoch, newest epoch first,
// with one line saying why the identity would earn no rewards (the first step of the last cycle
// that is missing or failed, and what to do), or null when it is on track.
import type { IdentityTimeline, IdentityView, TimelineStep } from "../../protocol/model.js";
import { epochAt, readClock, type NetworkTiming } from "../../clock/epoch-clock.js";

/** Steps of one kind this close together are one step seen through several sources. */
const SAME_STEP_MS: Partial<Record<TimelineStep["kind"], number>> = { "post-start": 30_000, "post-finish": 30_000, "post-failed": 30_000 };
const DEFAULT_SAME_MS = 10_000;
const SOURCE_RANK: Record<TimelineStep["source"], number> = { log: 0, event: 1, grpc: 2, "service-log": 3 };

/** A step with a duration first, then the node's own log, its events, gRPC, the post-service's log. */
function score(s: TimelineStep): number {
  return (s.durationMs !== null ? 0 : 10) + SOURCE_RANK[s.source];
}

/** The story's order, for steps logged in the same millisecond. */
const KIND_ORDER: TimelineStep["kind"][] = ["poet-proof", "post-start", "post-finish", "post-failed", "atx-broadcast", "atx-published", "atx-failed", "poet-registered", "eligibility", "proposal", "malfeasance"];
const byTime = (a: TimelineStep, b: TimelineStep): number => a.at - b.at || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);

/** One step per fact: duplicates from several sources merge, keeping the node's own figure first. */
export function mergeSteps(steps: TimelineStep[]): TimelineStep[] {
  const sorted = [...steps].sort(byTime);
  const out: TimelineStep[] = [];
  for (const s of sorted) {
    const window = SAME_STEP_MS[s.kind] ?? DEFAULT_SAME_MS;
    const i = out.findIndex((x) => x.kind === s.kind && Math.abs(x.at - s.at) <= window);
    if (i === -1) {
      out.push({ ...s });
      continue;
    }
    const x = out[i]!;
    if (score(s) < score(x)) out[i] = { ...s };
  }
  return out.sort(byTime);
}

function fmtWhen(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

function why(step: string, text: string, fix: string): IdentityTimeline["whyNoRewards"] {
  return { step, text, fix };
}

export interface TimelineInput {
  identity: IdentityView;
  steps: TimelineStep[]; // everything known (history + live), any order
  timing: NetworkTiming | null;
  now: number;
}

function whyNoRewards(input: TimelineInput, steps: TimelineStep[]): IdentityTimeline["whyNoRewards"] {
  const id = input.identity;
  const svc = id.service;
  if (id.keyProblem) return why("key", `the node refuses this key file: ${id.keyProblem}`, "fix the key file (see postdeck doctor), then restart the node");
  if (id.registered === "restart-needed")
    return why("registration", "the node has not loaded this key (it reads identities/ only at start)", "restart the node, then look for its `registered signing key` line");
  const malf = steps.find((s) => s.kind === "malfeasance");
  if (malf) return why("malfeasance", `malfeasance proof at ${fmtWhen(malf.at)}: the identity is canceled`, "make sure no other node runs with this key; this identity will earn nothing more");
  if (!input.timing) return null;
  const r = readClock(input.timing, input.now);
  if (r.gapOpen && id.postState === "PROVING" && id.connected === false)
    return why("post-start", "the cycle gap is open and the node waits for this identity's proof, but no post-service is connected", svc ? `start it now: postdeck start ${svc}` : "start a post-service for this identity's PoS data");
  const gap = r.previousGap;
  if (!gap || steps.length === 0) {
    if (steps.length === 0 && gap)
      return why("no-data", "postdeck has seen no PoET, PoST or ATX step for this identity yet", "let postdeck follow the node's log (node.log) and its private gRPC listener (EventsStream); the steps appear from the next cycle gap on");
    return null;
  }
  if (steps[0]!.at > gap.closesAt) return null; // history starts after the last gap: nothing to judge yet
  const since = steps.filter((s) => s.at >= gap.opensAt);
  const lastOf = (kinds: TimelineStep["kind"][]) => [...since].reverse().find((s) => kinds.includes(s.kind)) ?? null;
  const post = lastOf(["post-finish", "post-failed"]);
  if (post && post.kind === "post-failed")
    return why("post-failed", `PoST proof failed at ${fmtWhen(post.at)}: ${post.text}`, `check the post-service log${svc ? ` (postdeck logs ${svc})` : ""}; verify the PoS data: postcli -verify -datadir <dir> -fraction 0.1`);
  const proofInGap = since.find((s) => s.kind === "post-finish" && s.at <= gap.closesAt + input.timing!.gracePeriodMs);
  if (!post || !proofInGap)
    return why("post-finish", `no PoST proof in the cycle gap ${fmtWhen(gap.opensAt)} → ${fmtWhen(gap.closesAt)}`, `keep its post-service${svc ? ` ${svc}` : ""} running (or let postdeck start it) during every cycle gap`);
  const atxFailed = lastOf(["atx-failed"]);
  const atx = lastOf(["atx-broadcast", "atx-published"]);
  if (atxFailed && (!atx || atx.at < atxFailed.at))
    return why("atx-failed", `the node failed to publish the ATX at ${fmtWhen(atxFailed.at)}: ${atxFailed.text}`, "keep the node synced and connected to peers; it retries within the publish epoch");
  if (!atx) return why("atx-published", `PoST proof done at ${fmtWhen(post.at)} but no ATX published since`, "check the node log for `failed to publish atx` and that the node is synced");
  return null;
}

export function buildTimeline(input: TimelineInput): IdentityTimeline {
  const t = input.timing;
  const merged = mergeSteps(input.steps).map((s) => (t ? { ...s, epoch: epochAt(t, s.at) } : s));
  const current = t ? epochAt(t, input.now) : Math.max(-1, ...merged.map((s) => s.epoch ?? -1));
  const wanted = [current, current - 1].filter((e) => e >= 0);
  const epochs = wanted.map((epoch) => ({ epoch, steps: merged.filter((s) => s.epoch === epoch) }));
  return {
    keyFile: input.identity.keyFile,
    shortId: input.identity.shortId,
    epochs,
    whyNoRewards: whyNoRewards(input, merged),
  };
}
