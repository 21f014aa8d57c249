import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { IdentityHistory, proofHistory, HISTORY_FILE } from "../../../src/core/history/identity-history.js";
import { proofRecords, stepsFromSources } from "../../../src/core/history/steps.js";
import { buildTimeline, mergeSteps } from "../../../src/core/history/timeline.js";
import { epochStart, gapOf, type NetworkTiming } from "../../../src/clock/epoch-clock.js";
import { IdentityTimelineSchema, type IdentityView, type TimelineStep } from "../../../src/protocol/model.js";
import type { NodeEvent } from "../../../src/core/spacemesh/node-grpc.js";
import { tempDir } from "../../helpers/temp-dir.js";

const ID = "a1b2c3" + "d4".repeat(29);
/** A small network: 1-minute layers, 60 layers per epoch (1 h), round starts 45 min in, 10-minute gap. */
const TIMING: NetworkTiming = {
  genesisMs: Date.parse("2024-01-01T00:00:00Z"),
  layerMs: 60_000,
  layersPerEpoch: 60,
  phaseShiftMs: 45 * 60_000,
  cycleGapMs: 10 * 60_000,
  gracePeriodMs: 60_000,
};

function identity(extra: Partial<IdentityView> = {}): IdentityView {
  return {
    keyFile: "post1.key", path: "/d/identities/post1.key", nodeId: ID, shortId: "a1b2c3", keyProblem: null, posDir: "/pos/p1",
    units: 4, sizeBytes: 1, initState: "complete", service: "post1", registered: "yes", registeredAt: null, postState: "IDLE",
    connected: true, connectedAt: null, events: [], findings: [], ...extra,
  };
}

const ev = (kind: string, at: number, details: Record<string, unknown> = {}, failure = false): NodeEvent => ({ kind, at, smesher: ID, failure, help: "", details });

/** One whole cycle for epoch `e`'s gap: PoET proof, PoST (4 min), ATX, registration for the next round. */
function cycle(e: number): NodeEvent[] {
  const g = gapOf(TIMING, e);
  return [
    ev("best_proof_selected", g.opensAt + 30_000, { roundId: String(e), ticks: "100" }),
    ev("post_start", g.opensAt + 60_000),
    ev("post_complete", g.opensAt + 300_000),
    ev("atx_published", g.opensAt + 310_000, { current: e, target: e + 1, id: Buffer.from("f00d01aa", "hex") }),
    ev("registered_in_poet", g.opensAt + 320_000, { roundId: String(e + 1), url: "https://poet.example" }),
  ];
}

function steps(events: NodeEvent[]): TimelineStep[] {
  return stepsFromSources({ nodeId: ID, shortIdShared: false, nodeLog: null, events, serviceProofs: [], timing: TIMING });
}

describe("the identity timeline", () => {
  it("lists the current and previous epoch's steps in order, with sources and the gap share of the proof", () => {
    const now = gapOf(TIMING, 3).closesAt + 60_000;
    const t = buildTimeline({ identity: identity(), steps: steps([...cycle(2), ...cycle(3)]), timing: TIMING, now });
    IdentityTimelineSchema.parse(t);
    expect(t.epochs.map((e) => e.epoch)).toEqual([3, 2]);
    expect(t.epochs[0]!.steps.map((s) => s.kind)).toEqual(["poet-proof", "post-start", "post-finish", "atx-published", "poet-registered"]);
    const fin = t.epochs[0]!.steps.find((s) => s.kind === "post-finish")!;
    expect(fin).toMatchObject({ source: "event", durationMs: 240_000, gapShare: 0.4 });
    expect(t.epochs[0]!.steps.find((s) => s.kind === "poet-registered")!.text).toBe("round 4 at https://poet.example");
    expect(t.whyNoRewards).toBeNull();
  });

  it("names the first missing step: no proof in the last gap, then a failed proof, then no ATX", () => {
    const now = gapOf(TIMING, 3).closesAt + 60_000;
    const missed = buildTimeline({ identity: identity(), steps: steps(cycle(2)), timing: TIMING, now });
    expect(missed.whyNoRewards).toMatchObject({ step: "post-finish" });
    expect(missed.whyNoRewards!.fix).toContain("post1");
    const g = gapOf(TIMING, 3);
    const failed = buildTimeline({
      identity: identity(),
      steps: steps([...cycle(2), ev("post_start", g.opensAt + 60_000), ev("post_complete", g.opensAt + 90_000, {}, true)]),
      timing: TIMING,
      now,
    });
    expect(failed.whyNoRewards).toMatchObject({ step: "post-failed" });
    const noAtx = buildTimeline({ identity: identity(), steps: steps([...cycle(2), ...cycle(3).slice(0, 3)]), timing: TIMING, now });
    expect(noAtx.whyNoRewards).toMatchObject({ step: "atx-published" });
  });

  it("one step per fact when the node log, the event and the post-service's log all saw the proof", () => {
    const at = epochStart(TIMING, 2);
    const merged = mergeSteps([
      { kind: "post-finish", at, epoch: 2, source: "event", ok: true, text: "e", durationMs: 100, gapShare: null },
      { kind: "post-finish", at: at + 2000, epoch: 2, source: "log", ok: true, text: "l", durationMs: 120, gapShare: null },
      { kind: "post-finish", at: at - 3000, epoch: 2, source: "service-log", ok: true, text: "s", durationMs: 90, gapShare: null },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.source).toBe("log");
  });
});

describe("the per-identity history on disk", () => {
  it("survives a restart, stays bounded to the last 4 epochs and exposes the proofs with the service's figures", async () => {
    const dir = tempDir("postdeck-history-");
    const h = new IdentityHistory(dir, 0);
    for (let e = 1; e <= 6; e++) {
      const s = steps(cycle(e));
      h.addSteps(ID, "post1.key", s);
      const g = gapOf(TIMING, e);
      const service = [{ startedAt: g.opensAt + 61_000, finishedAt: g.opensAt + 299_000, k2powMs: 42_000, readMs: 180_000, failed: false }];
      h.addProofs(ID, "post1.key", proofRecords(mergeSteps(s), service, TIMING));
    }
    await h.flush();
    expect(JSON.parse(readFileSync(path.join(dir, HISTORY_FILE), "utf8")).version).toBe(1);
    const again = new IdentityHistory(dir);
    const epochs = [...new Set(again.steps(ID).map((s) => s.epoch))];
    expect(epochs).toEqual([3, 4, 5, 6]);
    // the same steps seen again (the node replays its events) add nothing
    expect(again.addSteps(ID, "post1.key", steps(cycle(6)))).toBe(false);
    const proofs = await proofHistory(dir, "post1");
    expect(proofs.map((p) => p.epoch)).toEqual([3, 4, 5, 6]);
    expect(proofs[0]).toMatchObject({ durationMs: 240_000, k2powMs: 42_000, readMs: 180_000 });
    expect(proofs[0]!.finishedAt - proofs[0]!.startedAt).toBe(240_000);
    expect(again.proofHistory("post1.key")).toEqual(proofs);
    expect(await proofHistory(dir, "nobody.key")).toEqual([]);
  });
});
