// A compact table: one line per row, column widths computed for the pane width, cells
// truncated with `…`, the selected row marked with `›` and shown in inverse video (so it
// reads without colour). Columns that do not fit are dropped, least important first.
// (ink-table 3.1 is CommonJS and cannot load under Ink 6 — ERR_REQUIRE_ASYNC_MODULE —
// and its boxed rows would not fit 80x24 panes anyway.)
import React from "react";
import { Box } from "ink";
import { Line, type Segment } from "./Line.js";
import { fit } from "../text-fit.js";
import { windowStart } from "../fleet.js";

export interface Column<T> {
  id: string;
  header: string;
  min: number; // cells
  max?: number; // grows up to this (default: min)
  align?: "left" | "right";
  cut?: "end" | "start"; // where to cut a long cell (start: paths)
  priority: number; // 0 = always shown; higher numbers are dropped first when narrow
  cell: (row: T) => Segment;
}

export interface TableProps<T> {
  columns: Column<T>[];
  rows: T[];
  width: number;
  height: number; // header + data rows
  selected: number;
  focused: boolean;
  empty: string;
  headerNote?: string;
  stale?: boolean; // the daemon is gone: every figure dimmed, nothing coloured as if live
}

/** Widths for the columns that fit in `width` (1 cell for the marker, 1 between columns). */
export function layoutColumns<T>(columns: Column<T>[], width: number): { col: Column<T>; width: number }[] {
  let shown = columns.slice();
  const need = (cs: Column<T>[], full: boolean) =>
    1 + cs.reduce((n, c) => n + (full && c.priority === 0 ? (c.max ?? c.min) : c.min), 0) + Math.max(0, cs.length - 1);
  // Drop optional columns until the essential ones (priority 0) fit at full width, so an
  // essential cell is not cut to make room for an optional one.
  while (need(shown, true) > width && shown.some((c) => c.priority > 0)) {
    const worst = shown.reduce((a, b) => (b.priority >= a.priority ? b : a));
    shown = shown.filter((c) => c !== worst);
  }
  while (shown.length > 1 && need(shown, false) > width) shown = shown.slice(0, -1);
  const needMin = (cs: Column<T>[]) => need(cs, false);
  const widths = shown.map((c) => c.min);
  let spare = width - needMin(shown);
  // Spare cells go to the most important columns first, each up to its max.
  const order = shown.map((c, i) => i).sort((a, b) => shown[a]!.priority - shown[b]!.priority || a - b);
  for (const i of order) {
    const grow = Math.min(spare, (shown[i]!.max ?? shown[i]!.min) - widths[i]!);
    if (grow > 0) {
      widths[i]! += grow;
      spare -= grow;
    }
  }
  if (spare < 0 && widths.length) widths[widths.length - 1] = Math.max(1, widths[widths.length - 1]! + spare);
  return shown.map((c, i) => ({ col: c, width: widths[i]! }));
}

export function Table<T>({ columns, rows, width, height, selected, focused, empty, stale = false }: TableProps<T>): React.JSX.Element {
  const laid = layoutColumns(columns, width);
  const visible = Math.max(0, height - 1);
  const sel = Math.min(Math.max(0, selected), Math.max(0, rows.length - 1));
  const offset = windowStart(rows.length, visible, sel);
  const header: Segment[] = [{ text: " " }];
  laid.forEach(({ col, width: w }, i) => {
    if (i > 0) header.push({ text: " " });
    header.push({ text: fit(col.header, w, col.align), bold: true });
  });
  const lines: React.JSX.Element[] = [<Line key="h" segs={header} width={width} />];
  if (rows.length === 0 && visible > 0) lines.push(<Line key="e" segs={[{ text: " " + empty, tone: "muted" }]} width={width} />);
  for (let r = offset; r < Math.min(rows.length, offset + visible); r++) {
    const row = rows[r]!;
    const isSel = r === sel;
    const more = (r === offset && offset > 0 ? "↑" : "") || (r === offset + visible - 1 && r < rows.length - 1 ? "↓" : "");
    const segs: Segment[] = [{ text: isSel ? "›" : more || " ", bold: isSel }];
    laid.forEach(({ col, width: w }, i) => {
      if (i > 0) segs.push({ text: " " });
      const c = col.cell(row);
      // The focused selection is one uniform inverse bar: coloured cells would turn into blocks.
      const cell = isSel && focused ? { text: c.text, bold: c.bold } : stale ? { text: c.text, tone: "muted" as const, dim: true } : c;
      segs.push({ ...cell, text: fit(c.text, w, col.align, col.cut) });
    });
    lines.push(<Line key={r} segs={segs} width={width} inverse={isSel && focused} />);
  }
  return <Box flexDirection="column">{lines}</Box>;
}
