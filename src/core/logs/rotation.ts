// Size-based rotation of the log files postdeck's children write to, by copytruncate: the child
// keeps its O_APPEND fd, so the newest part of the file (at most `maxBytes`, from a line start) is
// copied to <file>.1 (older ones shifted, at most `keep`) and the file is truncated to zero. Only a
// bounded tail is ever copied, so a rotation costs the same whatever size a flood made the file;
// what is not copied is said on the rotated file's first line. No child is ever signalled.
import { promises as fs } from "node:fs";

export const LOG_FILE_MODE = 0o600;
const COPY_CHUNK = 1 << 20;

/** First line of a rotated file when part of the log was not kept. */
export function cutMarker(bytes: number): string {
  return `… postdeck: ${formatMiB(bytes)} of this log cut (written faster than it could be kept) …\n`;
}

function formatMiB(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${bytes} bytes`;
}

/**
 * Rotates `file`: keeps its newest `maxBytes` as <file>.1 (mode 0600), shifting older ones, then
 * truncates it. `cutBefore`: bytes dropped earlier without a copy (said in the marker line).
 * Returns the bytes of this file that were not copied.
 */
export async function rotateCopyTruncate(file: string, keep: number, maxBytes = Number.MAX_SAFE_INTEGER, cutBefore = 0): Promise<number> {
  let dropped = 0;
  if (keep > 0) {
    await fs.rm(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      await fs.rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined);
    }
    dropped = await copyTail(file, `${file}.1`, maxBytes, cutBefore);
  } else {
    dropped = await fs.stat(file).then((s) => s.size, () => 0);
  }
  await fs.truncate(file, 0);
  return dropped;
}

/**
 * Copies the newest part of `from` (at most maxBytes in all, marker included, starting at a line)
 * to `to`, then what was appended meanwhile while it still fits. Returns the bytes not copied.
 */
async function copyTail(from: string, to: string, maxBytes: number, cutBefore: number): Promise<number> {
  const src = await fs.open(from, "r");
  const dst = await fs.open(to, "w", LOG_FILE_MODE);
  try {
    await dst.chmod(LOG_FILE_MODE); // an older .1 may have been made with another mode
    const size = (await src.stat()).size;
    const budget = Math.max(0, maxBytes - 200); // room for the marker line
    let pos = Math.max(0, size - budget);
    if (pos > 0) pos = await nextLineStart(src, pos, size);
    const cut = cutBefore + pos;
    let room = maxBytes;
    if (cut > 0) {
      const m = Buffer.from(cutMarker(cut));
      await dst.write(m);
      room -= m.length;
    }
    const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, room)));
    let end = size;
    for (let pass = 0; pass < 3 && pos < end && room > 0; pass++) {
      while (pos < end && room > 0) {
        const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, end - pos, room), pos);
        if (bytesRead === 0) break;
        await dst.write(buf, 0, bytesRead);
        pos += bytesRead;
        room -= bytesRead;
      }
      end = (await src.stat()).size; // what the child wrote during the copy, while it fits
    }
    return Math.max(0, end - pos) + cut - cutBefore;
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
}

/** Offset of the first line that starts at or after `pos` (pos itself when a line starts there). */
async function nextLineStart(fh: fs.FileHandle, pos: number, size: number): Promise<number> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos + 1), pos - 1);
  const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
  return nl < 0 ? pos : pos - 1 + nl + 1;
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
  await rotateCopyTruncate(file, keep, maxBytes);
  return true;
}
