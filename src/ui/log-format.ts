// What a log line shows in the Logs pane: the level is already a labelled column, so the
// known prefixes are shortened to the time (post-service `[RFC3339Z LEVEL target] msg`,
// node zap console `T\tLEVEL\tnode.module\tmsg\tfields`). Unknown formats are shown as they
// are. Sanitised once per line and cached; search and filter match this same text.
import type { LogLine } from "../protocol/model.js";
import { sanitize } from "./text-fit.js";

const POST_SERVICE = /^\[\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)(?:\.\d+)?Z\s+[A-Z]+\s+[^\]]*\]\s?/;
const NODE_CONSOLE = /^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)[\t ]+[A-Z]+[\t ]+(?:node\.)?([^\t ]*)[\t ]+/;

const cache = new WeakMap<LogLine, string>();

export function displayText(line: LogLine): string {
  const hit = cache.get(line);
  if (hit !== undefined) return hit;
  let t = line.text;
  const p = POST_SERVICE.exec(t);
  if (p) t = `${p[1]} ${t.slice(p[0].length)}`;
  else {
    const n = NODE_CONSOLE.exec(t);
    if (n) t = `${n[1]} ${n[2] ? n[2] + ": " : ""}${t.slice(n[0].length)}`;
  }
  const out = sanitize(t);
  cache.set(line, out);
  return out;
}
