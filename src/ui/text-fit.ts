// Fitting text into terminal cells: sanitising untrusted text (log lines can hold escape
// sequences, control characters or binary garbage), measuring display width and truncating
// or padding to an exact width. Every row the console draws goes through here, so nothing
// wraps or overflows.
import stringWidth from "string-width";
import { SIMPLE_CHARS, charWidth, simpleWidth } from "./ink/simple-text.js";

// CSI / OSC / other ESC sequences; then any remaining C0/C1 control character.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One printable line: escape sequences removed, tabs and newlines made spaces, control bytes shown as `·`. */
export function sanitize(text: string): string {
  let s = text;
  if (s.includes("\x1b")) s = s.replace(ANSI, "");
  s = s.replace(/\t/g, "  ").replace(/\r?\n|\r/g, " ⏎ ");
  s = s.replace(CONTROL, "·").replace(LONE_SURROGATE, "\ufffd");
  return s;
}

// Widths are string-width's (what Ink measures with), per grapheme cluster: 🚀 and 👍🏽 are 2
// cells, a combining accent 0. Plain ASCII, almost every log line, takes the short way.
const segmenter = new Intl.Segmenter();
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

// The width of each grapheme cluster met lately (a log line repeats the same few symbols).
const CLUSTER_CACHE_MAX = 4096;
const clusterWidths = new Map<string, number>();

function clusterWidth(segment: string): number {
  if (segment.length > 16) return stringWidth(segment); // a pathological cluster (marks piled up): not kept
  return cachedWidth(clusterWidths, CLUSTER_CACHE_MAX, segment);
}

/** The grapheme clusters of `text` with their widths in cells (0, 1 or 2). */
function* cells(text: string): Generator<[string, number]> {
  if (PRINTABLE_ASCII.test(text)) {
    for (const ch of text) yield [ch, 1];
    return;
  }
  if (SIMPLE_CHARS.test(text)) {
    // each character its own cluster (simple-text.ts)
    for (let i = 0; i < text.length; i++) yield [text[i]!, charWidth(text.charCodeAt(i))];
    return;
  }
  for (const { segment } of segmenter.segment(text)) yield [segment, clusterWidth(segment)];
}

// string-width strips escape sequences before measuring; cluster by cluster would count them.
// eslint-disable-next-line no-control-regex
const HAS_ESCAPE = /[\x1b\x9b]/;

/** The sum of the clusters' widths (string-width's own sum), stopping once past `limit`. */
function sumCells(text: string, limit: number): number {
  let w = 0;
  for (const [, cw] of cells(text)) if ((w += cw) > limit) break;
  return w;
}

/**
 * The width of `text` if it is at most `limit` cells, else some number above `limit`: a long line
 * (a log line, a hardware row listing 64 paths) is measured only as far as the row it is cut to.
 */
export function widthWithin(text: string, limit: number): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  if (text.length <= 256 || HAS_ESCAPE.test(text)) return displayWidth(text);
  return sumCells(text, limit);
}

// The widths of the other strings measured lately: a frame measures the same symbols, labels and
// pane rules as the frame before, and string-width is the costliest step of drawing one (it was a
// third of the console's CPU at rest). Short strings only, cleared when full: a log flood cannot grow it.
const WIDTH_CACHE_MAX = 4096;
const widths = new Map<string, number>();

export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  if (text.length > 256) return HAS_ESCAPE.test(text) ? stringWidth(text) : sumCells(text, Infinity); // a long log line: seldom measured twice
  return cachedWidth(widths, WIDTH_CACHE_MAX, text);
}

/** stringWidth(text) through a bounded cache (cleared when full, so a flood of new strings cannot grow it). */
function cachedWidth(cache: Map<string, number>, max: number, text: string): number {
  let w = cache.get(text);
  if (w === undefined) {
    w = simpleWidth(text) ?? stringWidth(text);
    if (cache.size >= max) cache.clear();
    cache.set(text, w);
  }
  return w;
}

/** Cut to at most `width` cells; adds `…` when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  if (widthWithin(text, width) <= width) return text;
  if (PRINTABLE_ASCII.test(text)) return text.slice(0, width - 1) + "…";
  let out = "";
  let w = 0;
  for (const [ch, cw] of cells(text)) {
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + "…";
}

/** Exactly `width` cells: truncated with `…` or padded with spaces (right-aligned when asked). */
export function fit(text: string, width: number, align: "left" | "right" = "left", cut: "end" | "start" = "end"): string {
  const t = cut === "start" ? truncateStart(text, width) : truncate(text, width);
  const pad = " ".repeat(Math.max(0, width - displayWidth(t)));
  return align === "right" ? pad + t : t + pad;
}

/** Split into chunks of at most `width` cells (for wrapped log lines). Always at least one chunk. */
export function chunk(text: string, width: number): string[] {
  if (width <= 0) return [""];
  const out: string[] = [];
  let cur = "";
  let w = 0;
  for (const [ch, cw] of cells(text)) {
    if (w + cw > width) {
      out.push(cur);
      cur = "";
      w = 0;
    }
    cur += ch;
    w += cw;
  }
  out.push(cur);
  return out;
}

/** Cut from the start (`…` first), for paths whose end is what tells them apart. */
export function truncateStart(text: string, width: number): string {
  if (width <= 0) return "";
  if (widthWithin(text, width) <= width) return text;
  const clusters = [...cells(text)];
  let out = "";
  let w = 0;
  for (let i = clusters.length - 1; i >= 0; i--) {
    const [ch, cw] = clusters[i]!;
    if (w + cw > width - 1) break;
    out = ch + out;
    w += cw;
  }
  return "…" + out;
}
