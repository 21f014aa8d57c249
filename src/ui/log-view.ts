// Which log lines the Logs pane shows and how: pure functions over a ring buffer. Only the
// lines that fit are built (never the whole buffer), a filter hides other lines, a search
// highlights matches without hiding anything, long lines are cut or wrapped.
import type { LogLevel, LogLine } from "../protocol/model.js";
import type { RingBuffer } from "../ring-buffer.js";
import type { Segment } from "./components/Line.js";
import type { Tone } from "./theme.js";
import { chunk, displayWidth, fit, sanitize } from "./text-fit.js";
import { displayText } from "./log-format.js";

export interface LogViewQuery {
  height: number; // rows for lines
  width: number;
  wrap: boolean;
  filter: string; // "" = all lines
  search: string; // "" = no highlight
  current: number | null; // absolute index of the current search match
  showSource: boolean; // prefix each line with its source (interleaved view)
  sourceWidth: number;
  now?: number; // lines from another day than this get their date (`Nov 28`) before the time
}

export interface LogViewRow {
  abs: number;
  segs: Segment[];
}

const LEVEL: Record<LogLevel, { text: string; tone: Tone }> = {
  ERROR: { text: "ERR ", tone: "err" },
  WARN: { text: "WARN", tone: "warn" },
  INFO: { text: "INFO", tone: "info" },
  DEBUG: { text: "DBG ", tone: "muted" },
  TRACE: { text: "TRC ", tone: "muted" },
};

/** Case-insensitive match on the text the pane shows (so every match can be highlighted). */
export const matches = (line: LogLine, needle: string): boolean =>
  needle === "" || displayText(line).toLowerCase().includes(sanitize(needle).toLowerCase());

type LineQuery = Pick<LogViewQuery, "search" | "showSource" | "sourceWidth" | "now">;

/** What comes before a line's text: the current-match mark, its source (interleaved), level and day. */
function linePrefix(line: LogLine, q: LineQuery, isCurrent: boolean): Segment[] {
  const segs: Segment[] = [];
  segs.push({ text: isCurrent ? "›" : " ", bold: true });
  if (q.showSource) segs.push({ text: fit(line.source, q.sourceWidth) + " ", tone: "accent" });
  const lvl = line.level ? LEVEL[line.level] : null;
  segs.push(lvl ? { text: lvl.text, tone: lvl.tone, bold: line.level === "ERROR" } : { text: "    " });
  segs.push({ text: " " });
  if (q.now != null) {
    const day = dayLabel(line.at, q.now);
    if (day) segs.push({ text: day + " ", tone: "muted" });
  }
  return segs;
}

/** Segments of one log line, with every occurrence of `search` highlighted. */
export function lineSegments(line: LogLine, q: LineQuery, isCurrent: boolean): Segment[] {
  return [...linePrefix(line, q, isCurrent), ...lineText(line, q, isCurrent)];
}

function lineText(line: LogLine, q: LineQuery, isCurrent: boolean): Segment[] {
  const segs: Segment[] = [];
  const text = displayText(line);
  if (!q.search) {
    segs.push({ text });
    return segs;
  }
  const hay = text.toLowerCase();
  const needle = sanitize(q.search).toLowerCase();
  let from = 0;
  for (;;) {
    const i = hay.indexOf(needle, from);
    if (i === -1 || needle === "") break;
    if (i > from) segs.push({ text: text.slice(from, i) });
    segs.push({ text: text.slice(i, i + needle.length), inverse: true, tone: "warn", bold: isCurrent });
    from = i + needle.length;
  }
  if (from < text.length) segs.push({ text: text.slice(from) });
  return segs;
}

/**
 * Split a row of segments into rows of at most `width` cells (wrap mode); `words` breaks at spaces when it can.
 * A continuation row starts `hang` cells in (under the text it continues), or 2 when `hang` is over half the
 * width or the word it starts with (a path, a command) would fit whole only there.
 */
export function wrapSegments(segs: Segment[], width: number, words = false, hang = 2): Segment[][] {
  if (width < 4) return [segs]; // too narrow to wrap: the row is cut instead
  const deep = hang > 2 && hang <= width / 2 ? hang : 2;
  const rows: Segment[][] = [[]];
  let used = 0;
  let indent = 0; // of the current row
  const newRow = (rest: string): string => {
    const text = words ? rest.replace(/^ +/, "") : rest; // a break at a space does not start the next row with it
    const sp = text.indexOf(" ");
    const word = displayWidth(sp === -1 ? text : text.slice(0, sp));
    indent = deep > 2 && word > width - deep && word <= width - 2 ? 2 : deep;
    rows.push([{ text: " ".repeat(indent) }]);
    used = indent;
    return text;
  };
  for (const s of segs) {
    let rest = s.text;
    while (rest.length > 0) {
      const room = width - used;
      if (room <= 0) {
        rest = newRow(rest);
        continue;
      }
      const parts = chunk(rest, room);
      let head = parts[0]!;
      if (words && head.length < rest.length && rest[head.length] !== " ") {
        const sp = head.lastIndexOf(" ");
        if (sp > 0) head = head.slice(0, sp + 1);
        else if (used > Math.max(2, indent)) {
          rest = newRow(rest);
          continue;
        }
      }
      if (head === "") {
        // A wide character that does not fit the rest of the row.
        rest = newRow(rest);
        continue;
      }
      rows[rows.length - 1]!.push({ ...s, text: head });
      used += displayWidth(head);
      rest = rest.slice(head.length);
    }
  }
  return rows;
}

