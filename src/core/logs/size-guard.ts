// Keeps each log file postdeck's children write to within its bound, whatever the rate: while a
// file grows it is checked (polling, not inotify: a flooding child makes one inotify event per
// write, hundreds of thousands a second) as often as its rate needs, from every `hotMs` (a flood)
// to every `quietMs` (a slow writer, far from its bound); a file that stopped growing for
// `idleChecks` checks is not polled at all but watched (inotify, closed again at its first event,
// which brings a check at once): an idle service costs nothing; a file not there yet is made
// empty and watched, so a child started later is seen at its first write. A file woken
// `QUIET_WAKE_MS` or longer after its last wake (a service that writes a burst now and then)
// keeps its watch: one stat per burst (it was polled until idle: a hotMs check, then quietMs
// checks until idleChecks saw no growth, six a second for a burst a second, both here and in the
// flood cutter). A file woken sooner (an active writer, or a flood) is polled as before, until it
// did not grow for QUIET_WAKE_MS (outside a flood's hold) or idleChecks checks. Files
// polled every quietMs are checked together on one timer. While a follower watches the file (the
// log hub's), its watch's events stand for the guard's own (watch-relay.ts): one wake per burst for
// both, and the size its read found at the end of the file (if within the limit) for the fstat.
//
// Once over maxBytes a file is rotated: its newest maxBytes (floodBytes if it grew maxBytes a
// second or faster) read, the file truncated, then <file>.1 written while the checks go on (see
// rotation.ts). Within `minRotateMs` of its last rotation (or while <file>.1 is still being
// written) a file that grew past `floodBytes` (a flood) is truncated without a copy, and the bytes
// cut are said on the next rotated file's first line, which keeps only floodBytes of the flood:
// the live file of a flooding child stays small, so a check that comes late (a busy machine)
// still has room before the bound. A file cut in a flood (without a copy, or rotated after growing
// maxBytes a second or faster) within `hotHoldMs` is checked every hotMs (timed from the check's
// start, so a slow truncation does not stretch it) whether or not it grew since: a flooding child
// on a busy machine writes in bursts, and a check between two must not push the next one out to
// quietMs. The files of one log stay within
// (keep + 1) × maxBytes plus what the child writes in one hotMs and one truncation, and the daemon
// copies at most one maxBytes (in a flood one floodBytes) per `minRotateMs`. While a file is cut in
// a flood (within hotHoldMs) its rotations, too, come past floodBytes, once per minRotateMs: the
// newest lines of a long flood reach <file>.1 every second.
//
// All of that runs on the daemon's main thread, which a flood's own work (and a loaded machine)
// can hold up for hundreds of ms: a worker thread (flood-cutter.ts) watches the same files and cuts
// one that got past the guard's limits by a few MiB (bytes cut reported here, said in the next
// marker). That thread runs on demand (an isolate is ~9 MB of RSS): armed when files are added (a
// service about to start), by `armBackstop()` (the supervisor, at each spawn), and by every check
// that finds a file growing floodBytes a second or faster or cut in a flood; it ends `backstopHoldMs`
// after the last arm (3 s: what a start burst keeps the main thread busy; longer while that stays
// busy; flood-cutter.ts). A file being cut is truncated through a handle kept open until it goes idle: a truncate
// by path closes its fd, and on ext4 that close starts writeback of the file (flood-cutter.ts).
import { promises as fs, closeSync, fstatSync, mkdirSync, openSync, statSync, watch, type FSWatcher, type Stats } from "node:fs";
import path from "node:path";
import { LOG_FILE_MODE, readNewestTail, writeRotated } from "./rotation.js";
import { FloodCutter, QUIET_WAKE_MS } from "./flood-cutter.js";
import { relayWatch, type RelayedWatch } from "./watch-relay.js";

/** Default check interval of a flooding file: what a 1 GB/s writer adds meanwhile is 5 MB. */
const HOT_MS = 5;

