// One terminal row of exactly `width` cells built from styled segments. Everything the
// console draws is a Line, so no row can wrap or overflow.
import React from "react";
import { Text, renderToString } from "ink";
import { useTheme, type Theme, type Tone } from "../theme.js";
import { truncate, widthWithin } from "../text-fit.js";

export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
  dim?: boolean;
  underline?: boolean;
}

/** Cut the segments to `width` cells (`…` where cut); `pad` fills the rest with spaces. */
export function fitSegments(segs: Segment[], width: number, pad = true): Segment[] {
  const out: Segment[] = [];
  let used = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const w = widthWithin(s.text, width - used);
    if (used + w <= width) {
      // Leave room for the ellipsis if later segments will not fit.
      out.push(s);
      used += w;
      continue;
    }
    out.push({ ...s, text: truncate(s.text, width - used) });
    used = width;
    break;
  }
  if (pad && used < width) out.push({ text: " ".repeat(width - used) });
  if (!pad) {
    const last = out[out.length - 1];
    if (last && !last.inverse && !last.underline) out[out.length - 1] = { ...last, text: last.text.trimEnd() };
  }
  return out;
}

const sameStyle = (a: Segment, b: Segment): boolean =>
  a.tone === b.tone && !a.bold === !b.bold && !a.inverse === !b.inverse && !a.dim === !b.dim && !a.underline === !b.underline;

/** Neighbours with the same style as one segment: fewer nodes and escape codes for Ink to draw each frame. */
export function mergeSegments(segs: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && sameStyle(last, s)) out[out.length - 1] = { ...last, text: last.text + s.text };
    else out.push(s);
  }
  return out;
}

interface LineProps {
  segs: Segment[];
  width: number;
  inverse?: boolean;
}

// A row is one Ink <Text> holding its segments already styled, not a <Text> per segment: Ink walks
// every text node of the screen on every frame (squashing nested ones, styling each with chalk
// again), and React reconciles each; one node per row is a fraction of both. The codes are the ones
// Ink's <Text color bold …> wraps its text in (chalk's, in the same order), so the frame is the same.

// [open, close] of each attribute and of the named colours the theme uses (chalk's ansi-styles)
const CODES = {
  dim: ["\x1b[2m", "\x1b[22m"],
  bold: ["\x1b[1m", "\x1b[22m"],
  underline: ["\x1b[4m", "\x1b[24m"],
  inverse: ["\x1b[7m", "\x1b[27m"],
} as const;
const COLORS: Record<string, number> = { black: 30, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37, gray: 90, grey: 90, blackBright: 90, redBright: 91, greenBright: 92, yellowBright: 93, blueBright: 94, magentaBright: 95, cyanBright: 96, whiteBright: 97 };

/** chalk's style of one attribute on `text`: a close code inside re-opens it; lines are closed and re-opened around a line break. */
function wrapStyle(text: string, open: string, close: string): string {
  if (text.includes("\x1b")) text = text.split(close).join(close + open);
  if (text.includes("\n")) text = text.replace(/(\r?\n)/g, `${close}$1${open}`);
  return open + text + close;
}

/** A segment's text with the codes Ink's <Text> gives it (dim, colour, bold, underline, inverse, innermost first). */
export function styledText(s: Segment, color: string | undefined): string {
  let t = s.text;
  if (t === "") return t;
  if (s.dim) t = wrapStyle(t, ...CODES.dim);
  const c = color !== undefined ? COLORS[color] : undefined;
  if (c !== undefined) t = wrapStyle(t, `\x1b[${c}m`, "\x1b[39m");
  if (s.bold) t = wrapStyle(t, ...CODES.bold);
  if (s.underline) t = wrapStyle(t, ...CODES.underline);
  if (s.inverse) t = wrapStyle(t, ...CODES.inverse);
  return t;
}

/**
 * Whether Ink styles text here (chalk's colour level, from the terminal and FORCE_COLOR): asked of
 * Ink itself once, so a row carries codes exactly when Ink's own <Text bold> would.
 */
const inkStyles: boolean = renderToString(<Text bold>x</Text>).includes("\x1b");

/** The row's text: `segs` fitted to `width` (padded when inverse), each segment styled when `styles`. */
export function lineText(segs: Segment[], width: number, inverse: boolean, theme: Theme, styles = inkStyles): string {
  // Only an inverse row needs its padding drawn; elsewhere Ink clears the rest of the row,
  // and every cell not sent saves work on each frame.
  let fitted = fitSegments(segs, width, inverse);
  if (fitted.every((s) => s.text === "")) fitted = [{ text: " " }]; // an empty Text would take no row
  // Inverse goes on every segment: Ink resets all attributes after each styled segment, so
  // an inverse set on the whole row would stop at the first one.
  if (inverse) fitted = fitted.map((s) => ({ ...s, inverse: true }));
  fitted = mergeSegments(fitted);
  let text = "";
  for (const s of fitted) {
    const color = s.tone ? theme.color(s.tone) : undefined;
    text += styles ? styledText(s, color) : s.text;
  }
  return text;
}

function LineView({ segs, width, inverse }: LineProps): React.JSX.Element {
  const theme = useTheme();
  return <Text wrap="truncate-end">{lineText(segs, width, inverse === true, theme)}</Text>;
}

/** Whether two rows of segments are the same text in the same styles. */
export const sameSegments = (a: Segment[], b: Segment[]): boolean => a.length === b.length && a.every((s, i) => s.text === b[i]!.text && sameStyle(s, b[i]!));

/** A row that shows what it showed last frame is not rendered again (React skips it, Ink keeps its node). */
export const Line = React.memo(LineView, (a, b) => a.width === b.width && a.inverse === b.inverse && sameSegments(a.segs, b.segs));
