// @alcalzone/ansi-tokenize with its per-line results kept across frames, for Ink. scripts/bundle.js
// points Ink's import here. Ink's output.js turns each line it draws into styled characters with
// `styledCharsFromTokens(tokenize(line))` on every frame (its cache lives for one frame): for a
// key press that changes two rows, the other rows' tokenizing was the largest item of the frame.
// Here a line seen lately gives back the same (read-only) characters; a char's `styles` array is
// shared with its neighbour when equal, so a line costs less memory and Ink's styledCharsToString
// compares neighbours by identity.
import { styledCharsFromTokens as fromTokens, tokenize as tokenizeOnce, type StyledChar, type Token } from "@alcalzone/ansi-tokenize";

export * from "@alcalzone/ansi-tokenize";

const MAX_LINES = 256; // ~4 screens of rows; the least recently drawn goes first
const MAX_CHARS = 64 * 1024; // characters of the lines kept (each kept char is two small objects)
const LONGEST = 2048;
const tokensByLine = new Map<string, Token[]>();
const charsByTokens = new WeakMap<Token[], StyledChar[]>();
let kept = 0;

export function tokenize(str: string, endChar?: number): Token[] {
  if (endChar !== undefined || str.length > LONGEST) return tokenizeOnce(str, endChar);
  const hit = tokensByLine.get(str);
  if (hit) {
    tokensByLine.delete(str); // re-inserted last: the Map's order is least recently drawn first
    tokensByLine.set(str, hit);
    return hit;
  }
  const tokens = tokenizeOnce(str);
  tokensByLine.set(str, tokens);
  kept += str.length;
  for (const [line] of tokensByLine) {
    if (tokensByLine.size <= MAX_LINES && kept <= MAX_CHARS) break;
    tokensByLine.delete(line);
    kept -= line.length;
  }
  return tokens;
}

const sameCodes = (a: StyledChar["styles"], b: StyledChar["styles"]): boolean =>
  a === b || (a.length === b.length && a.every((c, i) => c.code === b[i]!.code && c.endCode === b[i]!.endCode));

export function styledCharsFromTokens(tokens: Token[]): StyledChar[] {
  const hit = charsByTokens.get(tokens);
  if (hit) return hit;
  const chars = fromTokens(tokens);
  for (let i = 1; i < chars.length; i++) if (sameCodes(chars[i - 1]!.styles, chars[i]!.styles)) chars[i]!.styles = chars[i - 1]!.styles;
  charsByTokens.set(tokens, chars);
  return chars;
}
