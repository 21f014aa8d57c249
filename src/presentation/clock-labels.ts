// The epoch clock for people: the current epoch and the cycle gap countdown, computed from the
// daemon's ClockView and the reader's own time (so a view a minute old still counts down right).
import type { ClockView } from "../protocol/model.js";
import { readClock } from "../clock/epoch-clock.js";
import { formatCountdown } from "./units.js";
import type { Label } from "./labels.js";

export interface ClockLabels {
  epoch: number;
  /** `gap in 2d 04h` or `gap open · closes in 7h 12m`. */
  gap: Label;
  /** Shorter forms for narrow headers: `gap 2d 04h`, `gap closes 7h 12m` (not `gap open 7h 12m`: read as how long it has been open). */
  gapShort: string;
  /** Set when the timing is mainnet's fallback rather than the node's own config. */
  fallback: boolean;
}

export function clockLabels(c: ClockView, now: number): ClockLabels {
  const r = readClock(c, now);
  const fallback = c.source === "mainnet-fallback";
  if (r.gapOpen) {
    const left = formatCountdown(r.gap.closesAt - now);
    return { epoch: r.epoch, gap: { text: `gap open · closes in ${left}`, tone: "warn" }, gapShort: `gap closes ${left}`, fallback };
  }
  const until = formatCountdown(r.gap.opensAt - now);
  return { epoch: r.epoch, gap: { text: `gap in ${until}`, tone: "info" }, gapShort: `gap ${until}`, fallback };
}
