// After a flood of log lines the console gives its memory back once the lines calm down; it never
// does so while they flow, nor for a steady trickle, and keeps no timer at rest. Its young
// generation stays at its starting size through a flood (checked in a child process: the flag
// would stay set in the test's own).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
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

describe("capYoungGeneration", () => {
  /** New space (MB) in a node process after 40 MB of strings of which the newest 20,000 survive (a flood's log buffers), capped or not. */
  async function newSpaceAfterFlood(cap: boolean): Promise<number> {
    const dir = mkdtempSync(path.join(tmpdir(), "young-gen-"));
    try {
      const module = path.join(dir, "flood-memory.mjs");
      await build({ entryPoints: [path.resolve("src/ui/state/flood-memory.ts")], bundle: true, platform: "node", format: "esm", outfile: module, logLevel: "silent" });
      const script = path.join(dir, "flood.mjs");
      writeFileSync(
        script,
        `import v8 from "node:v8";
import { capYoungGeneration } from ${JSON.stringify(module)};
if (${cap}) capYoungGeneration();
const kept = new Array(20000);
for (let i = 0; i < 400000; i++) kept[i % kept.length] = { seq: i, text: "line " + i + " " + "x".repeat(80) };
const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
console.log(space.space_size / 2 ** 20);`,
      );
      return Number(execFileSync(process.execPath, [script], { encoding: "utf8" }).trim());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("keeps new space at its starting size through a flood (it grows without the cap)", async () => {
    expect(await newSpaceAfterFlood(false)).toBeGreaterThan(8);
    expect(await newSpaceAfterFlood(true)).toBeLessThanOrEqual(2);
  }, 30_000);
});
