import { describe, expect, it } from "vitest";
import { operatorLabel, operatorShort, serviceStateLabel } from "../../src/presentation/labels.js";
import { formatCountdown, formatLateness } from "../../src/presentation/units.js";
import { clockLabels } from "../../src/presentation/clock-labels.js";
import type { ClockView } from "../../src/protocol/model.js";

const H = 3_600_000;
const clock: ClockView = {
  source: "node-config",
  notes: [],
  genesisMs: 0,
  layerMs: 60_000,
  layersPerEpoch: 24 * 60, // one-day epochs
  phaseShiftMs: 12 * H,
  cycleGapMs: 4 * H,
  gracePeriodMs: H,
  nodeLayer: null,
  skewLayers: null,
};

describe("presentation", () => {
  it("every service state reads as a symbol and a word, backoff with its seconds left", () => {
    expect(serviceStateLabel({ state: "failed", nextRestartAt: null }, 0)).toEqual({ text: "✖ failed", tone: "err" });
    expect(serviceStateLabel({ state: "starting", nextRestartAt: null }, 0).text).toBe("◐ starting");
    expect(serviceStateLabel({ state: "backoff", nextRestartAt: 12_500 }, 0).text).toBe("↻ backoff 13s");
  });

  it("operator status, long and short", () => {
    expect(operatorLabel({ kind: "proving", pass: 1, position: 5, percent: 42.4 } as never).text).toBe("Proving pass 1 42%");
    expect(operatorShort({ kind: "proving", pass: 2, position: 5, percent: 7 } as never).text).toBe("p2 7%");
  });

  it("countdowns keep two units at most", () => {
    expect(formatCountdown(40_000)).toBe("40s");
    expect(formatCountdown(7 * H + 12 * 60_000 + 5_000)).toBe("7h 12m");
    expect(formatCountdown(52 * H)).toBe("2d 04h");
  });

  it("a lateness is rounded up at the unit shown, never to nothing", () => {
    expect(formatLateness(500)).toBe("1s");
    expect(formatLateness(40_200)).toBe("41s");
    expect(formatLateness(2 * 60_000 + 40_000)).toBe("3m");
    expect(formatLateness(2 * H + 1)).toBe("2h 01m");
    expect(formatLateness(49 * H + 60_000)).toBe("2d 02h");
  });

  it("the gap counts down to its opening, then to its close", () => {
    // epoch 1 starts at 24 h; its gap is [32 h, 36 h)
    const before = clockLabels(clock, 24 * H + 30 * 60_000);
    expect(before.epoch).toBe(1);
    expect(before.gap.text).toBe("gap in 7h 30m");
    const inside = clockLabels(clock, 33 * H);
    expect(inside.gap.text).toBe("gap open · closes in 3h 00m");
  });
});

import { commandHint } from "../../src/presentation/command-hint.js";
describe("command hints", () => {
  it("name the program as the user ran it", () => {
    expect(commandHint("daemon start", { argv1: "/usr/local/bin/postdeck", cwd: "/home/u" })).toBe("postdeck daemon start");
    expect(commandHint("daemon start", { argv1: "/src/postdeck/bin/postdeck.js", cwd: "/src/postdeck" })).toBe("node bin/postdeck.js daemon start");
    expect(commandHint("status", { argv1: "/src/postdeck/bin/postdeck.js", cwd: "/tmp" })).toBe("node /src/postdeck/bin/postdeck.js status");
  });
});
