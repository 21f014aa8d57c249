// LogHub: follows named sources (each service's log file, the node log) and hands every line read
// to raw listeners (what state needs: the node monitor, the orchestrator). It holds no lines per
// source: while a client watches (watch(), e.g. an open event stream) the lines are made LogLines
// and emitted in batches (every ~100 ms, not per line) of at most maxBatchLines (older lines of a
// larger batch are dropped: a flood is never buffered); recent() reads a source's tail from its
// file when a client asks. Each source counts its lines (seq), so a tail and the batches after it
// fit together. A raw listener may say which lines it needs (needles: substrings, per source):
// while no client watches, a source whose every listener says so has only the lines holding one of
// them made strings (FileFollower.setFilter); the rest are counted, never decoded.
import { EventEmitter } from "node:events";
import { promises as fs } from "node:fs";
import type { LogLine } from "../../protocol/model.js";
import { FileFollower, MAX_LINE_BYTES } from "./follower.js";
import { detectLevel } from "./level.js";
import { sanitizeLine } from "./sanitize.js";
import { readTail } from "./tail.js";

export type RawLinesListener = (source: string, lines: string[]) => void;

/**
 * What lines of a source a raw listener needs: those holding one of these substrings (it may be
 * given others too); null: every line.
 */
export type LineNeedles = (source: string) => readonly string[] | null;

interface RawListener {
  fn: RawLinesListener;
  needles: LineNeedles | null;
}

/** How often a follower reads a file being written to while no client watches (state parsers need no more). */
export const UNWATCHED_READ_MS = 1000;

export interface LogHubOptions {
  /** Lines recent() returns at most (config logs.ringLines). */
  ringLines: number;
  batchMs?: number;
  /** Lines per emitted batch at most (default 5000). */
  maxBatchLines?: number;
  pollMs?: number;
  now?: () => number;
}

interface Source {
  file: string;
  follower: FileFollower;
  /** Lines read from this source so far (the seq of the newest). */
  seq: number;
}

