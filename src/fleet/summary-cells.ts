// A rig's summary as table cells, each with a tone: what `postdeck fleet` prints (coloured when
// on a terminal) and the console's Fleet view shows, worded once. Pure.
import { formatDuration } from "../presentation/units.js";
import type { RigSummary } from "./summary.js";

export type CellTone = "ok" | "warn" | "err" | null;
export interface Cell {
  text: string;
  tone: CellTone;
}

/** The columns summaryCells fills. */
export const SUMMARY_HEAD = ["NODE", "EPOCH", "GAP", "IDENTITIES", "SERVICES", "WORST FINDING"] as const;

const cell = (text: string, tone: CellTone = null): Cell => ({ text, tone });

/** The SUMMARY_HEAD cells of a rig whose daemon answered; null for one that did not. */
export function summaryCells(r: RigSummary): Cell[] | null {
  if (!r.node || !r.identities || !r.services || !r.findings) return null;
  const n = r.node;
  const node = !n.reachable ? cell("✖ down", "err") : n.synced === false ? cell("◐ syncing", "warn") : n.synced ? cell("● synced", "ok") : cell("? unknown");
  const gap = n.gap ? (n.gap.open ? cell(`open, closes in ${formatDuration(n.gap.msLeft)}`, "warn") : cell(`in ${formatDuration(n.gap.msLeft)}`)) : cell("—");
  const i = r.identities;
  const ids = cell(`${i.total} · ${i.registered} reg · ${i.proving} proving${i.withErrors ? ` · ${i.withErrors} err` : ""}`, i.withErrors ? "err" : null);
  const s = r.services;
  const svc = cell(`${s.running}/${s.total} running${s.failed ? ` · ${s.failed} failed` : ""}`, s.failed ? "err" : null);
  const w = r.findings.worst;
  const worst = !w
    ? cell("✓ none", "ok")
    : cell(`${w.severity === "error" ? "✖" : w.severity === "warning" ? "!" : "i"} ${w.severity}: ${w.title}${w.subject ? ` (${w.subject})` : ""}`, w.severity === "error" ? "err" : w.severity === "warning" ? "warn" : null);
  return [node, cell(n.epoch === null ? "—" : String(n.epoch)), gap, ids, svc, worst];
}
