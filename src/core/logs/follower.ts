// Follows a growing file by polling: reads what was appended since the last offset, splits it
// into lines, survives copytruncate (size < offset → from 0) and rename rotation (new inode →
// drain the old file, then read the new one from 0), and caps line length. Each step reads at most
// maxReadBytes and hands on at most maxLines lines: a source that writes faster is skipped ahead
// (one `… N lines skipped …` line says so) instead of buffered, so memory stays bounded.
// While an inotify watch is on the file, the watch says when to read and the fallback poll comes
// only every `watchedPollMs`; a step it brings is one read when it catches up (no stat: a rename
// is an event too, a truncation reads nothing and takes the way with the size).
// With a filter (setFilter: what state parsers look for, while no client watches the lines) only
// the lines holding one of its needles are made strings; the others are counted, not decoded.
// The watch's events are relayed to the size guard of the same file (watch-relay.ts), with the
// size a read at the event found: one wake per write for both.
import { promises as fs, readSync, statSync, watch, type FSWatcher, type Stats } from "node:fs";
import { relayEnd, relayEvent, relayStart } from "./watch-relay.js";

export const MAX_LINE_BYTES = 4096;
const READ_CHUNK = 64 * 1024;
export const MAX_READ_BYTES = 256 * 1024;
export const MAX_LINES_PER_STEP = 2000;
/**
 * The buffer of the read an inotify event brings (one for every follower): that read is
 * synchronous (a log file just written is in the page cache) and its bytes are decoded before it
 * returns, so nothing else uses the buffer meanwhile — no 64 KiB allocated per read, no trip
 * through the thread pool for a service's burst.
 */
let notifyBuf: Buffer | null = null;
/**
 * Buffers of the chunked reads (awaited, so several followers may read at once), reused instead
 * of one 64 KiB Buffer per chunk: each went through malloc, and with 64 services logging on a busy
 * machine glibc's heap kept ~30 MB of them after they were freed (the daemon's [heap] mapping 33 MB
 * against 10 MB with allocations this size mmapped instead, MALLOC_MMAP_THRESHOLD_=65536).
 */
const spareChunks: Buffer[] = [];
const MAX_SPARE_CHUNKS = 4;
/** No partial line (shared: never written to). */
const NO_BYTES = Buffer.alloc(0);

/** Average line length assumed before any line was read (to estimate lines skipped unread). */
const DEFAULT_LINE_BYTES = 100;

/** The line that stands for lines not shown. */
export function skippedLine(n: number, estimated: boolean): string {
  return `… ${estimated ? "about " : ""}${n} line${n === 1 ? "" : "s"} skipped (written faster than they can be shown) …`;
}

export interface FollowerOptions {
  /** Poll interval (ms) while there is no inotify watch on the file (it is not there yet, or watching failed). */
  pollMs?: number;
  /** Poll interval (ms) while an inotify watch is on the file (default 30 s: a safety net only). */
  watchedPollMs?: number;
  /** Start this many bytes before the current end (the first partial line is dropped); default 0 = at the end. */
  backfillBytes?: number;
  maxLineBytes?: number;
  /** At most one read per this many ms when inotify fires (default 250). */
  notifyMinMs?: number;
  /** Bytes read per step at most; more waiting is skipped (default 256 KiB). */
  maxReadBytes?: number;
  /** Lines handed on per step at most; older ones of the step are skipped (default 2000). */
  maxLines?: number;
}

