// The main table: one row per identity with its post-service joined in (k9s/htop style), so a
// fleet of 64 identities reads at 80x24. Services without a key and keys without a service
// have rows too. A failed service's reason shows in the row when wide, else on a line under it.
import React from "react";
import type { Finding, TaskView } from "../../protocol/model.js";
import { Table, type Column } from "../components/Table.js";
import { PaneFrame } from "../components/PaneFrame.js";
import { Line, type Segment } from "../components/Line.js";
import { operatorShort, postStateLabel, serviceRowLabel, type Label } from "../../presentation/labels.js";
import { formatBytesShort, formatDuration } from "../../presentation/units.js";
import { attention, findingsFor } from "../findings.js";
import { taskShort } from "../flows/task-progress.js";
import { countsText, fleetCounts, positionText, type FleetRow, type FleetSort } from "../fleet.js";
import { layoutColumns } from "../components/Table.js";
import { displayWidth } from "../text-fit.js";

export interface FleetPaneProps {
  rows: FleetRow[]; // filtered and sorted
  all: FleetRow[];
  findings: Finding[];
  sort: FleetSort;
  filter: string;
  selected: number;
  focused: boolean;
  width: number;
  height: number;
  now: number;
  tasks?: TaskView[];
  stale?: boolean;
  connecting?: boolean;
}

const REG_SHORT: Record<string, Label> = {
  yes: { text: "✔ yes", tone: "ok" },
  "not-yet": { text: "… not yet", tone: "warn" },
  "restart-needed": { text: "↻ restart", tone: "err" },
  unknown: { text: "? unknown", tone: "muted" },
};

const NO_MARK: Segment = Object.freeze({ text: "" });
// Each identity's mark for a findings list, kept while both are (the snapshot replaces them when they change):
// the table asks for the marks of every row on every render, for the column's width.
const marks = new WeakMap<Finding[], WeakMap<object, Segment>>();

/** The findings mark of a row: `!N` (errors and warnings that concern it), or nothing. The same (read-only) object for the same identity and findings. */
export function attentionMark(r: FleetRow, findings: Finding[]): Segment {
  if (!r.identity) return NO_MARK;
  let byIdentity = marks.get(findings);
  if (!byIdentity) marks.set(findings, (byIdentity = new WeakMap()));
  let mark = byIdentity.get(r.identity);
  if (!mark) {
    const a = attention(findingsFor(r.identity, findings));
    mark = a.count ? { text: `!${a.count}`, tone: a.severity === "error" ? "err" : "warn", bold: true } : NO_MARK;
    byIdentity.set(r.identity, mark);
  }
  return mark;
}

/** Cells the marks of `rows` need: 2 (`!N`), one more from 10 findings on (`!12`), so a count is never cut. */
export function attentionWidth(rows: FleetRow[], findings: Finding[]): number {
  if (findings.length < 10) return 2;
  return rows.reduce((w, r) => Math.max(w, attentionMark(r, findings).text.length), 2);
}

