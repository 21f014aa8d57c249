// The last lines of a file, read backwards from its end (or from `end`) in chunks until there are
// enough lines or `maxBytes` were read: the daemon keeps no lines in memory, a client asking for
// a source's recent lines gets them from the file.
import { promises as fs } from "node:fs";
import { sanitizeLine } from "./sanitize.js";

const CHUNK = 64 * 1024;

/** The last n lines of a file, sanitised (reads at most `maxBytes` from its end). */
export async function tailLines(file: string, n: number, maxBytes = 64 * 1024): Promise<string[]> {
  return (await readTail(file, n, { maxBytes })).map((l) => sanitizeLine(l));
}

/**
 * The last n complete lines of `file` before byte `end` (default: its size), raw (a cut first
 * line dropped, a CR before the newline dropped), oldest first. A missing file has none.
 */
export async function readTail(file: string, n: number, o: { end?: number; maxBytes?: number } = {}): Promise<string[]> {
  if (n <= 0) return [];
  let fh;
  try {
    fh = await fs.open(file, "r");
  } catch {
    return [];
  }
  try {
    const size = (await fh.stat()).size;
    const end = Math.min(size, o.end ?? size);
    const floor = Math.max(0, end - (o.maxBytes ?? 1 << 20));
    let pos = end;
    let data = Buffer.alloc(0);
    let newlines = 0;
    // n lines need n+1 newlines before them (or the file's start)
    while (pos > floor && newlines <= n) {
      const from = Math.max(floor, pos - CHUNK);
      const buf = Buffer.allocUnsafe(pos - from);
      const { bytesRead } = await fh.read(buf, 0, buf.length, from);
      if (bytesRead <= 0) break;
      const got = buf.subarray(0, bytesRead);
      for (let i = 0; i < got.length; i++) if (got[i] === 0x0a) newlines++;
      data = data.length ? Buffer.concat([got, data]) : got;
      pos = from;
    }
    const lines = data.toString("utf8").split("\n");
    if (pos > 0) lines.shift(); // cut first line (or the end of the line before the window)
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-n).map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  } finally {
    await fh.close();
  }
}
