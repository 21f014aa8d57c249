// Makes a log line safe to print: no control or escape bytes (a binary line cannot break a
// terminal), invalid UTF-8 replaced, length capped.
export const MAX_LINE_CHARS = 4096;

export function sanitizeLine(text: string, max = MAX_LINE_CHARS): string {
  // Tabs become a space; CR dropped; every other C0/C1 control (incl. ESC) and DEL becomes U+FFFD.
  // eslint-disable-next-line no-control-regex
  let out = text.replace(/\r$/, "").replace(/\t/g, " ").replace(/[\u0000-\u001f\u007f-\u009f]/g, "\ufffd");
  if (out.length > max) out = out.slice(0, max - 1) + "…";
  return out;
}
