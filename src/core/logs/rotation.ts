// Size-based rotation of the log files postdeck's children write to, by copytruncate: the child
// keeps its O_APPEND fd, so the file is copied to <file>.1 (older ones shifted, at most `keep`) and
// then truncated to zero. What the child writes during the copy is copied too (the tail is copied
// again until the size stops growing), so only a write landing in the last microseconds before the
// truncation can be lost — the copytruncate trade-off, made small; no child is ever signalled.
import { promises as fs } from "node:fs";

export async function rotateCopyTruncate(file: string, keep: number): Promise<void> {
  if (keep > 0) {
    await fs.rm(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      await fs.rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined);
    }
    await copyUntilQuiet(file, `${file}.1`);
  }
  await fs.truncate(file, 0);
}

/** Copies `from` to `to`, then appends what was written meanwhile, until a pass finds nothing new. */
async function copyUntilQuiet(from: string, to: string): Promise<void> {
  const src = await fs.open(from, "r");
  const dst = await fs.open(to, "w");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    for (let pass = 0; pass < 50; pass++) {
      const size = (await src.stat()).size;
      if (size <= pos) break;
      while (pos < size) {
        const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, size - pos), pos);
        if (bytesRead === 0) break;
        await dst.write(buf, 0, bytesRead);
        pos += bytesRead;
      }
    }
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
}

/** Rotates `file` if it is larger than maxBytes. Returns true when it rotated. */
export async function rotateIfLarger(file: string, maxBytes: number, keep: number): Promise<boolean> {
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  await rotateCopyTruncate(file, keep);
  return true;
}
