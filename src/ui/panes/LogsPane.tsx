// Logs: the tail of one source (or all interleaved), following new lines unless scrolled back.
import React from "react";
import { Box } from "ink";
import type { LogLine } from "../../protocol/model.js";
import type { RingBuffer } from "../../ring-buffer.js";
import { PaneFrame } from "../components/PaneFrame.js";
import { Line, type Segment } from "../components/Line.js";
import { linesBelow, visibleRows } from "../log-view.js";

export interface LogViewState {
  anchor: number | null; // null = following the newest line
  wrap: boolean;
  filter: string;
  search: string;
  current: number | null;
}

export interface LogsPaneProps {
  ring: RingBuffer<LogLine>;
  /** The ring's end when rendered (the ring itself changes in place): a new line there draws the pane again. */
  end?: number;
  sourceLabel: string; // "post1 (follows selection)", "all", "node"
  interleaved: boolean;
  sourceWidth: number;
  view: LogViewState;
  matchInfo: string | null; // "match 3/17" or null
  now?: number; // lines from another day show their date
  focused: boolean;
  width: number;
  height: number;
}

function LogsPaneView(p: LogsPaneProps): React.JSX.Element {
  const bodyHeight = Math.max(0, p.height - 1);
  const rows = visibleRows(p.ring, p.view.anchor, {
    height: bodyHeight,
    width: p.width,
    wrap: p.view.wrap,
    filter: p.view.filter,
    search: p.view.search,
    current: p.view.current,
    showSource: p.interleaved,
    sourceWidth: p.sourceWidth,
    now: p.now,
  });
  const info: Segment[] = [{ text: p.sourceLabel, bold: true }];
  if (p.view.anchor == null) info.push({ text: "following", tone: "ok" });
  else info.push({ text: `paused ↑${linesBelow(p.ring, p.view.anchor, p.view.filter)}`, tone: "warn", bold: true });
  if (p.view.filter) info.push({ text: `filter "${p.view.filter}"`, tone: "info" });
  if (p.view.search) info.push({ text: `search "${p.view.search}"${p.matchInfo ? " " + p.matchInfo : ""}`, tone: "info" });
  if (p.view.wrap) info.push({ text: "wrap" });
  return (
    <PaneFrame title="Logs" info={info} focused={p.focused} width={p.width} height={p.height}>
      <Box flexDirection="column">
        {rows.length === 0 ? (
          <Line segs={[{ text: p.view.filter ? " no line matches the filter (Esc clears)" : " no log lines yet", tone: "muted" }]} width={p.width} />
        ) : (
          rows.map((r, i) => <Line key={i} segs={r.segs} width={p.width} />)
        )}
      </Box>
    </PaneFrame>
  );
}

const sameDay = (a: number | undefined, b: number | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && new Date(a).toDateString() === new Date(b).toDateString());

function sameLogsProps(a: LogsPaneProps, b: LogsPaneProps): boolean {
  for (const k of Object.keys(b) as (keyof LogsPaneProps)[]) if (k !== "now" && k !== "view" && a[k] !== b[k]) return false;
  if (Object.keys(a).length !== Object.keys(b).length) return false;
  const v = Object.keys(b.view) as (keyof LogViewState)[];
  if (v.length !== Object.keys(a.view).length || v.some((k) => a.view[k] !== b.view[k])) return false;
  return b.end !== undefined && sameDay(a.now, b.now); // `now` only dates the lines of another day
}

/**
 * Drawn again only when what it shows changed: its ring's lines (by `end`), the view, the size or
 * focus, the day. Not for a key that moves nothing here, nor for lines of another source.
 */
export const LogsPane = React.memo(LogsPaneView, sameLogsProps);
