// A bounded ring of the newest items (log lines: the daemon's per source, the console's per source
// and interleaved). Items are addressed by absolute index (how many were ever pushed), so a
// reader's position stays on the same item while new ones arrive and old ones fall off.
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

  /** The newest n items (all by default), oldest first. */
  last(n: number = this.count): T[] {
    const out: T[] = [];
    for (let i = Math.max(this.start, this.end - n); i < this.end; i++) out.push(this.at(i)!);
    return out;
  }

  toArray(): T[] {
    return this.last();
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
