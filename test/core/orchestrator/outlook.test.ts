import { describe, expect, it } from "vitest";
import { outlookOf } from "../../../src/core/orchestrator/driver.js";
import type { Plan, PlanEntry } from "../../../src/protocol/model.js";

function entry(keyFile: string, over: Partial<PlanEntry>): PlanEntry {
  return {
    keyFile, service: keyFile.replace(".key", ""), disk: "sda", state: "waiting", predictedStart: null, predictedFinish: null,
    basis: "estimate", fits: true, missByMs: null, reason: null, fix: null, ...over,
  };
}

describe("the orchestrator's outlook for findings", () => {
  it("names the services it holds back (not the ones taken by hand) and the predicted misses still to prove", () => {
    const plan = {
      generatedAt: 0, mode: "on-demand", window: { opensAt: 0, closesAt: 60_000 }, lanes: [],
      identities: [
        entry("a.key", { state: "proving" }),
        entry("b.key", { state: "queued", waitReason: "disk sda busy: a.key proving" }),
        entry("c.key", { state: "queued", manual: true }),
        entry("d.key", { state: "queued", fits: false, missByMs: 90_000, reason: "8 proofs on sda", fix: "move d.key to sdb" }),
        entry("e.key", { state: "done", fits: false, missByMs: 10_000 }),
      ],
    } as Plan;
    const o = outlookOf(plan);
    expect([...o.queued]).toEqual([["b.key", "disk sda busy: a.key proving"], ["d.key", "waiting for its turn on its disk"]]);
    expect(o.misses).toEqual([{ keyFile: "d.key", missByMs: 90_000, reason: "8 proofs on sda", fix: "move d.key to sdb" }]);
  });
});
