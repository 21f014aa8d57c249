// string-width through a bounded cache, for Ink. scripts/bundle.js points Ink's (and its helpers')
// `string-width` import here: Ink measures every text node's lines (widest-line) and every
// character it lays out (output.js) on each frame, with caches that live for one frame only,
// so a frame that changes two rows measured all forty again (a fifth of a key press's frame).
// Results are string-width's own; only strings measured lately are remembered. A new string of the
// characters the console draws is summed character by character (simple-text.ts), not segmented.
import stringWidth from "string-width";
import { simpleWidth } from "./simple-text.js";

type Options = Parameters<typeof stringWidth>[1];

const MAX_ENTRIES = 4096;
const MAX_CHARS = 1 << 20; // the strings kept: at most ~2 MB however long the lines measured
const LONGEST = 4096; // longer strings (a whole log line with escapes) are measured and not kept
const widths = new Map<string, number>();
let chars = 0;

export default function cachedStringWidth(text: string, options?: Options): number {
  if (options !== undefined || typeof text !== "string") return stringWidth(text, options);
  if (text.length > LONGEST) return simpleWidth(text) ?? stringWidth(text);
  let w = widths.get(text);
  if (w === undefined) {
    w = simpleWidth(text) ?? stringWidth(text);
    if (widths.size >= MAX_ENTRIES || chars + text.length > MAX_CHARS) {
      widths.clear(); // cleared when full: a flood of new lines cannot grow it
      chars = 0;
    }
    widths.set(text, w);
    chars += text.length;
  }
  return w;
}
