// A scrollable block of lines in the body area: help, details, confirmation, palette all
// render through it. Lines longer than the width are wrapped (indented), never overflow.
import React from "react";
import { Box } from "ink";
import { Line, type Segment } from "./Line.js";
import { titleSegments } from "./PaneFrame.js";
import { wrapSegments } from "../log-view.js";

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

/** Rows after wrapping: what scrolling counts in. */
export function blockRows(lines: Segment[][], width: number, wrap = true): Segment[][] {
  return wrap ? lines.flatMap((l) => wrapSegments(l, width, true)) : lines;
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
