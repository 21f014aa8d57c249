// Size-based rotation of the log files postdeck's children write to, by copytruncate: the child
// keeps its O_APPEND fd, so the newest part of the file (at most `maxBytes`, from a line start) is
// kept as <file>.1 (older ones shifted, at most `keep`) and the file is truncated to zero. Only a
// bounded tail is ever kept, so a rotation costs the same whatever size a flood made the file;
// what is not kept is said on the rotated file's first line. No child is ever signalled.
//
// The tail is read into memory first (from the page cache, a few ms for 10 MiB; off the main
// thread, which a busy machine can hold up for much longer), then the file is truncated, and only
// then is <file>.1 written. Writing it first held the truncation back for as long as the kernel
// took to take 10 MiB of new dirty pages from a process while a flooding child dirtied hundreds of
// MB per second (tens of ms, the live file growing by that much meanwhile). What the child writes
// between the read and the truncation is not kept.
import { promises as fs, statSync, truncateSync } from "node:fs";

export const LOG_FILE_MODE = 0o600;
/** Room kept for the marker line in a rotated file. */
const MARKER_ROOM = 200;

/** First line of a rotated file when part of the log was not kept. */
export function cutMarker(bytes: number): string {
  return `… postdeck: ${formatMiB(bytes)} of this log cut (written faster than it could be kept) …\n`;
}

function formatMiB(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** The newest part of a log file, read before its truncation. */
export interface LogTail {
  /** Its bytes, from a line start; with the marker line, at most maxBytes. */
  bytes: Buffer;
  /** Bytes of the file before them (not kept). */
  skipped: number;
}

/**
 * Reads the newest `maxBytes` of `file` (less room for a marker line when older bytes are left
 * out, then starting at a line).
 */
export async function readNewestTail(file: string | fs.FileHandle, maxBytes: number): Promise<LogTail> {
  // a handle the caller keeps open is read and not closed (see size-guard.ts: a close after a
  // truncation to 0 starts ext4's writeback of the file)
  const fh = typeof file === "string" ? await fs.open(file, "r") : file;
  try {
    const size = (await fh.stat()).size;
    let start = Math.max(0, size - Math.max(0, maxBytes - MARKER_ROOM));
    if (start > 0) start = await nextLineStart(fh, start, size);
    const room = start > 0 ? maxBytes - MARKER_ROOM : maxBytes;
    const buf = Buffer.allocUnsafeSlow(Math.max(0, Math.min(room, size - start)));
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, start + n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return { bytes: buf.subarray(0, n), skipped: start };
  } finally {
    if (fh !== file) await fh.close();
  }
}

/**
 * The write half of a rotation, after the truncation: shifts <file>.1… (at most `keep`) and
 * writes `tail` as <file>.1 (mode 0600), behind a marker line when `cut` bytes were not kept.
 */
export async function writeRotated(file: string, keep: number, tail: Buffer, cut: number): Promise<void> {
  if (keep <= 0) return;
  await fs.rm(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    try {
      await fs.rename(`${file}.${i}`, `${file}.${i + 1}`);
    } catch {
      /* not there */
    }
  }
  const fh = await fs.open(`${file}.1`, "w", LOG_FILE_MODE);
  try {
    await fh.chmod(LOG_FILE_MODE); // an older .1 may have been made with another mode
    if (cut > 0) await fh.write(cutMarker(cut));
    await fh.write(tail);
  } finally {
    await fh.close();
  }
}

/**
 * Rotates `file`: keeps its newest `maxBytes` as <file>.1 (mode 0600), shifting older ones, and
 * truncates it. `cutBefore`: bytes dropped earlier without a copy (said in the marker line).
 * Returns the bytes of this file that were not kept (all of it when keep is 0).
 */
export async function rotateCopyTruncate(file: string, keep: number, maxBytes = Number.MAX_SAFE_INTEGER, cutBefore = 0): Promise<number> {
  if (keep <= 0) {
    const size = statSync(file).size;
    truncateSync(file, 0);
    return size;
  }
  const tail = await readNewestTail(file, maxBytes);
  truncateSync(file, 0);
  await writeRotated(file, keep, tail.bytes, cutBefore + tail.skipped);
  return tail.skipped;
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
    size = statSync(file).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  await rotateCopyTruncate(file, keep, maxBytes);
  return true;
}
