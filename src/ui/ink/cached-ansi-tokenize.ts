// @alcalzone/ansi-tokenize with its per-line results kept across frames, for Ink. scripts/bundle.js
// points Ink's import here. Ink's output.js turns each line it draws into styled characters with
// `styledCharsFromTokens(tokenize(line))` on every frame (its cache lives for one frame): for a
// key press that changes two rows, the other rows' tokenizing was the largest item of the frame.
// Here a line seen lately gives back the same (read-only) characters; a char's `styles` array is
// shared with its neighbour when equal, so a line costs less memory and Ink's styledCharsToString
// compares neighbours by identity.
// A line of what the console draws (ASCII, box-drawing and symbol characters, SGR colour codes) is
// tokenized without the grapheme segmenter; anything else takes the package's own tokenizer.
import { SIMPLE } from "./simple-text.js";
import { reduceAnsiCodesIncremental, tokenize as tokenizeOnce, type AnsiCode, type StyledChar, type Token } from "@alcalzone/ansi-tokenize";

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
  const tokens = SIMPLE.test(str) ? tokenizeSimple(str) : tokenizeOnce(str);
  tokensByLine.set(str, tokens);
  kept += str.length;
  for (const [line] of tokensByLine) {
    if (tokensByLine.size <= MAX_LINES && kept <= MAX_CHARS) break;
    tokensByLine.delete(line);
    kept -= line.length;
  }
  return tokens;
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;
const pieces = new Map<string, Token[]>(); // an SGR sequence's tokens, a character's token (few distinct ones)

/** The package's tokens for a short piece (one SGR sequence, one character), kept. */
function piece(p: string): Token[] {
  let t = pieces.get(p);
  if (!t) {
    t = tokenizeOnce(p);
    if (pieces.size >= 4096) pieces.clear();
    pieces.set(p, t);
  }
  return t;
}

/** tokenize() for a SIMPLE line: the package's tokens (equal objects; a character's token shared). */
function tokenizeSimple(str: string): Token[] {
  const out: Token[] = [];
  const text = (from: number, to: number) => {
    for (let i = from; i < to; i++) out.push(piece(str[i]!)[0]!);
  };
  let at = 0;
  for (const m of str.matchAll(SGR)) {
    text(at, m.index);
    for (const t of piece(m[0])) out.push(t);
    at = m.index + m[0].length;
  }
  text(at, str.length);
  return out;
}

/**
 * The package's styledCharsFromTokens, with one `styles` array shared by the characters between
 * two codes (the package copies it for each character; nothing changes them afterwards: Ink reads them).
 */
export function styledCharsFromTokens(tokens: Token[]): StyledChar[] {
  const hit = charsByTokens.get(tokens);
  if (hit) return hit;
  let codes: AnsiCode[] = [];
  const chars: StyledChar[] = [];
  for (const t of tokens) {
    if (t.type === "ansi") codes = reduceAnsiCodesIncremental(codes, [t]);
    else if (t.type === "char") chars.push({ type: "char", value: t.value, fullWidth: t.fullWidth, styles: codes });
  }
  charsByTokens.set(tokens, chars);
  return chars;
}
