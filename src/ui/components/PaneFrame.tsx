// A pane: one title row (focus shown by a `▶` marker and bold, not by colour alone) and
// its content clipped to the rows it was given.
import React from "react";
import { Box } from "ink";
import { Line, type Segment } from "./Line.js";
import { displayWidth } from "../text-fit.js";

export interface PaneFrameProps {
  title: string;
  info?: Segment[];
  focused: boolean;
  width: number;
  height: number;
  children?: React.ReactNode;
}

export function titleSegments(title: string, info: Segment[], focused: boolean, width: number): Segment[] {
  const head: Segment[] = [
    { text: focused ? "▶ " : "  ", bold: true, tone: focused ? "accent" : undefined },
    { text: title, bold: true, tone: focused ? "accent" : undefined, inverse: focused },
    ...info.flatMap((s) => [{ text: " · ", tone: "muted" as const }, s]),
    { text: " " },
  ];
  const used = head.reduce((n, s) => n + displayWidth(s.text), 0);
  head.push({ text: "─".repeat(Math.max(0, width - used)), tone: focused ? "accent" : "muted" });
  return head;
}

export function PaneFrame({ title, info = [], focused, width, height, children }: PaneFrameProps): React.JSX.Element {
  return (
    <Box flexDirection="column" width={width} height={height} overflowY="hidden">
      <Line segs={titleSegments(title, info, focused, width)} width={width} />
      <Box flexDirection="column" width={width} height={Math.max(0, height - 1)} overflowY="hidden">
        {children}
      </Box>
    </Box>
  );
}
