// A bounded ring of the most recent items (log lines per source).
export class Ring<T> {
  private buf: T[] = [];
  private start = 0;
  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.buf.length < this.capacity) this.buf.push(item);
    else {
      this.buf[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The last n items, oldest first. */
  last(n: number = this.capacity): T[] {
    const ordered = this.start === 0 ? this.buf : [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
    return n >= ordered.length ? ordered.slice() : ordered.slice(ordered.length - n);
  }

  get size(): number {
    return this.buf.length;
  }
}