export class FileFollower {
  private fh: fs.FileHandle | null = null;
  private ino = -1;
  private offset = 0;
  private partial: Buffer = NO_BYTES;
  private firstOpen = true;
  /** End of the history asked for (backfillBytes): read in full, unlike what is appended later. */
  private historyEnd = 0;
  private skipPartialFirst = false;
  private timer: NodeJS.Timeout | null = null;
  private safetyMs = 0;
  private busy: Promise<void> | null = null;
  private rerun: Promise<void> | null = null;
  private closed = false;
  private watcher: FSWatcher | null = null;
  private notifyTimer: NodeJS.Timeout | null = null;
  private lastStep = 0;
  /** Bytes and lines read so far (for the average line length of skipped bytes). */
  private readBytes = 0;
  private readLines = 0;
  /** Bytes known to be there but not read (lost to a truncation), reported with the next lines. */
  private unreadBytes = 0;
  private lastSize = 0;
  /** The source outran the last read: inotify is off (one event per write) and polls come every notifyMinMs. */
  private outrun = false;
  private outrunTimer: NodeJS.Timeout | null = null;
  /** Reads at most once per this many ms when inotify fires (setPace; null: notifyMinMs). */
  private pace: number | null = null;
  /** The watch reported a rename (or none is on): the next step looks at the path again. */
  private renamed = true;
  /** Events since the pending read's timer was set (paceTimer), and when the first of them came. */
  private waitEvents = 0;
  private waitFrom = 0;
  /** What the next step counts as its time (lastStep) instead of now: a lone write's read counts from the write. */
  private stepAnchor: number | null = null;

  /** The needles of setFilter, and what is searched for them (null: every line is handed on). */
  private needles: NeedleSearch | null = null;
  /** Lines read and left out by the filter since the last hand-on. */
  private filtered = 0;

