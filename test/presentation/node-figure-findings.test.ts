// The findings event's key leaves out the figures that node-figure findings name (the node view
// brings those) and nothing else; withNodeFigures words them from the reader's node view.
import { describe, expect, it } from "vitest";
import { findingsEventKey, withNodeFigures } from "../../src/presentation/node-figure-findings.js";
import type { Finding, NodeView } from "../../src/protocol/model.js";

const finding = (id: string, title: string, detail = ""): Finding => ({ id, severity: "warning", subject: null, title, detail, fix: "" });
const node: NodeView = { reachable: true, synced: false, syncedLayer: 90, topLayer: 120, epoch: 0, peers: 2, version: null, startedAt: null, supervised: null, sources: [], clock: null };

describe("node-figure findings", () => {
  it("a findings event is due when a finding appears, goes or changes, not when only the node's figures it names move", () => {
    const peers = (n: number) => finding("node-few-peers", `node has ${n} peer(s)`, `NodeService.Status: connected_peers ${n} (fewer than 5)`);
    const predicted = (min: number) => finding("proof-predicted-miss", `post1.key's proof would finish about ${min} min after the cycle gap closes`);
    expect(findingsEventKey([peers(2)])).toBe(findingsEventKey([peers(3)]));
    expect(findingsEventKey([peers(2), predicted(5)])).not.toBe(findingsEventKey([peers(2), predicted(6)])); // other findings' figures count
    expect(findingsEventKey([peers(2)])).not.toBe(findingsEventKey([peers(2), predicted(5)]));
    expect(findingsEventKey([peers(2)])).not.toBe(findingsEventKey([{ ...peers(2), severity: "error" }]));
  });

  it("words the node's figures from the node view; other findings, and a list without such findings, stay as they are", () => {
    const other = finding("pos-initialising", "PoS data of post1 is still initialising (40%)");
    const list = [finding("node-not-synced", "node is not synced (layer 80 of 110)", "NodeService.Status: is_synced false, 1 peer(s); …"), finding("node-few-peers", "node has 1 peer(s)"), other];
    const shown = withNodeFigures(list, node, 0);
    expect(shown.map((f) => f.title)).toEqual(["node is not synced (layer 90 of 120)", "node has 2 peer(s)", other.title]);
    expect(shown[0]!.detail).toContain("2 peer(s)");
    expect(shown[2]).toBe(other);
    const plain = [other];
    expect(withNodeFigures(plain, node, 0)).toBe(plain);
  });
});
