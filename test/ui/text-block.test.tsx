// The scrolling views' wrapped lines (TextBlock): a line too long for the width goes on under the
// text it continues (a timeline entry's text, a sentence's start), never back under its label.
import { describe, expect, it } from "vitest";
import { render } from "ink-testing-library";
import { TextBlock } from "../../src/ui/components/TextBlock.js";
import { timelineLines } from "../../src/ui/views/timeline-lines.js";
import { planLines } from "../../src/ui/views/plan-lines.js";
import type { IdentityTimeline, Plan } from "../../src/protocol/model.js";
import type { Segment } from "../../src/ui/components/Line.js";
import { stripAnsi } from "./render-app.js";

const now = Date.parse("2026-11-30T12:00:00Z");
const M = 60_000;

function rows(lines: Segment[][], width = 80): string[] {
  const { lastFrame, unmount } = render(<TextBlock title="t" lines={lines} width={width} height={40} scroll={0} />);
  const frame = stripAnsi(lastFrame() ?? "");
  unmount();
  return frame.split("\n");
}

describe("wrapped lines in a text block", () => {
  it("a timeline entry's text goes on in its column, whatever the length of its step's name", () => {
    const step = { epoch: 12, source: "log" as const, ok: true, durationMs: null, gapShare: null, at: now - 5 * M };
    const long = "challenge submitted to poet proving service https://poet-110.spacemesh.network round 12";
    const tl: IdentityTimeline = {
      keyFile: "post1.key",
      shortId: "abc123",
      whyNoRewards: null,
      epochs: [{ epoch: 12, steps: [{ ...step, kind: "poet-registered", text: long }, { ...step, kind: "post-start", text: long }] }],
    };
    const r = rows(timelineLines(tl, 12, now));
    for (const name of ["PoET registered", "PoST started"]) {
      const at = r.findIndex((l) => l.includes(name));
      expect(r[at], name).toMatch(/^ {4}\S.{12}✔ .{15} challenge submitted/);
      expect(r[at + 1], name).toMatch(/^ {35}\S/);
    }
  });

  it("a sentence in two colours wraps under its start, not under its second part", () => {
    const plan: Plan = {
      generatedAt: now,
      mode: "on-demand",
      window: { opensAt: now + 10 * M, closesAt: now + 70 * M },
      lanes: [{ disk: "sda", devices: ["sda"], dirs: [], perDisk: 1 }],
      identities: [1, 2, 3, 4].map((n) => ({ keyFile: `post${n}.key`, disk: "sda", state: "queued" as const, service: null, basis: "estimate", predictedStart: now + n * 20 * M, predictedFinish: now + (n + 1) * 20 * M, fits: false, missByMs: n * M, reason: "disk sda is busy", fix: null })),
    };
    const r = rows(planLines(plan, 80, now));
    const at = r.findIndex((l) => l.includes("4 predicted to MISS the gap"));
    expect(r[at + 1]).toMatch(/^ {4}\S/); // under "4 predicted", where the sentence starts
  });
});