  /**
   * onLines: the lines read (in order), and how many lines were read for them — more than
   * lines.length when a filter left lines out (setFilter).
   */
  constructor(
    readonly file: string,
    private readonly onLines: (lines: string[], read: number) => void,
    private readonly o: FollowerOptions = {},
  ) {}

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.armSafety();
  }

  /**
   * The poll timer: every pollMs without a watch; with one (or a read already due: onNotify) its
   * events say when to read and this is a safety net every watchedPollMs — one timer per file
   * waking the daemon every pollMs was 64 wake-ups a second for 64 idle services.
   */
  private armSafety(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed) return;
    const watched = this.watcher !== null || this.notifyTimer !== null;
    const every = watched ? (this.o.watchedPollMs ?? 30_000) : (this.o.pollMs ?? 1000);
    this.safetyMs = every;
    this.timer = setTimeout(() => {
      this.timer = null;
      const watchedNow = this.watcher !== null || this.notifyTimer !== null;
      if (!watchedNow || Date.now() - this.lastStep >= (this.o.watchedPollMs ?? 30_000)) {
        if (!(watchedNow && this.unchangedSinceRead())) void this.poll();
      }
      this.armSafety();
    }, every);
    this.timer.unref();
  }

  /**
   * The safety net's look at a watched file at rest: the path is still the file read (same inode),
   * every byte of it read (size = offset), no read under way: the step a poll would take does
   * nothing then, so none is taken (a poll's promises for each of 64 idle files every 30 s were a
   * share of an idle daemon's main thread like its node polls'). Counts as a step, as a poll would.
   */
  private unchangedSinceRead(): boolean {
    if (!this.fh || this.busy || this.renamed) return false;
    let st: Stats | undefined;
    try {
      st = statSync(this.file, { throwIfNoEntry: false });
    } catch {
      return false;
    }
    if (!st || st.ino !== this.ino || st.size !== this.offset) return false;
    this.lastStep = Date.now();
    return true;
  }

  /** The poll timer's interval now (tests). */
  safetyPollMs(): number | null {
    return this.timer ? this.safetyMs : null;
  }

  /** Offset in the current file up to which complete lines were handed on (0 before it was opened). */
  linesEnd(): number {
    return this.fh ? this.offset - this.partial.length : 0;
  }

  /**
   * Reads at most once per `ms` while the file is written to (null: notifyMinMs, 250 ms): slower
   * when no one watches the lines as they come. The bytes and lines one read may hand on grow in
   * proportion, so the rate a source can write without being skipped stays the same.
   */
  setPace(ms: number | null): void {
    this.pace = ms;
  }

  private notifyMs(): number {
    return this.pace ?? this.o.notifyMinMs ?? 250;
  }

  /** How much more one read may hand on at this pace than at notifyMinMs. */
  private paceFactor(): number {
    return Math.max(1, this.notifyMs() / (this.o.notifyMinMs ?? 250));
  }

  /**
   * Hands on only the lines that hold one of `needles` (byte strings searched in what was read,
   * before any line is decoded); the others are counted. null: every line (the default).
   */
  setFilter(needles: readonly string[] | null): void {
    this.needles = needles ? needleSearch(needles) : null;
  }

  /** Whether an inotify watch is on the file now (tests). */
  watched(): boolean {
    return this.watcher !== null;
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unwatch();
    await this.busy;
    await this.rerun;
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
  }

  /** Watches the current file (inotify) so appends are read at once; polling covers everything else. */
  private rewatch(): void {
    if (this.outrun) return; // polled every notifyMinMs meanwhile (setOutrun)
    this.unwatch();
    if (this.closed) return;
    try {
      this.watcher = watch(this.file, { persistent: false }, (event) => relayEvent(this.file, this, event, this.onNotify(event)));
      this.renamed = false;
      relayStart(this.file, this);
      this.watcher.on("error", () => this.unwatch());
      if (this.timer && this.safetyMs !== (this.o.watchedPollMs ?? 30_000)) this.armSafety();
    } catch {
      this.watcher = null;
    }
  }

  private unwatch(): void {
    this.closeWatch();
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
    if (this.outrunTimer) clearTimeout(this.outrunTimer);
    this.outrunTimer = null;
    // no watch: polled every pollMs again until there is one (a rotated file not yet re-created)
    if (this.timer && this.safetyMs !== (this.o.pollMs ?? 1000)) this.armSafety();
  }

  /**
   * A source that writes faster than we read fires inotify for every write: while it does, the
   * watch is closed and a poll comes every notifyMinMs instead; the watch is back once we caught up.
   */
  private setOutrun(outrun: boolean): void {
    if (outrun === this.outrun) return;
    this.outrun = outrun;
    if (outrun) {
      this.unwatch();
      const every = this.notifyMs();
      const tick = () => {
        this.outrunTimer = setTimeout(() => {
          this.outrunTimer = null;
          void this.poll().then(() => {
            if (this.outrun && !this.closed && !this.outrunTimer) tick();
          });
        }, every);
        this.outrunTimer.unref?.();
      };
      tick();
    } else this.rewatch();
  }

  /**
   * A chatty writer fires inotify for every write: read at most once per `notifyMinMs` (250 ms)
   * per file instead of once per notification (the hub batches lines every ~100 ms anyway).
   * At a slower pace (setPace: no client watches the lines) a second write before that read turns
   * the watch off until the read: a service writing a line at a time would wake the daemon for each
   * (3,200 wake-ups/s for 16 services at 200 lines/s) for one read a second. The read looks at the
   * path (a rotation meanwhile brought no event); the watch stays off while reads find more (see
   * readPaced). Returns the file's size when this event's read reached its end (else null).
   */
  private onNotify(event: string): number | null {
    if (event === "rename") {
      this.renamed = true;
      // the watch is on a file no longer at the path until a read switches to the new one (a pace
      // later): the size guard relayed to watches the path itself from now on
      relayEnd(this.file, this);
    }
    if (this.closed) return null;
    if (this.notifyTimer) {
      this.waitEvents++;
      // written again before the read it brought: a chatty writer; at the slow pace, no event
      // until that read (a burst a second brings one event and keeps the watch)
      if (this.pace !== null && this.pace > (this.o.notifyMinMs ?? 250)) this.closeWatch();
      return null;
    }
    const wait = Math.max(0, this.lastStep + this.notifyMs() - Date.now());
    if (wait <= this.notifyMs() / 10 && this.watcher !== null && !this.busy) {
      // the last read is a pace ago, or nearly (a burst a second: its event comes a few ms either
      // side of a pace after the last read, and half of them waited for a timer of a few ms): read
      // now, no timer in between; one read of what was appended is done here, synchronously (no
      // poll's promises per burst), else by a step
      if (this.readNotified()) return this.offset;
      void this.poll(true);
      return null;
    }
    this.paceTimer(wait);
    this.waitEvents = 1;
    this.waitFrom = Date.now();
    return null;
  }

  /**
   * The read a write brought, `ms` from now (notifyTimer: its pending read). When one write alone
   * brought it (no other event while it waited), the pace counts from that write, not from the
   * read: a burst a second whose event once came early in the pace (the first burst after a start,
   * a rotation or a client's read) was read by the timer, a pace after the read before, and every
   * burst after it came the same time early and waited for a timer again — two wake-ups per burst
   * for good. Counted from the write, the next burst's event (a second later) brings its read at
   * once (one that came more than half a pace early: the burst after it). Never more than half a
   * pace before the read: two lone writes, the second right after the first one's read, do not
   * bring two reads in a row. A chatty writer (more events while the read waits) counts from the read.
   */
  private paceTimer(ms: number): void {
    this.waitEvents = 0;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      if (this.watcher === null && !this.outrun) void this.readPaced();
      else {
        if (this.waitEvents === 1) this.stepAnchor = Math.max(this.waitFrom, Date.now() - this.notifyMs() / 2);
        void this.poll(true);
      }
    }, ms);
    this.notifyTimer.unref?.();
  }

  /**
   * The paced read of a file whose watch is off (written again before its read, at the slow pace):
   * while reads find more, the next comes a pace later with the watch still off — a service logging
   * a line at a time cost two inotify events and a watch closed and opened again per read; once a
   * read finds nothing new the watch is back on (then a look at the size: a write before it brought
   * no event).
   */
  private async readPaced(): Promise<void> {
    const before = this.readBytes;
    await this.poll();
    if (this.closed || this.outrun || this.notifyTimer) return;
    if (this.readBytes > before && this.pace !== null && this.pace > (this.o.notifyMinMs ?? 250)) {
      this.closeWatch(); // a rotated file's successor is watched once opened
      this.paceTimer(this.notifyMs());
      return;
    }
    this.rewatch();
    await this.poll();
  }

  /** Closes the inotify watch alone (a pending read keeps its timer); the guard relayed to watches the file itself again. */
  private closeWatch(): void {
    if (this.watcher) relayEnd(this.file, this);
    this.watcher?.close();
    this.watcher = null;
    this.renamed = true;
  }

  /**
   * One poll step (exposed so tests can drive it without timers). fromWatch: an inotify event
   * brought it, and the watch would have said (rename) if the path had moved: one fstat suffices.
   */
  async poll(fromWatch = false): Promise<void> {
    if (this.closed) return;
    if (this.busy) {
      // a poll is under way and may have looked before the latest write: run one more after it
      if (!this.rerun) {
        this.rerun = this.busy.then(() => {
          this.rerun = null;
          return this.poll();
        });
      }
      return this.rerun;
    }
    this.busy = this.step(fromWatch)
      .catch(() => undefined) // a vanished or unreadable file is retried at the next poll
      .finally(() => {
        this.busy = null;
      });
    return this.busy;
  }

  /**
   * The step an inotify event brings when it is one read of what was appended (the path not moved):
   * done now, synchronously. False: not done (a step does it).
   */
  private readNotified(): boolean {
    if (!this.fh || !this.watcher || this.renamed) return false;
    const at = this.stepAnchor ?? Date.now();
    try {
      if (!this.readAppended()) return false;
    } catch {
      return false; // the step retries it
    }
    this.lastStep = at;
    this.stepAnchor = null;
    return true;
  }

  private async step(fromWatch: boolean): Promise<void> {
    this.lastStep = this.stepAnchor ?? Date.now();
    this.stepAnchor = null;
    if (fromWatch && this.fh && this.watcher && !this.renamed) {
      // no link left (its fstat, when the event had nothing to read): removed, or replaced by a
      // rename over it (sed -i, mv), which the watch does not say while the descriptor here holds
      // the old inode (no "rename"): the path is looked at
      if (await this.readAvailable(true)) return;
    }
    // synchronous: a stat of a local log file takes microseconds, a trip through libuv's thread
    // pool (and back to this thread) costs more than that on each side, every paced read
    let st: Stats | null;
    try {
      st = statSync(this.file, { throwIfNoEntry: false }) ?? null;
    } catch {
      st = null;
    }
    if (this.fh && (!st || st.ino !== this.ino)) {
      // renamed away (rotation): finish the old file, then switch to the new one
      await this.readAvailable();
      this.flushPartial();
      await this.fh.close().catch(() => undefined);
      this.fh = null;
      this.unwatch(); // it watches the old file: poll every pollMs until the new one is there
    }
    if (!st) return;
    let opened = false;
    if (!this.fh) {
      opened = true;
      try {
        this.fh = await fs.open(this.file, "r");
      } catch {
        return;
      }
      this.ino = (await this.fh.stat()).ino;
      this.rewatch();
      if (this.firstOpen) {
        const back = this.o.backfillBytes ?? 0;
        this.offset = Math.max(0, st.size - back);
        this.historyEnd = st.size;
        if (this.offset > 0) {
          // mid-file start: drop the first line only if it is cut
          const one = Buffer.alloc(1);
          await this.fh.read(one, 0, 1, this.offset - 1);
          this.skipPartialFirst = one[0] !== 0x0a;
        }
      } else {
        this.offset = 0;
        this.historyEnd = 0;
      }
      this.firstOpen = false;
    }
    if (st.size < this.offset) {
      // copytruncate: the file was emptied under us; what we had not read of it is gone
      this.unreadBytes += Math.max(0, this.lastSize - this.offset);
      this.offset = 0;
      this.historyEnd = 0;
      this.partial = NO_BYTES;
    }
    // just opened: `st` was taken before the watch was on, and what was written in between would
    // bring no event — read to the end the descriptor sees now. The descriptor reads the file at
    // the path (same inode): one synchronous read first, as for an inotify event
    if (opened || st.size > this.offset) await this.readAvailable(true);
  }

  /**
   * appended: an inotify event says the file grew, or a stat of the path just did (the descriptor
   * reads that file); try one synchronous read without an fstat first. False: its fstat found the
   * file read without a link (removed, or replaced by a rename over it).
   */
  private async readAvailable(appended = false): Promise<boolean> {
    if (!this.fh) return true;
    if (appended && this.readAppended()) return true;
    const st = await this.fh.stat();
    const size = st.size;
    if (size < this.offset) {
      this.unreadBytes += Math.max(0, this.lastSize - this.offset);
      this.offset = 0; // truncated between the path stat and now
      this.historyEnd = 0;
      this.partial = NO_BYTES;
    }
    this.lastSize = size;
    // the history asked for is read in full, handed on a chunk at a time
    while (this.offset < Math.min(this.historyEnd, size)) {
      const lines: string[] = [];
      if (!(await this.readChunk(Math.min(this.historyEnd, size), lines))) break;
      const read = lines.length + this.filtered;
      this.filtered = 0;
      this.readLines += read;
      if (read > 0) this.onLines(lines, read);
    }
    const budget = (this.o.maxReadBytes ?? MAX_READ_BYTES) * this.paceFactor();
    const outrun = size - this.offset > budget;
    this.setOutrun(outrun);
    if (outrun) {
      // the source outruns us: skip to its last `budget` bytes, from a line start
      this.unreadBytes += size - budget - this.offset + this.partial.length;
      this.partial = NO_BYTES;
      this.offset = size - budget;
      this.skipPartialFirst = true;
      const one = Buffer.alloc(1);
      await this.fh.read(one, 0, 1, this.offset - 1);
      if (one[0] === 0x0a) this.skipPartialFirst = false;
    }
    const lines: string[] = [];
    while (this.offset < size && (await this.readChunk(size, lines)));
    this.handOn(lines);
    return st.nlink > 0;
  }

  /**
   * One synchronous read of what was appended (no history or skipped bytes to account for): less
   * than a chunk (or the read budget) read is all of it (no backlog to skip), handed on. False:
   * nothing read (truncated?) or a full chunk (more waiting): the way with the size.
   */
  private readAppended(): boolean {
    if (!this.fh || this.outrun || this.offset < this.historyEnd || this.unreadBytes !== 0) return false;
    const buf = (notifyBuf ??= Buffer.allocUnsafe(READ_CHUNK));
    const want = Math.min(READ_CHUNK, (this.o.maxReadBytes ?? MAX_READ_BYTES) * this.paceFactor());
    const bytesRead = readSync(this.fh.fd, buf, 0, want, this.offset);
    if (bytesRead <= 0 || bytesRead >= want) return false;
    this.offset += bytesRead;
    this.readBytes += bytesRead;
    this.lastSize = this.offset;
    const lines: string[] = [];
    this.split(buf.subarray(0, bytesRead), lines);
    this.handOn(lines);
    return true;
  }

  /** Hands on what one step read: at most maxLines, after one line for what was skipped. */
  private handOn(lines: string[]): void {
    const filtered = this.filtered;
    this.filtered = 0;
    this.readLines += lines.length + filtered;
    const maxLines = (this.o.maxLines ?? MAX_LINES_PER_STEP) * this.paceFactor();
    let skipped = 0;
    // lines the filter kept are few and each one state needs: none dropped for maxLines
    if (filtered === 0 && lines.length > maxLines) {
      skipped = lines.length - maxLines;
      lines = lines.slice(skipped);
    }
    const estimated = this.unreadBytes > 0;
    if (estimated) {
      const avg = this.readLines > 0 ? Math.max(1, this.readBytes / this.readLines) : DEFAULT_LINE_BYTES;
      skipped += Math.max(1, Math.round(this.unreadBytes / avg));
      this.unreadBytes = 0;
    }
    if (skipped > 0) lines.unshift(skippedLine(skipped, estimated));
    if (lines.length + filtered > 0) this.onLines(lines, lines.length + filtered);
  }

  /** Reads one chunk (up to `end`) into `out`; false when nothing could be read. */
  private async readChunk(end: number, out: string[]): Promise<boolean> {
    const want = Math.min(READ_CHUNK, end - this.offset);
    const buf = spareChunks.pop() ?? Buffer.allocUnsafe(READ_CHUNK);
    try {
      const { bytesRead } = await this.fh!.read(buf, 0, want, this.offset);
      if (bytesRead <= 0) return false;
      this.offset += bytesRead;
      this.readBytes += bytesRead;
      this.split(buf.subarray(0, bytesRead), out);
      return true;
    } finally {
      if (spareChunks.length < MAX_SPARE_CHUNKS) spareChunks.push(buf);
    }
  }

  private split(chunk: Buffer, out: string[]): void {
    const max = this.o.maxLineBytes ?? MAX_LINE_BYTES;
    let data = chunk;
    if (this.partial.length > 0) {
      // the line begun before: only it is joined (a copy of the whole chunk was a 64 KiB malloc per read)
      const nl = chunk.indexOf(0x0a);
      const joined = Buffer.concat([this.partial, nl < 0 ? chunk : chunk.subarray(0, nl + 1)]);
      this.partial = NO_BYTES;
      this.split(joined, out);
      if (nl < 0) return;
      data = chunk.subarray(nl + 1);
    }
    // by offsets into the chunk: a string per line and no Buffer view (three were made per line)
    let start = 0;
    let nl: number;
    if (this.needles) start = this.splitFiltered(data, out, max);
    else {
      while ((nl = data.indexOf(0x0a, start)) >= 0) {
        if (this.skipPartialFirst) this.skipPartialFirst = false;
        else out.push(decode(data, start, nl, max));
        start = nl + 1;
      }
    }
    if (data.length - start > max) {
      // an endless line: emit what we have, cut
      if (this.needles && !holdsNeedle(data, start, start + max, this.needles.needles)) this.filtered++;
      else out.push(decode(data, start, data.length, max));
      start = data.length;
    }
    // a copy: the chunk may be the shared read buffer
    this.partial = start < data.length ? Buffer.from(data.subarray(start)) : NO_BYTES;
  }

  /**
   * The complete lines of `data` with a filter on: a few anchors (substrings that every needle
   * holds one of) searched in the bytes (native, no string made), each line holding one checked for
   * the needles themselves, only those decoded; the others counted (filtered). Returns where the
   * last complete line ends (its partial line starts).
   */
  private splitFiltered(data: Buffer, out: string[], max: number): number {
    const end = data.lastIndexOf(0x0a) + 1;
    if (end === 0) return 0;
    let from = 0;
    if (this.skipPartialFirst) {
      this.skipPartialFirst = false;
      from = data.indexOf(0x0a) + 1;
    }
    const { anchors, needles } = this.needles!;
    // starts of the lines that hold an anchor, in order, each once
    let starts: number[] | null = null;
    for (const anchor of anchors) {
      let at = data.indexOf(anchor, from);
      while (at >= 0 && at < end) {
        // (an empty anchor is found at an empty line's newline: not the start of the line after)
        (starts ??= []).push(at === 0 ? 0 : data.lastIndexOf(0x0a, at - 1) + 1);
        at = data.indexOf(anchor, data.indexOf(0x0a, at) + 1);
      }
    }
    let kept = 0;
    if (starts) {
      if (anchors.length > 1) starts.sort((a, b) => a - b);
      let last = -1;
      for (const ls of starts) {
        if (ls === last) continue;
        last = ls;
        const le = data.indexOf(0x0a, ls);
        // a line holds a needle only within its first max bytes (as decoded, cut there)
        if (!holdsNeedle(data, ls, Math.min(le, ls + max), needles)) continue;
        out.push(decode(data, ls, le, max));
        kept++;
      }
    }
    this.filtered += countNewlines(data, from, end) - kept;
    return end;
  }

  private flushPartial(): void {
    if (this.partial.length > 0) this.onLines([decode(this.partial, 0, this.partial.length, this.o.maxLineBytes ?? MAX_LINE_BYTES)], 1);
    this.partial = NO_BYTES;
  }
}

