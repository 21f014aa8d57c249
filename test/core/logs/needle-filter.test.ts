import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FileFollower } from "../../../src/core/logs/follower.js";
import { SERVICE_LOG_NEEDLES } from "../../../src/core/spacemesh/service-log-state.js";
import { SERVICE_LINE_NEEDLES } from "../../../src/core/orchestrator/service-lines.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

afterEach(() => cleanupTempDirs());

/** A small deterministic generator (the same lines on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** What the filter must hand on: each line holding a needle's bytes within its first max bytes, decoded and cut there. */
function expected(lines: string[], needles: readonly string[], max: number): string[] {
  const nb = needles.map((n) => Buffer.from(n));
  return lines
    .map((l) => Buffer.from(l))
    .filter((b) => nb.some((n) => b.subarray(0, max).includes(n)))
    .map((b) => {
      const s = b.toString("utf8", 0, Math.min(b.length, max));
      return s.endsWith("\r") ? s.slice(0, -1) : s;
    });
}

describe("file follower's filter", () => {
  it("hands on exactly the lines that hold a needle within their first maxLineBytes, and counts every line", async () => {
    const needles = [...new Set([...SERVICE_LOG_NEEDLES, ...SERVICE_LINE_NEEDLES, "ünï", "a.b*c", "x|y", "[T]", "proof"])];
    const words = ["lorem", "ipsum", "proo", "proof", "obtained", "metadata", "ü", "ünï", "a.b*c", "aXb*c", "x|y", "[T]", "€", "\r", "finished", "k2pow", "in", "disconnected:", ...needles];
    const max = 60;
    const next = rng(17);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const file = path.join(tempDir(), "svc.log");
    writeFileSync(file, "");
    const got: string[] = [];
    let read = 0;
    const f = new FileFollower(file, (l, n) => (got.push(...l), (read += n)), { maxLineBytes: max });
    f.setFilter(needles);
    await f.poll();
    const all: string[] = [];
    for (let round = 0; round < 40; round++) {
      const lines: string[] = [];
      for (let i = 0; i < 50; i++) {
        const parts: string[] = [];
        const k = Math.floor(next() * 14);
        for (let j = 0; j < k; j++) parts.push(pick(words));
        // a needle glued to the bytes around it, or split by the cut at max bytes
        lines.push(parts.join(next() < 0.3 ? "" : " ").replaceAll("\n", ""));
      }
      appendFileSync(file, lines.map((l) => `${l}\n`).join(""));
      all.push(...lines);
      await f.poll();
    }
    const want = expected(all, needles, max);
    expect(want.length).toBeGreaterThan(200); // the case is not trivial either way
    expect(want.length).toBeLessThan(all.length - 200);
    expect(got).toEqual(want);
    expect(read).toBe(all.length);
    await f.stop();
  });

  it("hands on no line with no needles, and every line with an empty one", async () => {
    const file = path.join(tempDir(), "svc.log");
    writeFileSync(file, "");
    const got: string[] = [];
    let read = 0;
    const f = new FileFollower(file, (l, n) => (got.push(...l), (read += n)));
    f.setFilter([]);
    await f.poll();
    appendFileSync(file, "a\nb\n");
    await f.poll();
    expect([got, read]).toEqual([[], 2]);
    f.setFilter([""]);
    appendFileSync(file, "c\n\nd\n");
    await f.poll();
    expect([got, read]).toEqual([["c", "", "d"], 5]);
    await f.stop();
  });
});
