import { describe, expect, it } from "vitest";
import { buildClockView } from "../../../src/core/spacemesh/clock-view.js";
import { parseNodeConfig } from "../../../src/core/spacemesh/node-config.js";
import { joinIdentities } from "../../../src/core/spacemesh/join.js";
import { computeFindings, type FindingsInput } from "../../../src/core/spacemesh/findings.js";
import { ClockViewSchema } from "../../../src/protocol/model.js";
import { healthyRig } from "./rig-input.js";

const CFG = {
  genesis: { "genesis-time": "2024-06-01T00:00:00Z" },
  main: { "layer-duration": "30s", "layers-per-epoch": 120 },
  poet: { "phase-shift": "45m", "cycle-gap": "10m", "grace-period": "1m" },
};
const GENESIS = Date.parse("2024-06-01T00:00:00Z");

function clockAt(nodeLayer: number | null, now: number, cfg: object = CFG) {
  const nodeConfig = parseNodeConfig(JSON.stringify(cfg), "/etc/node.json").config;
  return buildClockView({ nodeConfigFile: "/etc/node.json", nodeConfig, nodeLayer, nodeSynced: true, nodeLayersPerEpoch: null, now });
}

const ids = (input: FindingsInput) => computeFindings({ ...input, identities: joinIdentities(input) }).map((f) => f.id);

describe("the epoch clock the daemon publishes", () => {
  it("comes from the node's config, with no notes when every key is set and the node agrees", () => {
    const now = GENESIS + 1000 * 30_000 + 5000;
    const v = clockAt(1000, now);
    ClockViewSchema.parse(v);
    expect(v).toMatchObject({ source: "node-config", layerMs: 30_000, layersPerEpoch: 120, cycleGapMs: 600_000, nodeLayer: 1000, skewLayers: 0, notes: [] });
  });

  it("falls back to mainnet with a note when keys are missing or there is no config", () => {
    const v = clockAt(null, GENESIS, { main: { "layer-duration": "30s" } });
    expect(v.source).toBe("mainnet-fallback");
    expect(v.notes[0]).toContain("does not set genesis.genesis-time");
    const none = buildClockView({ nodeConfigFile: null, nodeConfig: null, nodeLayer: null, nodeSynced: null, nodeLayersPerEpoch: null, now: 0 });
    expect(none.notes).toEqual(["no node config in postdeck's config (node.config): mainnet timing assumed"]);
    expect(none.cycleGapMs).toBe(12 * 3_600_000);
  });

  it("says when the node's layer and the config's clock disagree; the finding appears and clears", () => {
    const now = GENESIS + 1000 * 30_000 + 5000;
    const { input } = healthyRig();
    input.now = now;
    input.nodeStatus = { peers: 20, synced: true, syncedLayer: 1010, topLayer: 1010, verifiedLayer: 1009 };
    input.clock = clockAt(1010, now);
    expect(input.clock.skewLayers).toBe(10);
    expect(input.clock.notes.join()).toContain("the node is at layer 1010, the clock from its config says 1000 (10 layers ahead)");
    expect(ids(input)).toContain("clock-skew");
    // a node still syncing lags by nature: no finding then
    input.nodeStatus = { ...input.nodeStatus, synced: false };
    expect(ids(input)).not.toContain("clock-skew");
    // fixed (the right config, or the node caught up)
    input.nodeStatus = { ...input.nodeStatus, synced: true, topLayer: 1001 };
    input.clock = clockAt(1001, now);
    expect(ids(input)).not.toContain("clock-skew");
  });

  it("tells when the clock's own progress changes the finding: the layer the node falls behind by more than 2, then every layer", () => {
    const layerStart = (l: number) => GENESIS + l * 30_000;
    const { input } = healthyRig();
    const at = (now: number, nodeLayer: number) => {
      let expires = Infinity;
      input.now = now;
      input.nodeStatus = { peers: 20, synced: true, syncedLayer: nodeLayer, topLayer: nodeLayer, verifiedLayer: nodeLayer - 1 };
      input.clock = clockAt(nodeLayer, now);
      const found = computeFindings({ ...input, identities: joinIdentities(input), expires: (t) => void (expires = Math.min(expires, t)) });
      return { skew: found.find((f) => f.id === "clock-skew")?.title ?? null, expires };
    };
    // the node stalled at 1000: in step until the clock reaches layer 1003
    expect(at(layerStart(1000) + 5000, 1000)).toEqual({ skew: null, expires: layerStart(1003) });
    expect(at(layerStart(1003) - 1, 1000).skew).toBeNull();
    const behind = at(layerStart(1003), 1000);
    expect(behind.skew).toContain("(3 layers behind)");
    expect(behind.expires).toBe(layerStart(1004)); // the text names the clock's layer: the next one changes it
    expect(at(layerStart(1004), 1000).skew).toContain("(4 layers behind)");
  });
});

describe("an identity whose last proof used most of the gap", () => {
  it("is warned about above 80 % of the cycle gap, and no longer once a faster proof is recorded", () => {
    const { input } = healthyRig();
    input.clock = clockAt(null, GENESIS);
    const finishedAt = GENESIS + 3_600_000;
    input.lastProofs = { "post1.key": { epoch: 1, startedAt: finishedAt - 510_000, finishedAt, durationMs: 510_000, k2powMs: 60_000, readMs: 420_000 } };
    const all = computeFindings({ ...input, identities: joinIdentities(input) });
    const f = all.find((x) => x.id === "proof-near-gap-limit")!;
    expect(f).toMatchObject({ subject: "post1.key", severity: "warning" });
    expect(f.title).toBe("the last proof of post1.key took 9 min, 85 % of the 10 min cycle gap");
    input.lastProofs = { "post1.key": { ...input.lastProofs["post1.key"]!, durationMs: 300_000 } };
    expect(ids(input)).not.toContain("proof-near-gap-limit");
  });
});