/** Newlines in b[from, end) (native searches: a loop over the bytes in JS took ~6x the CPU). */
function countNewlines(b: Buffer, from: number, end: number): number {
  let n = 0;
  for (let i = b.indexOf(0x0a, from); i >= 0 && i < end; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}

interface NeedleSearch {
  needles: Buffer[];
  /** Every needle holds one of these: each is one native search of what was read. */
  anchors: Buffer[];
}

/**
 * The needles, and anchors for them: fewer substrings than needles that every needle holds one of
 * (each a search over every read: 11 needles of post-service lines took 43 us per 23 kB burst, 4
 * anchors 15 us). Picked greedily: the substring of at least MIN_ANCHOR bytes held by the most
 * needles not yet covered, the longest of those (a longer one is found faster, and in fewer lines).
 * Worked out once per list (every follower of the daemon is given the same).
 */
function needleSearch(list: readonly string[]): NeedleSearch {
  const key = JSON.stringify(list);
  let s = searches.get(key);
  if (!s) {
    // as latin1 text: one char per byte, so a substring here is one of the bytes
    const needles = list.map((n) => Buffer.from(n).toString("latin1"));
    const anchors: string[] = [];
    let left = needles;
    if (needles.includes("")) anchors.push(""); // every line
    else {
      while (left.length > 0) {
        let best = left[0]!;
        let bestCount = 0;
        for (const n of left) {
          const min = Math.min(MIN_ANCHOR, n.length);
          for (let i = 0; i + min <= n.length; i++) {
            for (let j = i + min; j <= n.length; j++) {
              const sub = n.slice(i, j);
              const count = left.reduce((c, x) => (x.includes(sub) ? c + 1 : c), 0);
              if (count > bestCount || (count === bestCount && sub.length > best.length)) {
                best = sub;
                bestCount = count;
              }
            }
          }
        }
        anchors.push(best);
        left = left.filter((x) => !x.includes(best));
      }
    }
    const bytes = (xs: string[]) => xs.map((x) => Buffer.from(x, "latin1"));
    s = { needles: bytes(needles), anchors: bytes(anchors) };
    if (searches.size >= 16) searches.clear();
    searches.set(key, s);
  }
  return s;
}

/** needleSearch's work, by list. */
const searches = new Map<string, NeedleSearch>();

/** The shortest anchor considered (a shorter one is found in more lines that then hold no needle). */
const MIN_ANCHOR = 4;

/** Whether b[start, end) holds one of the needles. */
function holdsNeedle(b: Buffer, start: number, end: number, needles: Buffer[]): boolean {
  const line = b.subarray(start, end);
  return needles.some((n) => line.includes(n));
}

/** Bytes start..end of b (at most max of them) as text, without a CR at the end. */
function decode(b: Buffer, start: number, end: number, max: number): string {
  const s = b.toString("utf8", start, Math.min(end, start + max));
  return s.endsWith("\r") ? s.slice(0, -1) : s;
}
