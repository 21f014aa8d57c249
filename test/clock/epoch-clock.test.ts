import { describe, expect, it } from "vitest";
import { MAINNET_TIMING, currentOrNextGap, epochAt, gapOf, layerAt, layerSkew, readClock, type NetworkTiming } from "../../src/clock/epoch-clock.js";
import { parseGoDuration } from "../../src/clock/go-duration.js";
import { timingFromNodeConfig } from "../../src/clock/network-timing.js";

const H = 3_600_000;

describe("epoch clock on mainnet timing", () => {
  it("puts the cycle gap at Sunday 20:00 → Monday 08:00 UTC every other week", () => {
    const gap = currentOrNextGap(MAINNET_TIMING, Date.parse("2024-12-05T12:00:00Z"));
    expect(new Date(gap.opensAt).toISOString()).toBe("2024-12-08T20:00:00.000Z");
    expect(new Date(gap.closesAt).toISOString()).toBe("2024-12-09T08:00:00.000Z");
    const next = gapOf(MAINNET_TIMING, gap.epoch + 1);
    expect(next.opensAt - gap.opensAt).toBe(14 * 24 * H);
  });

  it("says the gap is open inside it and names the next one after it closes", () => {
    const inside = readClock(MAINNET_TIMING, Date.parse("2024-12-09T01:00:00Z"));
    expect(inside.gapOpen).toBe(true);
    expect(new Date(inside.gap.closesAt).toISOString()).toBe("2024-12-09T08:00:00.000Z");
    const after = readClock(MAINNET_TIMING, Date.parse("2024-12-09T08:00:00Z"));
    expect(after.gapOpen).toBe(false);
    expect(new Date(after.gap.opensAt).toISOString()).toBe("2024-12-22T20:00:00.000Z");
    expect(after.previousGap?.closesAt).toBe(Date.parse("2024-12-09T08:00:00Z"));
  });

  it("counts layers and epochs from genesis, and the node's skew", () => {
    expect(layerAt(MAINNET_TIMING, MAINNET_TIMING.genesisMs + 5 * 60_000 * 10 + 1)).toBe(10);
    expect(epochAt(MAINNET_TIMING, MAINNET_TIMING.genesisMs + 14 * 24 * H)).toBe(1);
    expect(readClock(MAINNET_TIMING, MAINNET_TIMING.genesisMs - 1000).beforeGenesis).toBe(true);
    expect(layerSkew(MAINNET_TIMING, MAINNET_TIMING.genesisMs + 5 * 60_000 * 100, 97)).toBe(-3);
    expect(layerSkew(MAINNET_TIMING, 0, null)).toBeNull();
  });

  it("works for a network with another gap and a short epoch", () => {
    const t: NetworkTiming = { genesisMs: 0, layerMs: 1000, layersPerEpoch: 60, phaseShiftMs: 30_000, cycleGapMs: 10_000, gracePeriodMs: 2000 };
    expect(gapOf(t, 0)).toEqual({ epoch: 0, opensAt: 20_000, closesAt: 30_000 });
    expect(currentOrNextGap(t, 5_000)).toEqual({ epoch: 0, opensAt: 20_000, closesAt: 30_000 });
    expect(currentOrNextGap(t, 30_000)).toEqual({ epoch: 1, opensAt: 80_000, closesAt: 90_000 });
    expect(readClock(t, 85_000).gapOpen).toBe(true);
  });
});

describe("Go durations", () => {
  it("reads what go-spacemesh writes", () => {
    expect(parseGoDuration("5m")).toBe(300_000);
    expect(parseGoDuration("240h")).toBe(240 * H);
    expect(parseGoDuration("1h30m")).toBe(1.5 * H);
    expect(parseGoDuration("1.5s")).toBe(1500);
    expect(parseGoDuration("300ms")).toBe(300);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("5 minutes")).toBeNull();
    expect(parseGoDuration("12")).toBeNull();
  });
});

describe("timing from the node's JSON config", () => {
  it("takes every key from the file", () => {
    const r = timingFromNodeConfig({
      genesis: { "genesis-time": "2024-01-01T00:00:00Z" },
      main: { "layer-duration": "30s", "layers-per-epoch": 20 },
      poet: { "phase-shift": "5m", "cycle-gap": "2m", "grace-period": "10s" },
    }, "/x/node.json");
    expect(r.source).toBe("node-config");
    expect(r.problems).toEqual([]);
    expect(r.timing).toEqual({ genesisMs: Date.parse("2024-01-01T00:00:00Z"), layerMs: 30_000, layersPerEpoch: 20, phaseShiftMs: 300_000, cycleGapMs: 120_000, gracePeriodMs: 10_000 });
  });

  it("falls back to mainnet per key, says which, and names bad values with file and key", () => {
    const r = timingFromNodeConfig({ poet: { "cycle-gap": "24h" }, main: { "layer-duration": "five" } }, "/x/node.json");
    expect(r.source).toBe("mainnet-fallback");
    expect(r.timing.cycleGapMs).toBe(24 * H);
    expect(r.timing.layerMs).toBe(MAINNET_TIMING.layerMs);
    expect(r.defaulted).toContain("genesis.genesis-time");
    expect(r.defaulted).toContain("main.layer-duration");
    expect(r.problems).toEqual(['/x/node.json: key main.layer-duration: expected a duration such as 5m, found "five"']);
  });
});