export interface SizeGuardOptions {
  maxBytes: number;
  keep: number;
  /** Check interval while a file is growing fast or was just cut (default 5 ms). */
  hotMs?: number;
  /** Check interval of a file growing slowly, or one that is not there and cannot be made (default 200 ms). */
  quietMs?: number;
  /** Checks without growth after which a file is watched (inotify) instead of polled (default 5). */
  idleChecks?: number;
  /** A file woken by its watch this long after its previous wake keeps its watch through that check (default 500 ms). */
  quietWakeMs?: number;
  /** A file cut in a flood within this many ms is checked every hotMs, grown or not (default 5000 ms). */
  hotHoldMs?: number;
  /** At most one copying rotation per file per this many ms (default 1000 ms). */
  minRotateMs?: number;
  /**
   * Within minRotateMs of a rotation, truncate (no copy) past this size; a rotation after such cuts
   * keeps this much as <file>.1 (default 1 MiB; at most maxBytes).
   */
  floodBytes?: number;
  /** The worker-thread backstop (flood-cutter.ts; default true). */
  backstop?: boolean;
  /** How long the backstop's thread runs after it was last armed (default 3 s, BACKSTOP_HOLD_MS). */
  backstopHoldMs?: number;
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
  /** When a check last saw it grow (or it was added). */
  grewAt: number;
  /** The watch of an idle file (no timer meanwhile): inotify, or a follower's relayed. */
  watcher: FSWatcher | RelayedWatch | null;
  /** That watch is a follower's (watch-relay.ts). */
  relayed: boolean;
  /**
   * A read-only descriptor of the file watched, open while the watch is: a wake's check takes the
   * size from it (fstat), not by path (a stat by path cost ~60 µs more per burst on this machine).
   */
  fd: number;
  /** Its link count when the watch was set: another one means the path may name another file now. */
  links: number;
  /** Its watch fired: the rate is not known yet, the next check comes after hotMs. */
  woke: boolean;
  /** That wake came quietWakeMs or more after the one before: its watch stays on unless the check finds more to do. */
  quietWake: boolean;
  /** When its watch last fired. */
  wokeAt: number;
  checks: number;
  lastRotation: number;
  /** When it was last cut without a copy, or rotated after growing maxBytes a second or faster. */
  lastFlood: number;
  /** Bytes truncated without a copy since the last rotation. */
  cut: number;
  busy: boolean;
  /** The write of <file>.1 after a rotation, while it runs (no other copying rotation meanwhile). */
  writing: Promise<void> | null;
  /** Open from its first cut until it goes idle (no close per truncation), and its inode. */
  fh: fs.FileHandle | null;
  ino: number;
}

export class LogSizeGuard {
  private readonly files = new Map<string, Watched>();
  /**
   * Files due for a check quietMs from now (slow writers): checked together, on one timer — a timer
   * per file woke the daemon five times a second per service logging a line at a time.
   */
  private readonly quietRound = new Set<Watched>();
  private quietTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly now: () => number;
  private readonly cutter: FloodCutter | null;

  constructor(private o: SizeGuardOptions) {
    this.now = o.now ?? Date.now;
    this.cutter =
      o.backstop === false ? null : new FloodCutter(this.cutterLimits(), (r) => this.cutBehind(r.file, r.bytes), (err) => o.onError?.("(flood cutter)", err), { holdMs: o.backstopHoldMs });
  }

  private cutterLimits() {
    return { maxBytes: this.o.maxBytes, floodBytes: this.floodBytes(), hotMs: this.o.hotMs ?? HOT_MS, hotHoldMs: this.o.hotHoldMs ?? 5000 };
  }

  private floodBytes(): number {
    return Math.min(this.o.floodBytes ?? 1 << 20, this.o.maxBytes);
  }

  /** The backstop cut `bytes` of a file: said at its next rotation; it is in a flood. */
  private cutBehind(file: string, bytes: number): void {
    const w = this.files.get(file);
    if (!w) return;
    if (this.o.keep > 0) w.cut += bytes;
    w.lastFlood = this.now();
    this.cutter?.arm();
    w.lastSize = 0;
    if (!w.busy && !w.timer && !this.quietRound.has(w)) this.schedule(w, 0);
  }