export function fleetColumns(findings: Finding[], now: number, markWidth = 2): Column<FleetRow>[] {
  return [
    {
      id: "attention",
      header: "!",
      min: markWidth, // 2 cells (`!3`); 3 only while some row has 10 or more (`!12`): the UP column may give way at 80 columns then
      priority: 0,
      cell: (r) => attentionMark(r, findings),
    },
    { id: "name", header: "NAME", min: 7, max: 12, priority: 0, cell: (r) => ({ text: r.name, bold: true }) },
    {
      id: "id",
      header: "ID",
      min: 6,
      priority: 3,
      cell: (r) => (!r.identity ? { text: "no key", tone: "warn" } : r.identity.shortId ? { text: r.identity.shortId } : { text: "✖ bad", tone: "err" }),
    },
    {
      id: "size",
      header: "SIZE",
      min: 6,
      align: "right",
      priority: 2,
      cell: (r) => {
        const i = r.identity;
        if (!i) return { text: "—", tone: "muted" };
        if (i.initState === "initialising") return { text: "◐ init", tone: "warn" };
        if (i.initState === "missing") return { text: "✖ none", tone: "err" };
        return { text: formatBytesShort(i.sizeBytes) };
      },
    },
    { id: "registered", header: "REGISTERED", min: 10, priority: 1, cell: (r) => (r.identity ? REG_SHORT[r.identity.registered]! : { text: "—", tone: "muted" }) },
    { id: "post", header: "NODE", min: 7, priority: 2, cell: (r) => postStateLabel(r.identity?.postState ?? null) },
    {
      id: "service",
      header: "SERVICE",
      min: 10,
      max: 13,
      priority: 0,
      cell: (r) => (r.service ? serviceRowLabel(r.service, now) : { text: "— none", tone: "warn" }),
    },
    { id: "proving", header: "PROVING", min: 7, max: 9, priority: 0, cell: (r) => (r.service ? operatorShort(r.service.operator) : { text: "—", tone: "muted" }) },
    {
      id: "uptime",
      header: "UP",
      min: 6,
      align: "right",
      priority: 4,
      cell: (r) => {
        const s = r.service;
        if (!s || s.startedAt == null || s.state !== "running") return { text: "—", tone: "muted" };
        const ms = now - s.startedAt;
        return { text: ms < 60_000 ? "<1m" : formatDuration(ms) };
      },
    },
    { id: "cpu", header: "CPU%", min: 5, align: "right", priority: 5, cell: (r) => ({ text: r.service?.cpuPercent != null ? r.service.cpuPercent.toFixed(0) : "—" }) },
    { id: "rss", header: "RSS", min: 6, align: "right", priority: 5, cell: (r) => ({ text: formatBytesShort(r.service?.rssBytes) }) },
    {
      id: "restarts",
      header: "RST",
      min: 3,
      align: "right",
      priority: 5,
      cell: (r) => ({ text: r.service ? String(r.service.restarts) : "—", tone: (r.service?.restarts ?? 0) > 0 ? "warn" : undefined }),
    },
    { id: "svcname", header: "SERVICE NAME", min: 12, max: 14, priority: 6, cell: (r) => ({ text: r.service && r.identity ? r.service.name : "" }) },
    {
      id: "reason",
      header: "WHY",
      min: 14,
      max: 60,
      priority: 7,
      cell: (r) => ({ text: r.service?.reason ?? queuedReason(r) ?? "", tone: r.service?.state === "failed" ? "err" : "muted" }),
    },
  ];
}

/** Why the orchestrator holds a service back (queued: its disk or the RAM budget is taken), or null. */
function queuedReason(r: FleetRow): string | null {
  const o = r.service?.orchestration;
  return o?.state === "queued" && r.service?.state !== "running" ? `queued: ${o.reason ?? "waiting for its turn"}` : null;
}

/**
 * Whether the line under the table can show for some selection: a row that failed with a reason,
 * or one the orchestrator queues. The layout keeps a row for it while any can, so moving the
 * selection does not resize the pane and the line never hides the table's last row.
 */
export function mayShowReasonLine(rows: FleetRow[]): boolean {
  return rows.some((r) => failedWithReason(r) || queuedReason(r) !== null);
}

/** A service that failed (or waits out a backoff) and says why. */
function failedWithReason(r: FleetRow | undefined): boolean {
  return Boolean(r?.service?.reason && (r.service.state === "failed" || r.service.state === "backoff"));
}

/**
 * The one line under the table when the WHY column does not fit: why a service failed (the
 * selected one, else the first), or why the selected one is queued.
 */
export function reasonLine(rows: FleetRow[], selected: number): Segment[] | null {
  const sel = rows[selected];
  const failedSel = failedWithReason(sel);
  const queued = sel && !failedSel ? queuedReason(sel) : null;
  if (sel && queued) return [{ text: " ◷ ", tone: "warn", bold: true }, { text: `${sel.name}: `, bold: true }, { text: queued, tone: "warn" }];
  const pick = failedSel ? sel : rows.find((r) => r.service?.state === "failed" && r.service.reason);
  if (!pick?.service?.reason) return null;
  return [
    { text: " ✖ ", tone: "err", bold: true },
    { text: `${pick.name}: `, bold: true },
    { text: pick.service.reason, tone: "err" },
  ];
}

