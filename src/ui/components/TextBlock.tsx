// A scrollable block of lines in the body area: help, details, confirmation, palette all
// render through it. Lines longer than the width are wrapped (under the text they continue), never overflow.
import React from "react";
import { Box } from "ink";
import { Line, type Segment } from "./Line.js";
import { titleSegments } from "./PaneFrame.js";
import { wrapSegments } from "../log-view.js";
import { displayWidth } from "../text-fit.js";

export interface TextBlockProps {
  title: string;
  info?: Segment[];
  lines: Segment[][];
  width: number;
  height: number;
  scroll: number;
  wrap?: boolean;
  scrollHint?: string; // how to scroll, said when the lines do not fit (default "j/k scroll")
}

// a line's own indent, with a mark or bullet after it (`  ✖ `, `    • `)
const LEAD = /^ *(?:[•✔✖✗!›] )?/u;

/**
 * Where a wrapped line's continuation rows start: under its last column that begins in the row's
 * first half (a key's description, a field's value, a timeline entry's text: a part after one that
 * ends in a space), so they do not run back under its label. A part that only goes on with the
 * sentence before it (` (marked …`) is no column.
 */
export function hangColumn(segs: Segment[], width: number): number {
  let col = 0;
  let hang = 2;
  for (let i = 0; i < segs.length && col < width; i++) {
    const t = segs[i]!.text;
    const column = i === 0 || (segs[i - 1]!.text.endsWith(" ") && t.trim() !== "");
    const lead = i === 0 ? displayWidth(LEAD.exec(t)![0]) : t.length - t.trimStart().length;
    if (column && col + lead <= width / 2) hang = Math.max(hang, col + lead);
    col += displayWidth(t);
  }
  return hang;
}

/** Rows after wrapping: what scrolling counts in. */
export function blockRows(lines: Segment[][], width: number, wrap = true): Segment[][] {
  return wrap ? lines.flatMap((l) => wrapSegments(l, width, true, hangColumn(l, width))) : lines;
}

export function TextBlock({ title, info = [], lines, width, height, scroll, wrap = true, scrollHint = "j/k scroll" }: TextBlockProps): React.JSX.Element {
  const rows = blockRows(lines, width, wrap);
  const body = Math.max(0, height - 1);
  const maxScroll = Math.max(0, rows.length - body);
  const top = Math.min(Math.max(0, scroll), maxScroll);
  const more: Segment[] = rows.length > body ? [{ text: `${top + 1}-${Math.min(rows.length, top + body)}/${rows.length}${scrollHint ? " " + scrollHint : ""}`, tone: "muted" }] : [];
  return (
    <Box flexDirection="column" width={width} height={height} overflowY="hidden">
      <Line segs={titleSegments(title, [...info, ...more], true, width)} width={width} />
      {rows.slice(top, top + body).map((segs, i) => (
        <Line key={i} segs={segs} width={width} />
      ))}
    </Box>
  );
}