  /** New limits (a reload). */
  setLimits(maxBytes: number, keep: number): void {
    this.o = { ...this.o, maxBytes, keep };
    this.cutter?.setLimits(this.cutterLimits());
  }

  /** Guards exactly these files (new ones added, others dropped). */
  setFiles(files: string[]): void {
    const want = new Set(files);
    for (const f of [...this.files.keys()]) if (!want.has(f)) this.drop(f);
    const added = [...want].filter((f) => !this.files.has(f));
    for (const f of added) this.add(f);
    this.cutter?.setFiles([...want]);
    // a new file is a service about to start: a flood from its first write meets the thread
    if (added.length > 0) this.cutter?.arm();
  }

  /** Starts the backstop's thread (unless it runs) and holds it backstopHoldMs more: a service is about to be spawned. */
  armBackstop(): void {
    this.cutter?.arm();
  }

  /** Whether the backstop's thread runs now (tests). */
  backstopRunning(): boolean {
    return this.cutter?.running() ?? false;
  }

  private add(file: string): void {
    const w: Watched = { file, timer: null, lastSize: 0, lastAt: this.now(), idle: 0, grewAt: this.now(), watcher: null, relayed: false, fd: -1, links: 0, woke: false, quietWake: false, wokeAt: -Infinity, checks: 0, lastRotation: -Infinity, lastFlood: -Infinity, cut: 0, busy: false, writing: null, fh: null, ino: -1 };
    this.files.set(file, w);
    this.schedule(w, 0);
  }

  private drop(file: string): void {
    const w = this.files.get(file);
    if (!w) return;
    this.files.delete(file);
    this.cancel(w);
    this.unwatch(w);
    this.closeHandle(w);
  }

  private closeHandle(w: Watched): void {
    void w.fh?.close().catch(() => undefined);
    w.fh = null;
  }

  /** Truncates a file to 0 through its handle (opened at the first cut, kept until it is idle). */
  private async truncate(w: Watched, ino: number): Promise<void> {
    if (w.fh && w.ino !== ino) this.closeHandle(w); // replaced since
    if (!w.fh) {
      w.fh = await fs.open(w.file, "r+");
      w.ino = (await w.fh.stat()).ino;
    }
    await w.fh.truncate(0); // off the main thread: it may wait in the kernel for the writer
  }

  /** An idle file: no timer, its next write (an inotify event) brings a check. False if it cannot be watched. */
  private watchIdle(w: Watched): boolean {
    if (w.watcher) {
      // still on since a quiet wake: a write after that wake's stat brings an event. Its own watch
      // gives way to a follower's that came since (that one sees every write from now on too)
      if (!w.relayed) {
        const own = w.watcher;
        if (this.relay(w)) own.close();
      }
      this.closeHandle(w);
      return true;
    }
    try {
      if (!this.relay(w)) {
        const watcher = watch(w.file, { persistent: false }, (event) => this.wake(w, event, null));
        w.watcher = watcher;
        watcher.on("error", () => {
          this.unwatch(w);
          this.schedule(w, 0);
        });
      }
    } catch {
      w.watcher = null;
      return false;
    }
    // a write between the last check and the watch: check now (the descriptor the wakes' checks use)
    let size = -1;
    try {
      w.fd = openSync(w.file, "r");
      const st = fstatSync(w.fd);
      size = st.size;
      w.links = st.nlink;
    } catch {
      /* removed meanwhile */
    }
    if (size !== w.lastSize) {
      this.unwatch(w);
      return false;
    }
    this.closeHandle(w);
    return true;
  }

