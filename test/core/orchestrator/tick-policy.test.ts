// When the orchestrator's driver decides next: soon while something is under way, at a queued
// prover's wake or the gap's opening, else one slow tick (an idle daemon with many services does no
// work every 2 s).
import { describe, expect, it } from "vitest";
import { BUSY_TICK_MS, IDLE_TICK_MS, busy, nextTickMs, type TickInputs } from "../../../src/core/orchestrator/tick-policy.js";
import { START_GRACE_MS } from "../../../src/core/orchestrator/decide.js";

const NOW = 1_700_000_000_000;
const idle: TickInputs = {
  now: NOW,
  postStates: ["IDLE", "IDLE"],
  services: [
    { state: "stopped", operator: "none" },
    { state: "running", operator: "idle" },
  ],
  window: { opensAt: NOW + 3_600_000, closesAt: NOW + 3_600_000 + 600_000 },
  wakeAt: null,
};

describe("tick policy", () => {
  it("an idle rig ticks once a minute, not every 2 s", () => {
    expect(busy(idle)).toBe(false);
    expect(nextTickMs(idle)).toBe(IDLE_TICK_MS);
    expect(nextTickMs({ ...idle, window: null })).toBe(IDLE_TICK_MS);
  });

  it("ticks soon while an identity proves, a service is on its way or holds a proof, or the gap is open", () => {
    expect(nextTickMs({ ...idle, postStates: ["PROVING", "IDLE"] })).toBe(BUSY_TICK_MS);
    for (const state of ["starting", "stopping", "backoff"] as const) expect(nextTickMs({ ...idle, services: [{ state, operator: "none" }] })).toBe(BUSY_TICK_MS);
    expect(nextTickMs({ ...idle, services: [{ state: "running", operator: "proving" }] })).toBe(BUSY_TICK_MS);
    expect(nextTickMs({ ...idle, services: [{ state: "running", operator: "done" }] })).toBe(BUSY_TICK_MS);
    expect(nextTickMs({ ...idle, window: { opensAt: NOW - 1000, closesAt: NOW + 1000 } })).toBe(BUSY_TICK_MS);
    expect(nextTickMs({ ...idle, postStates: ["PROVING"] }, { busyMs: 500 })).toBe(500);
    // a service just started (decide() stops an unanswered one only after its grace): ticks until the grace is over
    expect(nextTickMs({ ...idle, services: [{ state: "running", operator: "none", startedAt: NOW - 3000 }] })).toBe(BUSY_TICK_MS);
    expect(nextTickMs({ ...idle, services: [{ state: "running", operator: "none", startedAt: NOW - START_GRACE_MS - 1 }] })).toBe(IDLE_TICK_MS);
  });

  it("a wake or the gap's opening before the next tick comes first (never sooner than 50 ms)", () => {
    expect(nextTickMs({ ...idle, wakeAt: NOW + 1234 })).toBe(1234);
    expect(nextTickMs({ ...idle, postStates: ["PROVING"], wakeAt: NOW + 700 })).toBe(700);
    expect(nextTickMs({ ...idle, wakeAt: NOW - 10 })).toBe(50);
    expect(nextTickMs({ ...idle, window: { opensAt: NOW + 20_000, closesAt: NOW + 50_000 } })).toBe(20_000);
  });
});
