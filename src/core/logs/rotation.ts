// Size-based rotation of the log files postdeck's children write to, by copytruncate: the child
// keeps its O_APPEND fd, so the file is copied to <file>.1 (older ones shifted, at most `keep`) and
// then truncated to zero. Lines written between the copy and the truncation can be lost (the known
// copytruncate trade-off); no child is ever signalled.
import { promises as fs } from "node:fs";

export async function rotateCopyTruncate(file: string, keep: number): Promise<void> {
  if (keep > 0) {
    await fs.rm(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      await fs.rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined);
    }
    await fs.copyFile(file, `${file}.1`);
  }
  await fs.truncate(file, 0);
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
