// Bounded log buffers for the console: one ring per source plus an interleaved "all" ring.
// Lines are addressed by absolute index (src/ring-buffer.ts), so a paused view keeps pointing at
// the same lines while new ones arrive and old ones fall off.
import type { LogLine } from "../../protocol/model.js";
import { RingBuffer } from "../../ring-buffer.js";

export const ALL_SOURCES = "all";

export interface LogStoreOptions {
  perSource?: number; // lines kept per source at most (default 2,000, as the daemon's ring)
  /** Lines kept over all sources (default 32,000, ~7 MB): with many sources each keeps its share, at least MIN_PER_SOURCE. */
  total?: number;
  all?: number; // lines kept in the interleaved view (default 5,000)
}

/** Lines a source keeps however many there are: a screenful of scrollback and a search's worth. */
export const MIN_PER_SOURCE = 300;

export class LogStore {
  private readonly rings = new Map<string, RingBuffer<LogLine>>();
  private readonly lastSeq = new Map<string, number>();
  private readonly strings = new Map<string, string>(); // source names and levels
  readonly all: RingBuffer<LogLine>;
  private readonly maxPerSource: number;
  private readonly total: number;
  private perSource: number;

  constructor(opts: LogStoreOptions = {}) {
    this.maxPerSource = opts.perSource ?? 2_000;
    this.total = opts.total ?? 32_000;
    this.perSource = this.maxPerSource;
    this.all = new RingBuffer<LogLine>(opts.all ?? 5_000);
  }

  /** Lines each source keeps now. */
  get capacity(): number {
    return this.perSource;
  }

  /**
   * How many sources to share the total among (the rig's services and the node, known from the
   * snapshot before their lines come): 64 services keep ~490 lines each, not 2,000 (the console's
   * memory after a million lines). Rings already holding more keep their newest lines.
   */
  expectSources(n: number): void {
    const cap = Math.min(this.maxPerSource, Math.max(MIN_PER_SOURCE, Math.floor(this.total / Math.max(1, n))));
    if (cap === this.perSource) return;
    this.perSource = cap;
    for (const [source, ring] of this.rings) if (ring.capacity !== cap) this.rings.set(source, resized(ring, cap));
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
      // one string per source and per level, not one per line (each line arrives with its own copies)
      l.source = this.intern(l.source);
      if (l.level !== null) l.level = this.intern(l.level) as LogLine["level"];
      this.lastSeq.set(l.source, l.seq);
      this.ring(l.source).push(l);
      this.all.push(l);
    }
  }

  private intern(s: string): string {
    const kept = this.strings.get(s);
    if (kept !== undefined) return kept;
    this.strings.set(s, s);
    return s;
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

/** The same lines (the newest `capacity`) at the same absolute indices, in a ring of another size. */
function resized(ring: RingBuffer<LogLine>, capacity: number): RingBuffer<LogLine> {
  const keep = ring.last(capacity);
  const out = new RingBuffer<LogLine>(capacity);
  out.end = ring.end - keep.length;
  for (const l of keep) out.push(l);
  return out;
}
