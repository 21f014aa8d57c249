// Fitting text into terminal cells: sanitising untrusted text (log lines can hold escape
// sequences, control characters or binary garbage), measuring display width and truncating
// or padding to an exact width. Every row the console draws goes through here, so nothing
// wraps or overflows.

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

/** Display width of one code point in a terminal (0, 1 or 2 cells). */
export function charWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f)
  )
    return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Cut to at most `width` cells; adds `…` when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  if (displayWidth(text) <= width) return text;
  let out = "";
  let w = 0;
  for (const ch of text) {
    const cw = charWidth(ch.codePointAt(0)!);
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
  for (const ch of text) {
    const cw = charWidth(ch.codePointAt(0)!);
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
  if (displayWidth(text) <= width) return text;
  const chars = [...text];
  let out = "";
  let w = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const cw = charWidth(chars[i]!.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out = chars[i]! + out;
    w += cw;
  }
  return "…" + out;
}