/** Absolute index one past the newest line shown: `anchor` when paused, else the buffer's end. */
export const viewEnd = (ring: RingBuffer<LogLine>, anchor: number | null): number =>
  anchor == null ? ring.end : Math.max(Math.min(anchor, ring.end), Math.min(ring.end, ring.start + 1));

export function visibleRows(ring: RingBuffer<LogLine>, anchor: number | null, q: LogViewQuery): LogViewRow[] {
  const out: LogViewRow[][] = [];
  let rowsUsed = 0;
  for (let i = viewEnd(ring, anchor) - 1; i >= ring.start && rowsUsed < q.height; i--) {
    const line = ring.at(i)!;
    if (!matches(line, q.filter)) continue;
    const prefix = linePrefix(line, q, i === q.current);
    const segs = [...prefix, ...lineText(line, q, i === q.current)];
    // wrapped rows continue under the line's text, not under its source and level
    const rows = q.wrap ? wrapSegments(segs, q.width, true, prefix.reduce((n, p) => n + displayWidth(p.text), 0)) : [segs];
    const room = q.height - rowsUsed; // the top line may be partly shown
    const kept = rows.length > room ? rows.slice(rows.length - room) : rows;
    out.push(kept.map((segs) => ({ abs: i, segs })));
    rowsUsed += kept.length;
  }
  return out.reverse().flat();
}

/** Matching lines after the view (how far the paused view is from the newest line). */
export function linesBelow(ring: RingBuffer<LogLine>, anchor: number | null, filter: string): number {
  if (anchor == null) return 0;
  let n = 0;
  for (let i = viewEnd(ring, anchor); i < ring.end; i++) if (matches(ring.at(i)!, filter)) n++;
  return n;
}

/** Move the view by `delta` matching lines (negative = older). Returns null when back at the newest line (follow). */
export function moveAnchor(ring: RingBuffer<LogLine>, anchor: number | null, delta: number, filter: string, height: number): number | null {
  let end = viewEnd(ring, anchor);
  if (delta < 0) {
    // Never scroll past the point where the oldest matching line is at the top.
    let canGoBack = -height;
    for (let i = end - 1; i >= ring.start; i--) if (matches(ring.at(i)!, filter)) canGoBack++;
    let steps = Math.min(-delta, Math.max(0, canGoBack));
    while (steps > 0 && end > ring.start) {
      end--;
      if (matches(ring.at(end)!, filter)) steps--;
    }
    return end;
  }
  let steps = delta;
  while (steps > 0 && end < ring.end) {
    if (matches(ring.at(end)!, filter)) steps--;
    end++;
  }
  return end >= ring.end ? null : end;
}

/** View end that shows the oldest lines. */
export function topAnchor(ring: RingBuffer<LogLine>, filter: string, height: number): number | null {
  return moveAnchor(ring, ring.start, height, filter, height) ?? ring.end;
}

/** `3/17`: which match the current one is, counted from the oldest line, or `17 matches` without one. */
export function matchPosition(ring: RingBuffer<LogLine>, current: number | null, search: string, filter: string): string | null {
  if (!search) return null;
  let n = 0;
  let at = 0;
  for (let i = ring.start; i < ring.end; i++) {
    const l = ring.at(i)!;
    if (matches(l, filter) && matches(l, search)) {
      n++;
      if (i === current) at = n;
    }
  }
  return at ? `match ${at}/${n}` : `${n} match${n === 1 ? "" : "es"}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** `Nov 28` for a time on another (local) day than `now`; null for today. */
export function dayLabel(at: number, now: number): string | null {
  const d = new Date(at);
  const n = new Date(now);
  if (d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate()) return null;
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")}`;
}

/** The next search match older (dir -1) or newer (dir +1) than `from`; null when none. */
export function findMatch(ring: RingBuffer<LogLine>, from: number, dir: -1 | 1, search: string, filter: string): number | null {
  if (!search) return null;
  for (let i = from + dir; i >= ring.start && i < ring.end; i += dir) {
    const l = ring.at(i)!;
    if (matches(l, filter) && matches(l, search)) return i;
  }
  return null;
}
