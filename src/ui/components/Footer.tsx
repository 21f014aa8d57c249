// Bottom two rows: the keys of the focused pane (or of the open overlay), and a status line
// for action results, errors and text being typed.
import React from "react";
import { Box } from "ink";
import { Line, sameSegments, type Segment } from "./Line.js";
import type { Tone } from "../theme.js";
import { displayWidth } from "../text-fit.js";

export interface StatusMessage {
  text: string;
  tone: Tone;
  at: number; // when it was said (messages fade after a while)
  sticky?: boolean; // stays until the next message (a result the operator must act on)
}

export interface FooterProps {
  keys: [string, string][]; // [keys, label], most important first
  status: Segment[];
  width: number;
  hintRows?: number; // rows of key hints (default 1)
}

/**
 * The key hints packed into `rows` rows of `width` cells, in priority order: a hint that does
 * not fit whole is left out (the rest still get their chance), never cut in the middle.
 */
export function fitHints(keys: [string, string][], width: number, rows = 1): [string, string][][] {
  const out: [string, string][][] = Array.from({ length: rows }, () => []);
  const used = Array.from({ length: rows }, () => 0);
  for (const k of keys) {
    const w = displayWidth(k[0]) + 1 + displayWidth(k[1]);
    const r = used.findIndex((u, i) => u + (out[i]!.length ? 2 : 0) + w <= width);
    if (r === -1) continue;
    used[r]! += (out[r]!.length ? 2 : 0) + w;
    out[r]!.push(k);
  }
  return out;
}

export function keySegments(keys: [string, string][]): Segment[] {
  return keys.flatMap(([k, label], i) => [
    ...(i > 0 ? [{ text: "  " }] : []),
    { text: k, bold: true, tone: "info" as const },
    { text: " " + label },
  ]);
}

function FooterView({ keys, status, width, hintRows = 1 }: FooterProps): React.JSX.Element {
  return (
    <Box flexDirection="column">
      {fitHints(keys, width, hintRows).map((row, i) => (
        <Line key={i} segs={keySegments(row)} width={width} />
      ))}
      <Line segs={status} width={width} />
    </Box>
  );
}

/** Drawn again when its keys (the same array for the same pane and state: footer-keys.ts), its status text or its size changed. */
export const Footer = React.memo(FooterView, (a, b) => a.keys === b.keys && a.width === b.width && a.hintRows === b.hintRows && sameSegments(a.status, b.status));
