// Bounded log buffers for the console: one ring per source plus an interleaved "all" ring.
// Lines are addressed by absolute index (count of lines ever appended to that ring), so a
// paused view keeps pointing at the same lines while new ones arrive and old ones fall off.
import type { LogLine } from "../../protocol/model.js";

export const ALL_SOURCES = "all";

export class RingBuffer<T> {
  private items: (T | undefined)[];
  private head = 0; // index in items of the oldest element
  private count = 0;
  /** Number of items ever pushed: absolute index one past the newest item. */
  end = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Absolute index of the oldest item still held. */
  get start(): number {
    return this.end - this.count;
  }

  push(item: T): void {
    if (this.count < this.capacity) {
      this.items[(this.head + this.count) % this.capacity] = item;
      this.count++;
    } else {
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
    }
    this.end++;
  }

  /** Item at absolute index, or undefined when it fell off or does not exist yet. */
  at(abs: number): T | undefined {
    if (abs < this.start || abs >= this.end) return undefined;
    return this.items[(this.head + (abs - this.start)) % this.capacity];
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = this.start; i < this.end; i++) out.push(this.at(i)!);
    return out;
  }

  /** Replace the content (keeps `end` monotonic so indices never go back). */
  reset(items: T[]): void {
    const keep = items.slice(-this.capacity);
    const base = this.end;
    this.items = new Array<T | undefined>(this.capacity);
    this.head = 0;
    this.count = 0;
    this.end = base;
    for (const it of keep) this.push(it);
  }
}

export interface LogStoreOptions {
  perSource?: number; // lines kept per source (default 2,000, as the daemon's ring)
  all?: number; // lines kept in the interleaved view (default 5,000)
}

export class LogStore {
  private readonly rings = new Map<string, RingBuffer<LogLine>>();
  private readonly lastSeq = new Map<string, number>();
  readonly all: RingBuffer<LogLine>;
  private readonly perSource: number;

  constructor(opts: LogStoreOptions = {}) {
    this.perSource = opts.perSource ?? 2_000;
    this.all = new RingBuffer<LogLine>(opts.all ?? 5_000);
  }

  sources(): string[] {
    return [...this.rings.keys()];
  }

  /** The ring of a source (`all` for the interleaved view); created empty on first use. */
  ring(source: string): RingBuffer<LogLine> {
    if (source === ALL_SOURCES) return this.all;
    let r = this.rings.get(source);
    if (!r) {
      r = new RingBuffer<LogLine>(this.perSource);
      this.rings.set(source, r);
    }
    return r;
  }

  /** Live lines, in order. Lines already seen (seq not above the last one) are skipped. */
  append(lines: LogLine[]): void {
    for (const l of lines) {
      const last = this.lastSeq.get(l.source);
      if (last !== undefined && l.seq <= last) continue;
      this.lastSeq.set(l.source, l.seq);
      this.ring(l.source).push(l);
      this.all.push(l);
    }
  }

  /** Older lines fetched once on attach: merged before what the stream already delivered. */
  backfill(source: string, lines: LogLine[]): void {
    const ring = this.ring(source);
    const held = ring.toArray();
    const firstSeq = held[0]?.seq ?? Infinity;
    const older = lines.filter((l) => l.source === source && l.seq < firstSeq);
    if (older.length === 0) return;
    ring.reset([...older, ...held]);
    const last = this.lastSeq.get(source);
    const newest = held.length ? held[held.length - 1]!.seq : older[older.length - 1]!.seq;
    if (last === undefined || newest > last) this.lastSeq.set(source, newest);
    // Rebuild the interleaved view in time order (once per source, on attach).
    const merged = [...this.all.toArray(), ...older].sort((a, b) => a.at - b.at);
    this.all.reset(merged);
  }
}