  /**
   * Takes a follower's watch of the file (relayed) for its own; false: none watches it now. An event
   * whose read found the size last looked at brings nothing (the write that woke the guard's own
   * watch, given way to this one in its check, reaches the follower's too).
   */
  private relay(w: Watched): boolean {
    const relay = relayWatch(
      w.file,
      (event, size) => size !== w.lastSize && this.wake(w, event, size),
      () => this.relayEnded(w, relay),
    );
    if (!relay) return false;
    w.watcher = relay;
    w.relayed = true;
    return true;
  }

  /** An event of the file's watch (its own or relayed; size: what the follower's read found, else null). */
  private wake(w: Watched, event: string, size: number | null): void {
    const t = this.now();
    w.woke = true;
    w.quietWake = t - w.wokeAt >= (this.o.quietWakeMs ?? QUIET_WAKE_MS);
    w.wokeAt = t;
    // off at once (a flood makes an event per write), but for a write after a quiet while:
    // that one keeps its watch through its check, which may leave it on (no watch closed and
    // made again per burst); a rename: the watch is on the file that went
    if (!w.quietWake || event !== "change") this.unwatch(w);
    void this.check(w, size);
  }

  /**
   * The follower whose watch stood for this file's is no longer watching it (a write before its
   * paced read turns it off, or it stopped): the file watched here at once, its size looked at; one
   * that grew since the last look is woken as its own watch would have been.
   */
  private relayEnded(w: Watched, relay: RelayedWatch | null): void {
    if (w.watcher !== relay) return;
    this.unwatch(w);
    // a check under way ends in the watch or a timer itself
    if (w.busy || this.closed || this.files.get(w.file) !== w) return;
    if (!this.watchIdle(w)) this.wake(w, "change", null);
  }

  private unwatch(w: Watched): void {
    w.watcher?.close();
    w.watcher = null;
    w.relayed = false;
    if (w.fd >= 0) closeSync(w.fd);
    w.fd = -1;
  }

  /**
   * The file's size and inode: while its watch is on (a wake), through the descriptor kept with the
   * watch — the path names that file until a rename, which the watch reports ("rename": watch off).
   * Its links changed (a "change" event comes for that first): removed, or replaced by a rename over
   * it (sed -i, mv); the descriptor holds that inode, so the watch never says "rename" (no
   * IN_DELETE_SELF while a descriptor is open) and would stay on a file no one writes: the watch and
   * the descriptor go, and the path is looked at (the file there watched when the check ends).
   */
  private lookAt(w: Watched): Stats {
    if (w.fd >= 0) {
      const st = fstatSync(w.fd);
      if (st.nlink === w.links) return st;
      this.unwatch(w);
    }
    return statSync(w.file);
  }

  /** Whether a file is watched (idle, not polled) now, and how many checks it had (tests). */
  isWatched(file: string): boolean {
    return this.files.get(file)?.watcher != null;
  }

  /** Whether a file's watch is a follower's (relayed), not one of its own (tests). */
  isRelayed(file: string): boolean {
    return this.files.get(file)?.relayed ?? false;
  }

  checksOf(file: string): number {
    return this.files.get(file)?.checks ?? 0;
  }

  private schedule(w: Watched, ms: number): void {
    if (this.closed || this.files.get(w.file) !== w) return;
    this.cancel(w);
    this.unwatch(w);
    const quietMs = this.o.quietMs ?? 200;
    if (ms >= quietMs) {
      // in the next quiet round: within quietMs, never later
      this.quietRound.add(w);
      this.quietTimer ??= setTimeout(() => this.runQuietRound(), quietMs);
      this.quietTimer.unref();
      return;
    }
    w.timer = setTimeout(() => {
      w.timer = null;
      void this.check(w);
    }, ms);
    w.timer.unref();
  }

  /** Checks every file of the quiet round (each schedules its next check: maybe the next round). */
  private runQuietRound(): void {
    this.quietTimer = null;
    const due = [...this.quietRound];
    this.quietRound.clear();
    for (const w of due) void this.check(w);
  }

