// The Fleet view's rows as segments: one per rig (its connection, then the summary cells shared
// with `postdeck fleet`), the column widths fitted to the terminal, and the line under the table
// that says why the selected rig is away. Pure: the rows and the time in, segments out.
import type { Segment } from "../components/Line.js";
import { displayWidth, fit } from "../text-fit.js";
import { formatDuration } from "../../presentation/units.js";
import { SUMMARY_HEAD, summaryCells, type Cell } from "../../fleet/summary-cells.js";
import type { FleetRig } from "./fleet-store.js";

export const FLEET_HEAD = ["RIG", "CONNECTION", ...SUMMARY_HEAD];

const seg = (c: Cell, dim = false): Segment => ({ text: c.text, tone: dim ? "muted" : (c.tone ?? undefined), dim });

/** The connection cell: live, connecting, stale (the last summary kept) or unreachable, and the next retry. */
export function linkCell(r: FleetRig, now: number): Cell {
  const ro = r.rig.readOnly ? " ro" : "";
  const l = r.link;
  if (l.kind === "connected") return { text: `● live${ro}`, tone: "ok" };
  if (l.kind === "failed") return { text: "✖ cannot ask", tone: "err" };
  if (l.kind !== "disconnected") return { text: r.staleSince !== null ? `◌ stale ${formatDuration(now - r.staleSince)}` : "◌ connecting", tone: "warn" };
  const retry = l.retryAt !== null && l.retryAt > now ? `, retry ${Math.ceil((l.retryAt - now) / 1000)} s` : "";
  const what = r.bye ? "daemon stopped" : r.staleSince !== null ? `stale ${formatDuration(now - r.staleSince)}` : "unreachable";
  return { text: `${r.staleSince !== null ? "◌" : "✖"} ${what}${retry}`, tone: r.staleSince !== null ? "warn" : "err" };
}

/** Each rig's cells: name, connection, then the summary (dimmed while stale; empty while never seen). */
export function fleetCells(rows: FleetRig[], now: number): Segment[][] {
  return rows.map((r) => {
    const cells = summaryCells(r.summary);
    const stale = r.link.kind !== "connected";
    return [{ text: r.rig.name, bold: true }, seg(linkCell(r, now)), ...(cells ? cells.map((c) => seg(c, stale)) : SUMMARY_HEAD.map(() => ({ text: "" })))];
  });
}

/** Header and rows padded to common column widths; the last column takes what is left. */
export function fleetTable(rows: FleetRig[], now: number): { head: Segment[]; rows: Segment[][] } {
  const cells = fleetCells(rows, now);
  const widths = FLEET_HEAD.map((h, i) => Math.max(displayWidth(h), ...cells.map((r) => displayWidth(r[i]!.text))));
  const pad = (r: Segment[]): Segment[] => r.flatMap((s, i) => (i === r.length - 1 ? [s] : [{ ...s, text: fit(s.text, widths[i]!) }, { text: "  " }]));
  return { head: pad(FLEET_HEAD.map((text) => ({ text, bold: true }))), rows: cells.map(pad) };
}

/** Why the selected rig is not live (its last error), or null. */
export function fleetProblem(r: FleetRig | undefined): string | null {
  if (!r || r.link.kind === "connected") return null;
  if (r.link.kind === "failed" || r.link.kind === "disconnected") return `${r.rig.name} (${r.summary.via}): ${r.bye ? `the daemon stopped (${r.bye}); ` : ""}${r.link.error}`;
  return null;
}

/** Everything on screen that moves with data or the clock: the view redraws when it changes. */
export function fleetText(rows: FleetRig[], now: number): string {
  return fleetCells(rows, now)
    .map((r) => r.map((s) => `${s.text}${s.dim ? "~" : ""}`).join("|"))
    .join("\n");
}
