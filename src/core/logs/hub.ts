// LogHub: follows named sources (each service's log file, the node log), keeps a bounded ring of
// recent LogLines per source, and emits them in batches (every ~100 ms, not per line) of at most
// maxBatchLines (older lines of a larger batch are left to the ring: a flood is never buffered).
// Another part can receive the raw lines (e.g. the node-log parser) through onLines().
import { EventEmitter } from "node:events";
import type { LogLine } from "../../protocol/model.js";
import { FileFollower } from "./follower.js";
import { detectLevel } from "./level.js";
import { RingBuffer } from "../../ring-buffer.js";
import { sanitizeLine } from "./sanitize.js";

export type RawLinesListener = (source: string, lines: string[]) => void;

export interface LogHubOptions {
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
  ring: RingBuffer<LogLine>;
  seq: number;
}

/** Events: "lines" (LogLine[]) — a batch across sources. */
export class LogHub extends EventEmitter {
  private readonly sources = new Map<string, Source>();
  private readonly raw = new Set<RawLinesListener>();
  private pending: LogLine[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
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
    const s: Source = {
      file,
      ring: cur?.ring ?? new RingBuffer<LogLine>(this.o.ringLines),
      seq: cur?.seq ?? 0,
      follower: undefined as unknown as FileFollower,
    };
    s.follower = new FileFollower(file, (lines) => this.onFileLines(source, s, lines), {
      backfillBytes: o.backfillBytes ?? 256 * 1024,
      pollMs: this.o.pollMs,
    });
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

  /** The last n lines of a source, oldest first. */
  recent(source: string, n: number): LogLine[] {
    return this.sources.get(source)?.ring.last(n) ?? [];
  }

  /** Raw (unsanitised) lines as they are read, per source. Returns an unsubscribe function. */
  onLines(listener: RawLinesListener): () => void {
    this.raw.add(listener);
    return () => this.raw.delete(listener);
  }

  /** Polls every follower once now (tests, or a client asking for fresh lines). */
  async pollNow(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.follower.poll()));
  }

  private onFileLines(source: string, s: Source, lines: string[]): void {
    for (const l of this.raw) {
      try {
        l(source, lines);
      } catch {
        /* a listener's bug must not stop log following */
      }
    }
    const at = this.now();
    for (const text of lines) {
      const line: LogLine = { source, seq: ++s.seq, at, level: detectLevel(text), text: sanitizeLine(text) };
      s.ring.push(line);
      this.pending.push(line);
    }
    const max = this.o.maxBatchLines ?? 5000;
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
    if (batch.length > 0) this.emit("lines", batch);
  }

  async close(): Promise<void> {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    await Promise.all([...this.sources.values()].map((s) => s.follower.stop()));
    this.sources.clear();
  }
}
