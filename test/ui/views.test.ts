// The Plan view's and the timeline's lines (pure): misses are marked with a symbol and a word,
// the gap's edges and now are on the axis, and the timeline says why there are no rewards.
import { describe, expect, it } from "vitest";
import { planLines } from "../../src/ui/views/plan-lines.js";
import { timelineLines } from "../../src/ui/views/timeline-lines.js";
import { remoteFailure } from "../../src/ui/hooks/useRoute.js";
import type { Plan, IdentityTimeline } from "../../src/protocol/model.js";

const text = (lines: { text: string }[][]) => lines.map((l) => l.map((s) => s.text).join(""));
const M = 60_000;
const now = Date.parse("2026-11-30T12:00:00Z");

describe("plan lines", () => {
  it("one lane per disk, a bar per identity, misses marked ✖ MISS with reason and fix", () => {
    const entry = { service: null, basis: "history (3 proofs)", fix: null, reason: null, missByMs: null, fits: true };
    const plan: Plan = {
      generatedAt: now,
      mode: "on-demand",
      window: { opensAt: now + 10 * M, closesAt: now + 70 * M },
      lanes: [{ disk: "sda", devices: ["sda"], dirs: ["/mnt/a"], perDisk: 1 }],
      identities: [
        { ...entry, keyFile: "post1.key", disk: "sda", state: "queued", predictedStart: now + 10 * M, predictedFinish: now + 40 * M },
        { ...entry, keyFile: "post2.key", disk: "sda", state: "queued", predictedStart: now + 40 * M, predictedFinish: now + 80 * M, fits: false, missByMs: 9.5 * M, reason: "disk sda is busy", fix: "move it to another disk" },
      ],
    };
    const t = text(planLines(plan, 100, now));
    expect(t.some((l) => l.includes("1 predicted to MISS the gap"))).toBe(true);
    expect(t.some((l) => l.includes("disk sda"))).toBe(true);
    const row2 = t.findIndex((l) => l.trimStart().startsWith("post2"));
    expect(t[row2]).toContain("▓");
    // late by 9.5 min reads "10m", as the reason and the finding round it (up), not "9m"
    expect(t[row2 + 1]).toContain("✖ MISS by 10m: disk sda is busy — fix: move it to another disk");
    expect(t.find((l) => l.trimStart().startsWith("post1"))).toContain("█");
    expect(t.some((l) => l.includes("▼") && l.includes("┃"))).toBe(true);
  });
});

describe("timeline lines", () => {
  it("says why there are no rewards and lists each epoch's steps with their source", () => {
    const tl: IdentityTimeline = {
      keyFile: "post1.key",
      shortId: "abc123",
      whyNoRewards: { step: "PoST", text: "the proof did not finish in the gap", fix: "start proving earlier" },
      epochs: [
        { epoch: 12, steps: [{ kind: "post-failed", at: now - 5 * M, epoch: 12, source: "service-log", ok: false, text: "k2pow failed", durationMs: null, gapShare: null }] },
        { epoch: 11, steps: [{ kind: "post-finish", at: now - 2 * 86_400_000, epoch: 11, source: "event", ok: true, text: "done", durationMs: 3 * 3_600_000, gapShare: 0.25 }] },
      ],
    };
    const t = text(timelineLines(tl, 12, now));
    expect(t[0]).toContain("✖ no rewards: PoST — the proof did not finish in the gap");
    expect(t[1]).toContain("fix: start proving earlier");
    expect(t.some((l) => l.includes("Epoch 12 (current)"))).toBe(true);
    expect(t.some((l) => l.includes("✖ PoST failed") && l.includes("[service-log]"))).toBe(true);
    expect(t.some((l) => /Nov 28 \d\d:\d\d/.test(l) && l.includes("took 3h00m (25% of the gap)"))).toBe(true);
  });

  it("a daemon without the route (501) reads as not available, not as an error", () => {
    expect(remoteFailure(Object.assign(new Error("not implemented"), { status: 501, code: "not-implemented" })).kind).toBe("unavailable");
    expect(remoteFailure(new Error("boom")).kind).toBe("error");
  });
});

import { volumeField } from "../../src/ui/details.js";
describe("identity detail: the PoS volume's free space", () => {
  const text = (s: { text: string }[]) => s.map((x) => x.text).join("");
  const vol = { mount: "/mnt/disk1", device: "sdb1", paths: ["/mnt/disk1/post1"], totalBytes: 4e12, freeBytes: 1.2e11, readBytesPerSec: null };
  it("names the volume that holds the PoS dir, its free space and how full it is, marked when nearly full", () => {
    const seg = volumeField("/mnt/disk1/post1", [vol]);
    expect(text(seg)).toMatch(/volume\s+\/mnt\/disk1 \(sdb1\) · .+ free of .+ · 97 % used/);
    expect(seg[1]!.tone).toBe("err");
    expect(volumeField("/mnt/disk1/post1", [{ ...vol, freeBytes: 2e12 }])[1]!.tone).toBeUndefined();
  });
  it("says — when no sampled volume holds the dir", () => {
    expect(text(volumeField("/elsewhere", [vol]))).toMatch(/volume\s+—/);
    expect(text(volumeField(null, [vol]))).toMatch(/volume\s+—/);
  });
});
