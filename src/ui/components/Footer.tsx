// Bottom two rows: the keys of the focused pane (or of the open overlay), and a status line
// for action results, errors and text being typed.
import React from "react";
import { Box } from "ink";
import { Line, type Segment } from "./Line.js";
import type { Tone } from "../theme.js";

export interface StatusMessage {
  text: string;
  tone: Tone;
  at: number; // when it was said (messages fade after a while)
  sticky?: boolean; // stays until the next message (a result the operator must act on)
}

export interface FooterProps {
  keys: [string, string][]; // [keys, label]
  status: Segment[];
  width: number;
}

export function keySegments(keys: [string, string][]): Segment[] {
  return keys.flatMap(([k, label], i) => [
    ...(i > 0 ? [{ text: "  " }] : []),
    { text: k, bold: true, tone: "info" as const },
    { text: " " + label },
  ]);
}

export function Footer({ keys, status, width }: FooterProps): React.JSX.Element {
  return (
    <Box flexDirection="column">
      <Line segs={keySegments(keys)} width={width} />
      <Line segs={status} width={width} />
    </Box>
  );
}
