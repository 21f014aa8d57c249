// Timeline steps from SmeshingIdentitiesService.States (node-split): the smeshing service names the
// identity in every state, so nothing here needs attributing. Steps carry source "grpc"; where the
// node log or AdminService events saw the same step, mergeSteps keeps one.
import type { TimelineStep } from "../../protocol/model.js";
import type { NetworkTiming } from "../../clock/epoch-clock.js";
import type { IdentityStateInfo } from "../spacemesh/node-grpc-states.js";
import { step } from "./step.js";

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const hexOf = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString("hex") : "");
const epochText = (s: IdentityStateInfo): string => (s.publishEpoch !== null ? ` (publish epoch ${s.publishEpoch})` : "");

/** One identity's states (oldest first) as steps; waiting states (registration window, round end, ATX sync) make none. */
export function stepsFromIdentityStates(states: IdentityStateInfo[], timing: NetworkTiming | null): TimelineStep[] {
  const out: TimelineStep[] = [];
  let proving: number | null = null; // GENERATING_POST_PROOF not yet followed by a ready or a retry
  const s0 = (kind: TimelineStep["kind"], s: IdentityStateInfo, ok: boolean, text: string, durationMs: number | null = null) =>
    out.push(step(kind, s.at, "grpc", ok, text, timing, durationMs));
  for (const s of [...states].sort((a, b) => a.at - b.at)) {
    const d = s.detail;
    switch (s.state) {
      case "POET_REGISTERED": {
        const regs = Array.isArray(d.registrations) ? (d.registrations as Record<string, unknown>[]) : [];
        const where = regs.map((r) => `round ${str(r.roundId) || "?"} at ${str(r.address) || "a PoET"}`).join(", ");
        s0("poet-registered", s, true, `${where || "registered in a PoET round"}${epochText(s)}`);
        break;
      }
      case "POET_PROOF_RECEIVED":
        s0("poet-proof", s, true, `PoET proof received${str(d.poetUrl) ? ` from ${str(d.poetUrl)}` : ""}${epochText(s)}`);
        break;
      case "GENERATING_POST_PROOF":
        proving = s.at;
        s0("post-start", s, true, "smeshing service: generating the PoST proof");
        break;
      case "POST_PROOF_READY":
        s0("post-finish", s, true, "smeshing service: PoST proof ready", proving !== null ? s.at - proving : null);
        proving = null;
        break;
      case "RETRYING":
        // a retry during a proof is the proof failing; otherwise the ATX could not be built
        s0(proving !== null ? "post-failed" : "atx-failed", s, false, `retrying: ${str(d.message) || "no reason given"}`);
        proving = null;
        break;
      case "ATX_BROADCASTED":
        s0("atx-broadcast", s, true, `atx ${hexOf(d.atxId).slice(0, 6) || "?"} broadcast${epochText(s)}`);
        break;
      case "ELIGIBLE": {
        const layers = Array.isArray(d.layers) ? (d.layers as { count?: unknown }[]) : [];
        const count = layers.reduce((n, l) => n + Number(l.count ?? 0), 0);
        s0("eligibility", s, true, `${count} eligibilit${count === 1 ? "y" : "ies"} in ${layers.length} layer(s)`);
        break;
      }
      case "PROPOSAL_PUBLISHED":
        s0("proposal", s, true, `proposal in layer ${String(d.layer ?? "?")}`);
        break;
      case "PROPOSAL_BUILD_FAILED":
      case "PROPOSAL_PUBLISH_FAILED":
        s0("proposal", s, false, `proposal ${s.state === "PROPOSAL_BUILD_FAILED" ? "build" : "publish"} failed in layer ${String(d.layer ?? "?")}: ${str(d.message) || "no reason given"}`);
        break;
      default:
        break;
    }
  }
  return out;
}
