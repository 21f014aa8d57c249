// Text the console draws, measured without the grapheme segmenter. string-width sums the widths of
// a string's grapheme clusters; in "simple" text each character is a cluster of its own, whatever its
// neighbours (printable ASCII, Latin-1 and Latin Extended letters, punctuation, arrows, technical and
// math symbols, box drawing, blocks, shapes, dingbats: no combining marks, joiners, variation
// selectors, regional indicators, Hangul jamo or controls), so its width is the sum of its characters'
// widths, each string-width's own, looked up once. A header or table row full of `●`, `│` and `─`
// measured by string-width itself segments it and tests each cluster against emoji regexes
// (~0.5 ms for a 120-column row that Ink measures again each time its text changes).
import stringWidth from "string-width";

/** Simple text, with SGR sequences (colours, attributes: no width) between the characters. */
// eslint-disable-next-line no-control-regex
export const SIMPLE = /^(?:[\x20-\x7e\u00a0-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u23ff\u2500-\u27bf]|\x1b\[[0-9;]*m)*$/;
/** Simple text without escape sequences. */
export const SIMPLE_CHARS = /^[\x20-\x7e\u00a0-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u23ff\u2500-\u27bf]*$/;

const widths = new Int8Array(0x2800).fill(-1); // string-width of each character below U+2800, once measured

/** string-width of one character of simple text. */
export function charWidth(code: number): number {
  if (code >= 0x20 && code < 0x7f) return 1;
  let w = widths[code]!;
  if (w === -1) w = widths[code] = stringWidth(String.fromCharCode(code));
  return w;
}

/** string-width's width of `text` when it is simple text (SGR sequences count nothing), else undefined. */
export function simpleWidth(text: string): number | undefined {
  if (!SIMPLE.test(text)) return undefined;
  let w = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x1b) i = text.indexOf("m", i); // an SGR sequence: `\x1b[…m`
    else w += charWidth(c);
  }
  return w;
}