  /** Its pending check off (timer or quiet round). */
  private cancel(w: Watched): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    this.quietRound.delete(w);
  }

  /**
   * One check of one file: the stat synchronous, a rotation's read and the truncation off the main
   * thread. seen: its size as a follower's read just found it (relayed), taken instead of a stat
   * while within the limit (past it, a rotation needs the inode).
   */
  async check(w: Watched, seen: number | null = null): Promise<void> {
    if (w.busy) return;
    w.busy = true;
    w.checks++;
    let grew = false;
    let next = this.o.quietMs ?? 200;
    let size = -1;
    let ino = -1;
    let created = false;
    // woken after a quiet while, not in a flood's hold, nothing cut: its watch stays on
    let settle = false;
    // not grown for quietWakeMs, not in a flood's hold: a writer between two bursts
    let between = false;
    try {
      if (seen !== null && seen <= this.limitAt(w, this.now())) size = seen;
      else {
        try {
          const st = this.lookAt(w);
          size = st.size;
          ino = st.ino;
        } catch {
          created = createEmpty(w.file);
          if (created) size = 0;
        }
      }
      const t = this.now();
      grew = size > w.lastSize;
      // grew by maxBytes a second or faster since the last check. Not since the watch fired: a
      // burst wakes the watch and is all there at once (~0 ms), so every burst would count as a
      // flood and its rotation keep floodBytes; a woken file is checked again hotMs later, and a
      // flood shows its rate there
      const span = t - w.lastAt;
      const fast = grew && (size - w.lastSize) * 1000 >= this.o.maxBytes * Math.max(1, span);
      const flooding = this.flooding(w, t);
      const floodBytes = this.floodBytes();
      const hot = this.hot(w, t);
      // floodBytes a second or faster, or cut in a flood lately: the backstop's thread for the rest of it
      if (hot || (grew && (size - w.lastSize) * 1000 >= floodBytes * Math.max(1, span))) this.cutter?.arm();
      const limit = this.limitAt(w, t);
      // cut in a flood within the last hotHoldMs: its writer is bursty on a busy machine (a check
      // between two bursts saw little or nothing new); checked every hotMs until it stops (then
      // idle checks bring the watch) or slows down for hotHoldMs
      if (hot || (grew && w.woke)) next = this.o.hotMs ?? HOT_MS;
      else if (grew) next = this.nextCheck(size - w.lastSize, t - w.lastAt, limit - size);
      settle = w.woke && w.quietWake && !hot && size <= limit;
      if (grew) w.grewAt = t;
      between = !grew && !hot && t - w.grewAt >= (this.o.quietWakeMs ?? QUIET_WAKE_MS);
      w.woke = false;
      w.lastSize = Math.max(0, size);
      w.lastAt = t;
      if (size > limit) {
        if (!flooding && !w.writing && this.o.keep > 0) {
          // a rotation: the tail read, the file truncated, then <file>.1 written while checks go on
          w.lastRotation = t;
          if (fast) w.lastFlood = t;
          const cut = w.cut;
          w.cut = 0;
          // in a flood (cut since the last rotation, or growing maxBytes a second or faster) only
          // floodBytes are kept: read faster (the file grows until the truncation), a smaller
          // buffer, and the copies of a flood's lines do not take the whole budget
          const tail = await readNewestTail(w.fh && w.ino === ino ? w.fh : w.file, cut > 0 || fast || hot ? floodBytes : this.o.maxBytes);
          await this.truncate(w, ino);
          w.writing = this.keepTail(w.file, tail.bytes, cut + tail.skipped, cut > 0).finally(() => {
            w.writing = null;
          });
        } else {
          // refilled right after a rotation (a flood), or no copies kept: cut without copying;
          // what was cut is said at the next rotation
          await this.truncate(w, ino);
          if (this.o.keep > 0) w.cut += size;
          if (this.o.keep > 0 || fast) w.lastFlood = t;
        }
        w.lastSize = 0;
        grew = true;
        between = false;
        // from this check's start: a slow truncation does not stretch the interval
        next = Math.max(0, (this.o.hotMs ?? HOT_MS) - (this.now() - t));
      }
    } catch (err) {
      this.o.onError?.(w.file, err as Error);
    } finally {
      w.busy = false;
    }
    w.idle = grew ? 0 : w.idle + 1;
    if (this.closed || this.files.get(w.file) !== w) return;
    // a burst after a quiet while: a flood that goes on wakes the watch at once, and that wake,
    // not a quiet one, brings the hotMs checks. A file polled since a wake that came soon after
    // the one before (under load a burst a second can look like that: one event handled late)
    // is watched again once it did not grow for quietWakeMs: by idleChecks quiet checks alone a
    // burst a second never got back (its fifth check after a burst came a second after it, when
    // the next had grown the file) and was checked five times a second for good
    if (created) this.unwatch(w); // one kept from the wake is on a file that went
    if (size >= 0 && (created || settle || between || w.idle >= (this.o.idleChecks ?? 5)) && this.watchIdle(w)) {
      this.cancel(w);
      return;
    }
    this.schedule(w, next);
  }

  /** Writes <file>.1 after a rotation's truncation; says what was cut when a flood cut some. */
  private async keepTail(file: string, tail: Buffer, cut: number, flooded: boolean): Promise<void> {
    try {
      await writeRotated(file, this.o.keep, tail, cut);
      if (flooded) this.o.onCut?.(file, cut);
    } catch (err) {
      this.o.onError?.(file, err as Error);
    }
  }

  /** Within minRotateMs of its last rotation (copies kept): past floodBytes it is cut without a copy. */
  private flooding(w: Watched, t: number): boolean {
    return t - w.lastRotation < (this.o.minRotateMs ?? 1000) && this.o.keep > 0;
  }

  /** Cut in a flood within hotHoldMs. */
  private hot(w: Watched, t: number): boolean {
    return t - w.lastFlood < (this.o.hotHoldMs ?? 5000);
  }

  /** The size past which a check at `t` cuts: in a flood floodBytes too (below the backstop's limit: the newest lines kept). */
  private limitAt(w: Watched, t: number): number {
    return this.flooding(w, t) || this.hot(w, t) ? this.floodBytes() : this.o.maxBytes;
  }

  /**
   * The wait before the next check of a file that grew `bytes` in `ms`: half the time it would
   * take at that rate to fill the `room` left, within hotMs and quietMs (a flood: every hotMs).
   */
  private nextCheck(bytes: number, ms: number, room: number): number {
    const hot = this.o.hotMs ?? HOT_MS;
    const quiet = this.o.quietMs ?? 200;
    if (room <= 0 || ms <= 0) return hot;
    const fill = room / (bytes / ms);
    return Math.round(Math.min(quiet, Math.max(hot, fill / 2)));
  }

  /** Resolves once the backstop thread watches or polls the files of the last setFiles (or is gone). */
  backstopReady(): Promise<void> {
    return this.cutter?.ready() ?? Promise.resolve();
  }

  /** Checks every file now (tests). */
  async checkAll(): Promise<void> {
    await Promise.all([...this.files.values()].map((w) => this.check(w)));
  }

  close(): void {
    this.closed = true;
    this.cutter?.close();
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    for (const w of this.files.values()) this.unwatch(w);
    for (const f of [...this.files.keys()]) this.drop(f);
  }
}

/**
 * Makes a log file that is not there yet (empty, 0600; its directory 0700 if only that is missing)
 * so that it can be watched: the child spawned later appends to it (O_APPEND, no O_EXCL) and its
 * first write wakes the watch. A file only polled was found up to quietMs after a flooding child
 * started: 200 MB at 1 GB/s. Nothing above the directory is made (a state dir removed stays
 * removed). False if it cannot be made.
 */
function createEmpty(file: string): boolean {
  try {
    try {
      mkdirSync(path.dirname(file), { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    closeSync(openSync(file, "a", LOG_FILE_MODE));
    return true;
  } catch {
    return false;
  }
}
