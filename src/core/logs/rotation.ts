// Size-based rotation of the log files postdeck's children write to, by copytruncate: the child
// keeps its O_APPEND fd, so the newest part of the file (at most `maxBytes`, from a line start) is
// copied to <file>.1 (older ones shifted, at most `keep`) and the file is truncated to zero. Only a
// bounded tail is ever copied, so a rotation costs the same whatever size a flood made the file;
// what is not copied is said on the rotated file's first line. No child is ever signalled.
//
// The copy is synchronous on purpose: a child flooding its log writes hundreds of MB per second,
// and a copy queued behind other work on libuv's thread pool let the file grow by that much before
// its truncation. A copy of maxBytes (10 MiB by default) holds the event loop for a few ms. The
// truncation may wait in the kernel for the writer (hundreds of ms on an overloaded machine): the
// size guard runs it off the main thread (keepNewestTail, then an async truncate).
import { closeSync, fchmodSync, fstatSync, openSync, readSync, renameSync, rmSync, statSync, truncateSync, writeSync } from "node:fs";

export const LOG_FILE_MODE = 0o600;
const COPY_CHUNK = 1 << 20;
/** Room kept for the marker line in a rotated file. */
const MARKER_ROOM = 200;

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
 * Returns the bytes of this file that were not kept.
 */
export function rotateCopyTruncate(file: string, keep: number, maxBytes = Number.MAX_SAFE_INTEGER, cutBefore = 0): number {
  const dropped = keepNewestTail(file, keep, maxBytes, cutBefore);
  truncateSync(file, 0);
  return dropped;
}

/**
 * The copy half of a rotation: shifts <file>.1… and copies the newest `maxBytes` of `file` to
 * <file>.1; the caller truncates `file` next. Returns the bytes of `file` not copied (all of it
 * when keep is 0).
 */
export function keepNewestTail(file: string, keep: number, maxBytes = Number.MAX_SAFE_INTEGER, cutBefore = 0): number {
  if (keep <= 0) return statSync(file).size;
  const src = openSync(file, "r");
  try {
    rmSync(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      } catch {
        /* not there */
      }
    }
    const dst = openSync(`${file}.1`, "w", LOG_FILE_MODE);
    try {
      fchmodSync(dst, LOG_FILE_MODE); // an older .1 may have been made with another mode
      return copyTail(src, dst, maxBytes, cutBefore);
    } finally {
      closeSync(dst);
    }
  } finally {
    closeSync(src);
  }
}

/**
 * Copies the newest part of `src` (at most maxBytes in all, marker included, starting at a line)
 * to `dst`, then what was appended meanwhile while it still fits. Returns the bytes not copied.
 */
function copyTail(src: number, dst: number, maxBytes: number, cutBefore: number): number {
  const size = fstatSync(src).size;
  let pos = Math.max(0, size - Math.max(0, maxBytes - MARKER_ROOM));
  if (pos > 0) pos = nextLineStart(src, pos, size);
  const start = pos;
  let room = maxBytes;
  if (cutBefore + start > 0) room -= writeSync(dst, cutMarker(cutBefore + start));
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, room)));
  let end = size;
  for (let pass = 0; pass < 2 && pos < end && room > 0; pass++) {
    while (pos < end && room > 0) {
      const n = readSync(src, buf, 0, Math.min(buf.length, end - pos, room), pos);
      if (n === 0) break;
      writeSync(dst, buf, 0, n);
      pos += n;
      room -= n;
    }
    end = fstatSync(src).size; // what the child wrote during the copy, while it fits
  }
  return start + Math.max(0, end - pos);
}

/** Offset of the first line that starts at or after `pos` (pos itself when a line starts there). */
function nextLineStart(fd: number, pos: number, size: number): number {
  const buf = Buffer.allocUnsafe(64 * 1024);
  const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos + 1), pos - 1);
  const nl = buf.subarray(0, n).indexOf(0x0a);
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
  rotateCopyTruncate(file, keep, maxBytes);
  return true;
}
