// After a flood of log lines the console gives its memory back once the lines calm down; it never
// does so while they flow, nor for a steady trickle, and keeps no timer at rest.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FloodMemory, releaseMemory } from "../../src/ui/state/flood-memory.js";

describe("FloodMemory", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] }));
  afterEach(() => vi.useRealTimers());

  /** `perS` lines a second in batches of a tenth of a second, for `seconds`. */
  const flow = (m: FloodMemory, perS: number, seconds: number) => {
    for (let i = 0; i < seconds * 10; i++) {
      if (perS > 0) m.lines(perS / 10);
      vi.advanceTimersByTime(100);
    }
  };

  it("releases once within two seconds after a flood calms down, not while it flows", () => {
    const release = vi.fn();
    const m = new FloodMemory(release, { floodLines: 50_000, calmPerS: 100 });
    flow(m, 20_000, 10); // 200,000 lines
    expect(release).not.toHaveBeenCalled();
    flow(m, 50, 2); // calm: a trickle
    expect(release).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    flow(m, 50, 60);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it("a steady flow below a flood's count since the last release, or lines at rest, release nothing and keep no timer", () => {
    const release = vi.fn();
    const m = new FloodMemory(release, { floodLines: 50_000 });
    flow(m, 400, 100); // 40,000 lines
    flow(m, 0, 5);
    expect(release).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    m.stop();
  });

  it("stop() ends the watch of a flood (the console closed)", () => {
    const release = vi.fn();
    const m = new FloodMemory(release, { floodLines: 1000 });
    m.lines(5000);
    m.stop();
    flow(m, 0, 3);
    expect(release).not.toHaveBeenCalled();
  });
});

describe("releaseMemory", () => {
  it("runs a full collection without start-up flags", () => {
    expect(() => releaseMemory()).not.toThrow();
  });
});
