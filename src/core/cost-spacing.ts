// Spacing of a debounced recompute by its own cost: changes that keep coming (a start of 64
// services brings ~200 service events in a few seconds) are recomputed for at most about
// 1/RECOMPUTE_COST_SHARE of the time, the next waiting that many times the last one's cost after it
// ended. A cheap recompute is spaced by the debounce alone. Used by the node monitor's recompute and
// the orchestrator driver's tick.

/** A debounced recompute comes no sooner than this many times the last one's cost after it. */
export const RECOMPUTE_COST_SHARE = 10;

export class CostSpacing {
  private cost = 0;
  private end = 0;

  constructor(private readonly clock: () => number) {}

  /** ms until the next recompute may run: at least minMs, and RECOMPUTE_COST_SHARE times the last one's cost after it ended. */
  delay(minMs: number): number {
    return Math.max(minMs, this.cost * RECOMPUTE_COST_SHARE - (this.clock() - this.end));
  }

  /** Runs a recompute and notes its cost (its wall time by the clock). */
  run<T>(fn: () => T): T {
    const t0 = this.clock();
    try {
      return fn();
    } finally {
      this.end = this.clock();
      this.cost = this.end - t0;
    }
  }
}
