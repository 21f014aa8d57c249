// One line per rig: the counts a smesher reads at a glance, the gap countdown from the rig's clock,
// and when `postdeck fleet` fails.
import { describe, expect, it } from "vitest";
import { fleetFails, summarize, unreachableSummary } from "../../src/fleet/summary.js";
import type { Rig } from "../../src/fleet/rigs-file.js";
import { loadFixture } from "../ui/fixtures.js";
import { MAINNET_TIMING } from "../../src/clock/epoch-clock.js";

const rig: Rig = { kind: "ssh", name: "rig-a", host: "sm@a", config: null, sshOptions: [], command: ["postdeck"], readOnly: true };

describe("fleet summary", () => {
  it("counts identities (registered, proving, with errors), services (running, failed) and names the worst finding", () => {
    const { now, snapshot } = loadFixture();
    const s = summarize(rig, snapshot, now);
    expect(s).toMatchObject({
      rig: "rig-a",
      via: "ssh sm@a",
      readOnly: true,
      reachable: true,
      identities: { total: 4, registered: 3, proving: 1, withErrors: 1 },
      services: { total: 4, running: 2, failed: 0 },
      findings: { errors: 1, warnings: 1, worst: { id: "key-not-registered", severity: "error", subject: "post3.key" } },
    });
    expect(fleetFails([s])).toBe(true); // an error finding
  });

  it("reads the epoch and the gap countdown from the rig's clock at the reader's time", () => {
    const { snapshot } = loadFixture();
    const clock = { source: "node-config" as const, notes: [], ...MAINNET_TIMING, nodeLayer: null, skewLayers: null };
    const snap = { ...snapshot, node: { ...snapshot.node, clock }, findings: [] };
    // mainnet: epoch 27 began 2024-07-26 08:00 UTC; its gap is Sunday 2024-08-04 20:00 → Monday 08:00 (start + 240 h − 12 h)
    const before = Date.parse("2024-08-04T18:00:00Z");
    const a = summarize(rig, snap, before);
    expect(a.node).toMatchObject({ epoch: 27, clock: "node-config", gap: { open: false, msLeft: 2 * 3_600_000 } });
    const inside = Date.parse("2024-08-05T05:00:00Z");
    expect(summarize(rig, snap, inside).node!.gap).toMatchObject({ open: true, msLeft: 3 * 3_600_000 });
    expect(fleetFails([summarize(rig, snap, inside)])).toBe(false);
  });

  it("words a worst finding that names the node's peers from the node view the events keep (not resent when only they move)", () => {
    const { now, snapshot } = loadFixture();
    const fewPeers = { id: "node-few-peers", severity: "warning" as const, subject: null, title: "node has 2 peer(s)", detail: "", fix: "" };
    const s = summarize(rig, { ...snapshot, node: { ...snapshot.node, peers: 3 }, findings: [fewPeers] }, now);
    expect(s.findings!.worst).toMatchObject({ id: "node-few-peers", title: "node has 3 peer(s)" });
  });

  it("without a clock, the node's own epoch and no countdown", () => {
    const { now, snapshot } = loadFixture();
    const s = summarize(rig, { ...snapshot, node: { ...snapshot.node, clock: null, epoch: 12 } }, now);
    expect(s.node).toMatchObject({ epoch: 12, gap: null, clock: null });
  });

  it("an unreachable rig fails the fleet and carries its error", () => {
    const u = unreachableSummary(rig, "ssh sm@a: exited with code 255 before answering: Connection refused");
    expect(u).toMatchObject({ reachable: false, error: expect.stringMatching(/Connection refused/), node: null });
    expect(fleetFails([u])).toBe(true);
  });
});
