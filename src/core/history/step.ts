// One timeline step, with its epoch and share of the cycle gap from the network timing (pure).
import type { TimelineStep } from "../../protocol/model.js";
import { epochAt, gapShare, type NetworkTiming } from "../../clock/epoch-clock.js";

export function step(
  kind: TimelineStep["kind"],
  at: number,
  source: TimelineStep["source"],
  ok: boolean,
  text: string,
  timing: NetworkTiming | null,
  durationMs: number | null = null,
): TimelineStep {
  return {
    kind,
    at,
    epoch: timing ? epochAt(timing, at) : null,
    source,
    ok,
    text,
    durationMs,
    gapShare: durationMs !== null && timing ? gapShare(timing, durationMs) : null,
  };
}
