// The proving plan as lines: one lane per disk, a bar per identity from its predicted start to
// its finish on a shared time axis, the gap's edges (┃) and now (│) marked on every row, and
// each predicted miss marked with colour AND a symbol and word, with its reason and fix. Pure.
import type { Plan, PlanEntry } from "../../protocol/model.js";
import type { Segment } from "../components/Line.js";
import { formatCountdown, formatLateness, formatWhen } from "../../presentation/units.js";
import { sanitize } from "../text-fit.js";

const NAME_W = 12;
const STATE_W = 11;

function span(plan: Plan, now: number): [number, number] {
  let lo = plan.window?.opensAt ?? now;
  let hi = plan.window?.closesAt ?? now + 3_600_000;
  for (const e of plan.identities) {
    if (e.predictedStart != null) lo = Math.min(lo, e.predictedStart);
    if (e.predictedFinish != null) hi = Math.max(hi, e.predictedFinish);
  }
  lo = Math.min(lo, now);
  hi = Math.max(hi, now + 1);
  return [lo, hi];
}

const STATE_TEXT: Record<PlanEntry["state"], string> = {
  waiting: "○ waiting",
  queued: "◌ queued",
  proving: "◐ proving",
  done: "✔ done",
  failed: "✖ failed",
  "not-needed": "– not needed",
};

/** The axis: a row of cells from `lo` to `hi`, each `(hi-lo)/width` long. */
function axis(lo: number, hi: number, width: number) {
  const at = (t: number) => Math.max(0, Math.min(width - 1, Math.floor(((t - lo) / (hi - lo)) * width)));
  return { at };
}

export function planLines(plan: Plan, width: number, now: number): Segment[][] {
  const lines: Segment[][] = [];
  const barW = Math.max(10, width - NAME_W - STATE_W - 4);
  const [lo, hi] = span(plan, now);
  const ax = axis(lo, hi, barW);
  const open = plan.window ? ax.at(plan.window.opensAt) : null;
  const close = plan.window ? ax.at(plan.window.closesAt) : null;
  const nowAt = ax.at(now);
  const misses = plan.identities.filter((e) => !e.fits && e.state !== "done" && e.state !== "not-needed");
  if (plan.window) {
    const w = plan.window;
    const when = now < w.opensAt ? `opens in ${formatCountdown(w.opensAt - now)}` : now < w.closesAt ? `open · closes in ${formatCountdown(w.closesAt - now)}` : "closed";
    lines.push([{ text: `  gap ${formatWhen(w.opensAt, now)} → ${formatWhen(w.closesAt, now)} (${when}) · mode ${plan.mode}` }]);
  } else lines.push([{ text: "  no gap known yet (the node's timing is not read): bars show predicted durations only", tone: "warn" }]);
  lines.push(
    misses.length
      ? [{ text: `  ✖ ${misses.length} predicted to MISS the gap`, tone: "err", bold: true }, { text: " (marked ✖ MISS below, with why and what would fix it)" }]
      : [{ text: "  ✔ every identity fits in the gap", tone: "ok", bold: true }],
  );
  // ruler: gap edges and now
  const ruler = Array.from({ length: barW }, () => " ");
  if (open != null) ruler[open] = "┃";
  if (close != null) ruler[close] = "┃";
  ruler[nowAt] = "▼";
  lines.push([{ text: `  ${"".padEnd(NAME_W)} ${"".padEnd(STATE_W)} ` }, { text: ruler.join(""), tone: "info" }]);
  lines.push([{ text: `  ${"".padEnd(NAME_W)} ${"".padEnd(STATE_W)} ` }, { text: "▼ now  ┃ gap opens / closes", tone: "muted" }]);
  const byLane = new Map<string, PlanEntry[]>();
  for (const e of plan.identities) byLane.set(e.disk, [...(byLane.get(e.disk) ?? []), e]);
  const lanes = plan.lanes.length ? plan.lanes : [...byLane.keys()].map((disk) => ({ disk, devices: [], dirs: [], perDisk: 1 }));
  for (const lane of lanes) {
    const entries = byLane.get(lane.disk) ?? [];
    lines.push([], [
      { text: `  disk ${lane.disk}`, bold: true, underline: true },
      // the PoS dirs only when wide: the rows below name each identity anyway
      { text: ` · ${lane.perDisk} at a time${lane.devices.length ? " · " + lane.devices.join(", ") : ""}${lane.dirs.length && width >= 160 ? " · " + lane.dirs.join(", ") : ` · ${entries.length} identit${entries.length === 1 ? "y" : "ies"}`}`, tone: "muted" },
    ]);
    if (entries.length === 0) lines.push([{ text: "    no identity on this disk", tone: "muted" }]);
    for (const e of entries) {
      const miss = !e.fits && e.state !== "done" && e.state !== "not-needed";
      const cells: string[] = Array.from({ length: barW }, (_, i) => (i === open || i === close ? "┃" : i === nowAt ? "│" : "·"));
      if (e.predictedStart != null && e.predictedFinish != null) {
        const a = ax.at(e.predictedStart);
        const b = Math.max(a, ax.at(e.predictedFinish));
        for (let i = a; i <= b; i++) cells[i] = miss ? "▓" : "█";
      }
      const name = e.keyFile.replace(/\.key$/, "");
      const row: Segment[] = [
        { text: `  ${name.length > NAME_W ? name.slice(0, NAME_W - 1) + "…" : name.padEnd(NAME_W)} `, bold: true },
        { text: STATE_TEXT[e.state].padEnd(STATE_W) + " ", tone: e.state === "failed" ? "err" : e.state === "done" ? "ok" : e.state === "proving" ? "accent" : undefined },
        { text: cells.join(""), tone: miss ? "err" : e.state === "done" ? "ok" : "info" },
      ];
      lines.push(row);
      if (miss)
        lines.push([
          { text: `    ✖ MISS${e.missByMs != null ? ` by ${formatLateness(e.missByMs)}` : ""}: `, tone: "err", bold: true },
          { text: sanitize(e.reason ?? "predicted to finish after the gap closes") },
          { text: e.fix ? ` — fix: ${sanitize(e.fix)}` : "", tone: "info" },
        ]);
    }
  }
  lines.push([], [{ text: `  predictions: ${[...new Set(plan.identities.map((e) => e.basis))].join("; ") || "—"}`, tone: "muted" }]);
  return lines;
}
