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