/**
 * The text of the cells that move with the clock alone (a backoff's countdown, uptimes): the
 * console redraws when it changes (App's useClock), and the pane is drawn again for a new `now`
 * only when it changed.
 */
export function fleetClockText(rows: FleetRow[], now: number, which: "service" | "uptime" | "both" = "both"): string {
  const cols = fleetColumns([], now).filter((c) => (which === "both" ? c.id === "service" || c.id === "uptime" : c.id === which));
  let text = "";
  for (const r of rows) for (const c of cols) text += c.cell(r).text + " ";
  return text;
}

function sameFleetProps(a: FleetPaneProps, b: FleetPaneProps): boolean {
  for (const k of Object.keys(b) as (keyof FleetPaneProps)[]) if (k !== "now" && a[k] !== b[k]) return false;
  if (Object.keys(a).length !== Object.keys(b).length) return false;
  return a.now === b.now || fleetClockText(b.rows, a.now) === fleetClockText(b.rows, b.now);
}

const TITLE_WIDTH = displayWidth("▶ Identities ");

function FleetPaneView(p: FleetPaneProps): React.JSX.Element {
  const columns = fleetColumns(p.findings, p.now, attentionWidth(p.rows, p.findings));
  const whyShown = layoutColumns(columns, p.width).some((c) => c.col.id === "reason");
  const reason = whyShown ? null : reasonLine(p.rows, p.selected);
  const tableHeight = p.height - 1 - (reason ? 1 : 0);
  const counts = fleetCounts(p.all);
  // What matters most first: on a narrow row the findings count loses its "(press !)" and the sort goes
  // before the row is cut (the findings, the tasks and where the rows are stay).
  const info: Segment[] = [{ text: countsText(counts), tone: p.stale ? "muted" : undefined }];
  if (p.stale) info.unshift({ text: "STALE", tone: "err", bold: true, inverse: true });
  if (p.filter) info.push({ text: `filter "${p.filter}" ${p.rows.length}/${p.all.length}`, tone: "info" });
  const loud = attention(p.findings);
  const loudMark: Segment = { text: `! ${loud.count}`, tone: loud.severity === "error" ? "err" : "warn", bold: true };
  if (loud.count) info.push(loudMark);
  for (const t of (p.tasks ?? []).filter((x) => x.state === "running")) info.push({ text: taskShort(t), tone: "info", bold: true });
  if (p.rows.length > tableHeight - 1) info.push({ text: positionText(p.rows.length, tableHeight - 1, p.selected) });
  const sort: Segment = { text: `sort ${p.sort.key}${p.sort.desc ? " ↑" : ""}`, tone: "muted" };
  const fits = (extra: Segment[]) => [...info, ...extra].reduce((n, s) => n + 3 + displayWidth(s.text), TITLE_WIDTH) <= p.width;
  if (loud.count && fits([sort, { text: " (press !)" }])) loudMark.text += " (press !)";
  if (fits([sort])) info.push(sort);
  const empty = p.connecting
    ? "connecting to the daemon…"
    : p.filter
      ? `nothing matches "${p.filter}" (Esc clears)`
      : "no identities and no services yet: a adds an identity, i imports one";
  return (
    <PaneFrame title="Identities" info={info} focused={p.focused} width={p.width} height={p.height}>
      <Table columns={columns} rows={p.rows} width={p.width} height={tableHeight} selected={p.selected} focused={p.focused} empty={empty} stale={p.stale} />
      {reason ? <Line segs={reason} width={p.width} /> : null}
    </PaneFrame>
  );
}

/**
 * Drawn again only when what it shows changed: not for log lines, the node's layer or a sample
 * elsewhere (the console passes the same rows while the snapshot's identities and services stay),
 * nor for a new `now` that moves none of its cells.
 */
export const FleetPane = React.memo(FleetPaneView, sameFleetProps);
