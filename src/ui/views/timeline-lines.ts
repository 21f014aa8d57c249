// The identity timeline as lines: the current and previous epoch, each step with when, what,
// whether it went well (symbol and word) and where postdeck learnt it; then the one-line
// "why no rewards" with its fix. Pure, so it is tested without rendering.
import type { IdentityTimeline, TimelineStep } from "../../protocol/model.js";
import type { Segment } from "../components/Line.js";
import { formatDuration, formatWhen } from "../../presentation/units.js";
import { sanitize } from "../text-fit.js";

const STEP_LABEL: Record<TimelineStep["kind"], string> = {
  "poet-registered": "PoET registered",
  "poet-proof": "PoET proof",
  "post-start": "PoST started",
  "post-finish": "PoST finished",
  "post-failed": "PoST failed",
  "atx-broadcast": "ATX broadcast",
  "atx-published": "ATX published",
  "atx-failed": "ATX failed",
  eligibility: "eligibility",
  proposal: "proposal",
  malfeasance: "malfeasance",
};

export function timelineLines(t: IdentityTimeline, currentEpoch: number | null, now: number): Segment[][] {
  const lines: Segment[][] = [];
  if (t.whyNoRewards)
    lines.push(
      [{ text: "  ✖ no rewards: ", tone: "err", bold: true }, { text: `${t.whyNoRewards.step} — ${sanitize(t.whyNoRewards.text)}` }],
      [{ text: "    fix: ", tone: "info", bold: true }, { text: sanitize(t.whyNoRewards.fix) }],
    );
  else lines.push([{ text: "  ✔ on track for rewards", tone: "ok", bold: true }]);
  const epochs = t.epochs.slice(0, 2);
  if (epochs.length === 0) lines.push([], [{ text: "  no steps seen yet for this identity", tone: "muted" }]);
  for (const e of epochs) {
    const which = currentEpoch == null ? "" : e.epoch === currentEpoch ? " (current)" : e.epoch === currentEpoch - 1 ? " (previous)" : "";
    lines.push([], [{ text: `  Epoch ${e.epoch}${which}`, bold: true, underline: true }]);
    if (e.steps.length === 0) lines.push([{ text: "    nothing yet", tone: "muted" }]);
    for (const s of e.steps) {
      const extra = s.durationMs != null ? ` · took ${formatDuration(s.durationMs)}${s.gapShare != null ? ` (${Math.round(s.gapShare * 100)}% of the gap)` : ""}` : "";
      lines.push([
        { text: `    ${formatWhen(s.at, now).padEnd(12)} ` },
        { text: s.ok ? "✔ " : "✖ ", tone: s.ok ? "ok" : "err", bold: true },
        { text: STEP_LABEL[s.kind].padEnd(15) + " ", bold: !s.ok, tone: s.ok ? undefined : "err" },
        { text: `${sanitize(s.text)}${extra}` }, // a wrapped text goes on in its column (hangColumn)
        { text: `  [${s.source}]`, tone: "muted" },
      ]);
    }
  }
  return lines;
}
