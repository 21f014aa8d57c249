// How often the console may redraw for things that are not the operator's own doing (log
// lines, samples): each kind of frame gets a share of one core, so on a slow or busy rig
// (a proving machine) the console refreshes a little less often instead of taking more CPU.
// The cost of a frame is Ink's own measure of its draw (wall ms, so a machine short of CPU
// counts as slower), smoothed.

export class FrameBudget {
  private costMs = 0;
  private seen = 0;

  /** `warmup` first frames are not counted: they include loading and compiling the code. */
  constructor(private readonly warmup = 3) {}

  record(ms: number): void {
    this.seen++;
    if (this.seen <= this.warmup) return;
    this.costMs = this.costMs === 0 ? ms : this.costMs * 0.8 + ms * 0.2;
  }

  /** Smoothed ms per frame (0 until measured). */
  get frameCostMs(): number {
    return this.costMs;
  }

  /** The interval that keeps these frames within `share` of a core: at least `floorMs`, at most `4 × floorMs`. */
  interval(floorMs: number, share: number): number {
    return Math.min(4 * floorMs, Math.max(floorMs, this.costMs / share));
  }
}

/**
 * Ink's own cap on frames a second. Data frames are capped far lower by the store (4/s, log lines
 * 2/s), so this only bounds key repeat and how long a key's frame waits behind a frame just drawn:
 * at 1,000 lines/s the console draws ~2.5 frames a second, so at 60 (16 ms) one key in 25 waited up to
 * 16 ms — at the p95 of key → frame; at 120 it is one in 50, up to 8 ms.
 */
export const INK_MAX_FPS = 120;
