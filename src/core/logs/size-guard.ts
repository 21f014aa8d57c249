// Keeps each log file postdeck's children write to within its bound, whatever the rate: a file is
// checked every `quietMs` and, while it keeps growing, every `hotMs` (polling, not inotify: a
// flooding child makes one inotify event per write, hundreds of thousands a second). Once over
// maxBytes it is rotated (a bounded tail copied, see rotation.ts). Within `minRotateMs` of its last
// rotation a file that grew past `floodBytes` (a flood) is truncated without a copy, and the bytes
// cut are said on the next rotated file's first line: the live file of a flooding child stays
// small, so a check that comes late (a busy machine) still has room before the bound. The files of
// one log stay near (keep + 1) × maxBytes plus what the child writes until the next check, and the
// daemon copies at most one maxBytes per `minRotateMs`.
import { promises as fs, statSync } from "node:fs";
import { keepNewestTail } from "./rotation.js";

export interface SizeGuardOptions {
  maxBytes: number;
  keep: number;
  /** Check interval while a file is growing (default 10 ms). */
  hotMs?: number;
  /** Check interval of a quiet file (default 200 ms). */
  quietMs?: number;
  /** At most one copying rotation per file per this many ms (default 1000 ms). */
  minRotateMs?: number;
  /** Within minRotateMs of a rotation, truncate (no copy) past this size (default min(maxBytes, 1 MiB)). */
  floodBytes?: number;
  now?: () => number;
  onError?: (file: string, err: Error) => void;
  /** A rotation kept only part of what was written since the last one (bytes cut). */
  onCut?: (file: string, bytes: number) => void;
}

interface Watched {
  file: string;
  timer: NodeJS.Timeout | null;
  lastSize: number;
  lastRotation: number;
  /** Bytes truncated without a copy since the last rotation. */
  cut: number;
  busy: boolean;
}

export class LogSizeGuard {
  private readonly files = new Map<string, Watched>();
  private closed = false;
  private readonly now: () => number;

  constructor(private o: SizeGuardOptions) {
    this.now = o.now ?? Date.now;
  }

  /** New limits (a reload). */
  setLimits(maxBytes: number, keep: number): void {
    this.o = { ...this.o, maxBytes, keep };
  }

  /** Guards exactly these files (new ones added, others dropped). */
  setFiles(files: string[]): void {
    const want = new Set(files);
    for (const f of [...this.files.keys()]) if (!want.has(f)) this.drop(f);
    for (const f of want) if (!this.files.has(f)) this.add(f);
  }

  private add(file: string): void {
    const w: Watched = { file, timer: null, lastSize: 0, lastRotation: -Infinity, cut: 0, busy: false };
    this.files.set(file, w);
    this.schedule(w, 0);
  }

  private drop(file: string): void {
    const w = this.files.get(file);
    if (!w) return;
    this.files.delete(file);
    if (w.timer) clearTimeout(w.timer);
  }

  private schedule(w: Watched, ms: number): void {
    if (this.closed || this.files.get(w.file) !== w) return;
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = null;
      void this.check(w);
    }, ms);
    w.timer.unref();
  }

  /** One check of one file: stat and copy synchronous (see rotation.ts), the truncation not. */
  async check(w: Watched): Promise<void> {
    if (w.busy) return;
    w.busy = true;
    let grew = false;
    try {
      let size = -1;
      try {
        size = statSync(w.file).size;
      } catch {
        /* not there yet */
      }
      grew = size > w.lastSize;
      w.lastSize = Math.max(0, size);
      const t = this.now();
      const flooding = t - w.lastRotation < (this.o.minRotateMs ?? 1000) && this.o.keep > 0;
      if (size > (flooding ? (this.o.floodBytes ?? Math.min(this.o.maxBytes, 1 << 20)) : this.o.maxBytes)) {
        if (!flooding) {
          w.lastRotation = t;
          const cutBefore = w.cut;
          w.cut = 0;
          const cut = cutBefore + keepNewestTail(w.file, this.o.keep, this.o.maxBytes, cutBefore);
          await fs.truncate(w.file, 0); // off the main thread: it may wait in the kernel for the writer
          if (cutBefore > 0) this.o.onCut?.(w.file, cut);
        } else {
          // refilled right after a rotation: a flood; cap it without copying, say so at the next rotation
          await fs.truncate(w.file, 0);
          w.cut += size;
        }
        w.lastSize = 0;
        grew = true;
      }
    } catch (err) {
      this.o.onError?.(w.file, err as Error);
    } finally {
      w.busy = false;
    }
    this.schedule(w, grew ? (this.o.hotMs ?? 10) : (this.o.quietMs ?? 200));
  }

  /** Checks every file now (tests). */
  async checkAll(): Promise<void> {
    await Promise.all([...this.files.values()].map((w) => this.check(w)));
  }

  close(): void {
    this.closed = true;
    for (const f of [...this.files.keys()]) this.drop(f);
  }
}
