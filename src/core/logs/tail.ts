// The last lines of a file (reads at most `maxBytes` from its end).
import { promises as fs } from "node:fs";
import { sanitizeLine } from "./sanitize.js";

export async function tailLines(file: string, n: number, maxBytes = 64 * 1024): Promise<string[]> {
  let fh;
  try {
    fh = await fs.open(file, "r");
  } catch {
    return [];
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const lines = buf.toString("utf8").split("\n");
    if (start > 0) lines.shift(); // partial first line
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-n).map((l) => sanitizeLine(l));
  } finally {
    await fh.close();
  }
}
