// Spacing of a debounced recompute by its own cost: changes that keep coming (a start of 64
// services brings ~200 service events in a few seconds) are recomputed for at most about
// 1/RECOMPUTE_COST_SHARE of the time, the next waiting that many times the last one's cost after it
// ended. A cheap recompute is spaced by the debounce alone. Used by the node monitor's recompute and
// the orchestrator driver's tick.
//
// The clock is the caller's wall clock (fake in tests), and a wall clock can be stepped (NTP on a
// machine without a clock chip): a step back while waiting counts as the wait being over, a step
// forward inside a recompute is not taken for its cost (costs are capped), and no wait is longer
// than MAX_SPACING_MS, so a step can never hold recomputes back for long.

/** A debounced recompute comes no sooner than this many times the last one's cost after it. */
export const RECOMPUTE_COST_SHARE = 10;
/** The longest a recompute is held back by the spacing (the debounce's own minimum aside). */
export const MAX_SPACING_MS = 2000;

export class CostSpacing {
  private cost = 0;
  private end = 0;

  constructor(private readonly clock: () => number) {}

  /** ms until the next recompute may run: at least minMs, and RECOMPUTE_COST_SHARE times the last one's cost after it ended (at most MAX_SPACING_MS). */
  delay(minMs: number): number {
    const since = this.clock() - this.end;
    if (since < 0) return minMs; // the clock was stepped back since the last recompute
    return Math.max(minMs, Math.min(MAX_SPACING_MS, this.cost * RECOMPUTE_COST_SHARE - since));
  }

  /** Runs a recompute and notes its cost (its wall time by the clock). */
  run<T>(fn: () => T): T {
    const t0 = this.clock();
    try {
      return fn();
    } finally {
      this.end = this.clock();
      this.cost = Math.max(0, this.end - t0);
    }
  }
}