/** Events: "lines" (LogLine[]) — a batch across sources, only while a client watches. */
export class LogHub extends EventEmitter {
  private readonly sources = new Map<string, Source>();
  private readonly raw = new Set<RawListener>();
  private pending: LogLine[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
  private watchers = 0;
  private readonly now: () => number;

  constructor(private readonly o: LogHubOptions) {
    super();
    this.now = o.now ?? Date.now;
  }

  /** Follows `file` as `source` (replacing an earlier file for it). backfillBytes: history to load first. */
  follow(source: string, file: string, o: { backfillBytes?: number } = {}): void {
    const cur = this.sources.get(source);
    if (cur?.file === file) return;
    if (cur) void cur.follower.stop();
    const s: Source = { file, seq: cur?.seq ?? 0, follower: undefined as unknown as FileFollower };
    s.follower = new FileFollower(file, (lines, read) => this.onFileLines(source, s, lines, read), {
      backfillBytes: o.backfillBytes ?? 256 * 1024,
      pollMs: this.o.pollMs,
    });
    s.follower.setPace(this.watchers > 0 ? null : UNWATCHED_READ_MS);
    s.follower.setFilter(this.filterOf(source));
    this.sources.set(source, s);
    s.follower.start();
  }

  async unfollow(source: string): Promise<void> {
    const s = this.sources.get(source);
    if (!s) return;
    this.sources.delete(source);
    await s.follower.stop();
  }

  sourceNames(): string[] {
    return [...this.sources.keys()];
  }

  has(source: string): boolean {
    return this.sources.has(source);
  }

  /**
   * A client watches the lines (an open event stream): until the returned function is called,
   * lines are emitted as "lines" batches. Without a watcher no LogLine is made or held.
   */
  watch(): () => void {
    if (this.watchers++ === 0) this.setPace(null);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.watchers > 0) return;
      this.pending = [];
      this.setPace(UNWATCHED_READ_MS);
    };
  }

  /** A watched source is read every ~250 ms while written to, an unwatched one every second. */
  private setPace(ms: number | null): void {
    for (const s of this.sources.values()) s.follower.setPace(ms);
    this.setFilters();
  }

  /**
   * The lines a source's follower hands on: all while a client watches or a listener needs all,
   * else those holding a needle of some listener (none without listeners).
   */
  private filterOf(source: string): readonly string[] | null {
    if (this.watchers > 0) return null;
    const all = new Set<string>();
    for (const l of this.raw) {
      const n = l.needles?.(source) ?? null;
      if (n === null) return null;
      for (const x of n) all.add(x);
    }
    // a needle that holds another is found by that one: each needle is a search of every chunk
    const list = [...all];
    return list.filter((x) => !list.some((y) => y !== x && x.includes(y)));
  }

  private setFilters(): void {
    for (const [name, s] of this.sources) s.follower.setFilter(this.filterOf(name));
  }

  /** Clients watching now. */
  watching(): number {
    return this.watchers;
  }

  /**
   * The last n lines of a source (at most ringLines), oldest first, read from its file up to what
   * was read of it (after a rotation also from <file>.1); the newest has the source's latest seq.
   */
  async recent(source: string, n: number): Promise<LogLine[]> {
    const s = this.sources.get(source);
    if (!s) return [];
    await s.follower.poll();
    const want = Math.min(n, this.o.ringLines);
    const maxBytes = Math.min(want * MAX_LINE_BYTES, 8 << 20);
    const end = s.follower.linesEnd();
    let texts = await readTail(s.file, want, { end, maxBytes });
    if (texts.length < want) texts = [...(await readTail(`${s.file}.1`, want - texts.length, { maxBytes })), ...texts];
    // when they were written is not kept: the file's last change stands for it
    const at = await fs.stat(s.file).then((st) => st.mtimeMs, () => this.now());
    const first = s.seq - texts.length + 1;
    return texts.map((text, i) => ({ source, seq: first + i, at, level: detectLevel(text), text: sanitizeLine(text) }));
  }

  /**
   * Raw (unsanitised) lines as they are read, per source, in order: every line, or with o.needles
   * at least those holding one of the needles (others may come too). Returns an unsubscribe function.
   */
  onLines(listener: RawLinesListener, o: { needles?: LineNeedles } = {}): () => void {
    const l: RawListener = { fn: listener, needles: o.needles ?? null };
    this.raw.add(l);
    this.setFilters();
    return () => {
      if (this.raw.delete(l)) this.setFilters();
    };
  }

  /** Polls every follower once now (tests, or a client asking for fresh lines). */
  async pollNow(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.follower.poll()));
  }

  /** `lines` read (`read` in all: a filter left the others out) from a source's file. */
  private onFileLines(source: string, s: Source, lines: string[], read: number): void {
    if (lines.length > 0) {
      for (const l of this.raw) {
        try {
          l.fn(source, lines);
        } catch {
          /* a listener's bug must not stop log following */
        }
      }
    }
    // lines left out (read before a client began to watch) count but are not shown
    s.seq += read - lines.length;
    if (this.watchers === 0) {
      s.seq += lines.length;
      return;
    }
    const max = this.o.maxBatchLines ?? 5000;
    const at = this.now();
    // only the lines a batch can carry are made LogLines
    const from = Math.max(0, lines.length - max);
    s.seq += from;
    for (let i = from; i < lines.length; i++) {
      const text = lines[i]!;
      this.pending.push({ source, seq: ++s.seq, at, level: detectLevel(text), text: sanitizeLine(text) });
    }
    if (this.pending.length > 2 * max) this.pending = this.pending.slice(-max);
    if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => this.flush(), this.o.batchMs ?? 100);
      this.batchTimer.unref();
    }
  }

  private flush(): void {
    this.batchTimer = null;
    const max = this.o.maxBatchLines ?? 5000;
    const batch = this.pending.length > max ? this.pending.slice(-max) : this.pending;
    this.pending = [];
    if (batch.length > 0 && this.watchers > 0) this.emit("lines", batch);
  }

  async close(): Promise<void> {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    await Promise.all([...this.sources.values()].map((s) => s.follower.stop()));
    this.sources.clear();
  }
}
