// Bounded log buffers for the console: one ring per source plus an interleaved "all" ring.
// Lines are addressed by absolute index (src/ring-buffer.ts), so a paused view keeps pointing at
// the same lines while new ones arrive and old ones fall off.
import type { LogLine } from "../../protocol/model.js";
import { RingBuffer } from "../../ring-buffer.js";

export const ALL_SOURCES = "all";

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
