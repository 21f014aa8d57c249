// Keeps each log file postdeck's children write to within its bound, whatever the rate: while a
// file grows it is checked (polling, not inotify: a flooding child makes one inotify event per
// write, hundreds of thousands a second) as often as its rate needs, from every `hotMs` (a flood)
// to every `quietMs` (a slow writer, far from its bound); a file that stopped growing for
// `idleChecks` checks is not polled at all but watched (inotify, closed again at its first event,
// which brings a check at once): an idle service costs nothing. Once over
// maxBytes it is rotated (a bounded tail copied, see rotation.ts). Within `minRotateMs` of its last
// rotation a file that grew past `floodBytes` (a flood) is truncated without a copy, and the bytes
// cut are said on the next rotated file's first line: the live file of a flooding child stays
// small, so a check that comes late (a busy machine) still has room before the bound. The files of
// one log stay near (keep + 1) × maxBytes plus what the child writes until the next check, and the
// daemon copies at most one maxBytes per `minRotateMs`.
import { promises as fs, statSync, watch, type FSWatcher } from "node:fs";
import { keepNewestTail } from "./rotation.js";

export interface SizeGuardOptions {
  maxBytes: number;
  keep: number;
  /** Check interval while a file is growing (default 10 ms). */
  hotMs?: number;
  /** Check interval of a file growing slowly, or one that is not there (default 200 ms). */
  quietMs?: number;
  /** Checks without growth after which a file is watched (inotify) instead of polled (default 5). */
  idleChecks?: number;
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
  /** When lastSize was seen. */
  lastAt: number;
  /** Checks in a row that saw no growth. */
  idle: number;
  /** The inotify watch of an idle file (no timer meanwhile). */
  watcher: FSWatcher | null;
  /** Its watch fired: the rate is not known yet, the next check comes after hotMs. */
  woke: boolean;
  checks: number;
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
    const w: Watched = { file, timer: null, lastSize: 0, lastAt: this.now(), idle: 0, watcher: null, woke: false, checks: 0, lastRotation: -Infinity, cut: 0, busy: false };
    this.files.set(file, w);
    this.schedule(w, 0);
  }

  private drop(file: string): void {
    const w = this.files.get(file);
    if (!w) return;
    this.files.delete(file);
    if (w.timer) clearTimeout(w.timer);
    this.unwatch(w);
  }

  /** An idle file: no timer, its next write (an inotify event) brings a check. False if it cannot be watched. */
  private watchIdle(w: Watched): boolean {
    try {
      w.watcher = watch(w.file, { persistent: false }, () => {
        this.unwatch(w);
        w.woke = true;
        void this.check(w);
      });
      w.watcher.on("error", () => {
        this.unwatch(w);
        this.schedule(w, 0);
      });
    } catch {
      w.watcher = null;
      return false;
    }
    // a write between the last check and the watch: check now
    let size = -1;
    try {
      size = statSync(w.file).size;
    } catch {
      /* removed meanwhile */
    }
    if (size !== w.lastSize) {
      this.unwatch(w);
      return false;
    }
    return true;
  }

  private unwatch(w: Watched): void {
    w.watcher?.close();
    w.watcher = null;
  }

  /** Whether a file is watched (idle, not polled) now, and how many checks it had (tests). */
  isWatched(file: string): boolean {
    return this.files.get(file)?.watcher != null;
  }

  checksOf(file: string): number {
    return this.files.get(file)?.checks ?? 0;
  }

  private schedule(w: Watched, ms: number): void {
    if (this.closed || this.files.get(w.file) !== w) return;
    if (w.timer) clearTimeout(w.timer);
    this.unwatch(w);
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
    w.checks++;
    let grew = false;
    let next = this.o.quietMs ?? 200;
    let size = -1;
    try {
      try {
        size = statSync(w.file).size;
      } catch {
        /* not there yet */
      }
      const t = this.now();
      grew = size > w.lastSize;
      const flooding = t - w.lastRotation < (this.o.minRotateMs ?? 1000) && this.o.keep > 0;
      const limit = flooding ? (this.o.floodBytes ?? Math.min(this.o.maxBytes, 1 << 20)) : this.o.maxBytes;
      if (grew) next = w.woke ? (this.o.hotMs ?? 10) : this.nextCheck(size - w.lastSize, t - w.lastAt, limit - size);
      w.woke = false;
      w.lastSize = Math.max(0, size);
      w.lastAt = t;
      if (size > limit) {
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
        next = this.o.hotMs ?? 10;
      }
    } catch (err) {
      this.o.onError?.(w.file, err as Error);
    } finally {
      w.busy = false;
    }
    w.idle = grew ? 0 : w.idle + 1;
    if (this.closed || this.files.get(w.file) !== w) return;
    if (size >= 0 && w.idle >= (this.o.idleChecks ?? 5) && this.watchIdle(w)) {
      if (w.timer) clearTimeout(w.timer);
      w.timer = null;
      return;
    }
    this.schedule(w, next);
  }

  /**
   * The wait before the next check of a file that grew `bytes` in `ms`: half the time it would
   * take at that rate to fill the `room` left, within hotMs and quietMs (a flood: every hotMs).
   */
  private nextCheck(bytes: number, ms: number, room: number): number {
    const hot = this.o.hotMs ?? 10;
    const quiet = this.o.quietMs ?? 200;
    if (room <= 0 || ms <= 0) return hot;
    const fill = room / (bytes / ms);
    return Math.round(Math.min(quiet, Math.max(hot, fill / 2)));
  }

  /** Checks every file now (tests). */
  async checkAll(): Promise<void> {
    await Promise.all([...this.files.values()].map((w) => this.check(w)));
  }

  close(): void {
    this.closed = true;
    for (const w of this.files.values()) this.unwatch(w);
    for (const f of [...this.files.keys()]) this.drop(f);
  }
}
