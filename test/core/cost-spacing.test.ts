// The spacing of the node monitor's and the orchestrator's recomputes by their cost, with a wall
// clock that can be stepped (NTP): a step must never freeze identities, findings or the plan.
import { describe, expect, it } from "vitest";
import { CostSpacing, MAX_SPACING_MS, RECOMPUTE_COST_SHARE } from "../../src/core/cost-spacing.js";

function spaced() {
  let now = 1_000_000;
  const s = new CostSpacing(() => now);
  return { s, step: (ms: number) => (now += ms) };
}

describe("cost spacing of a debounced recompute", () => {
  it("waits RECOMPUTE_COST_SHARE times the last recompute's cost after it ended", () => {
    const { s, step } = spaced();
    s.run(() => step(20));
    expect(s.delay(50)).toBe(20 * RECOMPUTE_COST_SHARE);
    step(150);
    expect(s.delay(10)).toBe(20 * RECOMPUTE_COST_SHARE - 150);
    step(100);
    expect(s.delay(10)).toBe(10);
  });

  it("does not hold recomputes back for the length of a backward clock step", () => {
    const { s, step } = spaced();
    s.run(() => step(20));
    step(-3_600_000);
    expect(s.delay(50)).toBe(50);
  });

  it("does not take a forward clock step inside a recompute for its cost", () => {
    const { s, step } = spaced();
    s.run(() => step(3_600_000));
    expect(s.delay(50)).toBeLessThanOrEqual(MAX_SPACING_MS);
  });
});
