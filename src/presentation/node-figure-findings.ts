// The words of findings that name the node's live figures: its layer against the epoch clock's
// (clock-skew), its synced and top layer (node-not-synced), its peers (node-few-peers). The node view
// carries the same figures and moves with them (a layer every 5 min on mainnet, every few seconds on
// a simulated node), so the daemon sends the findings again only when one appears, goes or changes
// otherwise (findingsEventKey), and a reader that keeps findings from the event stream rebuilds
// these words from the node view it holds (withNodeFigures). One wording for the daemon's builders
// and the readers. Pure.
import type { ClockView, Finding, NodeView } from "../protocol/model.js";
import { layerAt } from "../clock/epoch-clock.js";

/** Finding ids whose title or detail names a figure of the node view. */
export const NODE_FIGURE_FINDINGS: ReadonlySet<string> = new Set(["clock-skew", "node-not-synced", "node-few-peers"]);

export function skewText(skew: number, nodeLayer: number, clockLayer: number): string {
  return `the node is at layer ${nodeLayer}, the clock from its config says ${clockLayer} (${Math.abs(skew)} layers ${skew > 0 ? "ahead" : "behind"})`;
}

/** clock-skew's title for the node's layer in `c` and the clock's layer at `now`. */
export function clockSkewTitle(c: ClockView & { nodeLayer: number }, now: number): string {
  const clockLayer = layerAt(c, now);
  return `the epoch clock disagrees with the node: ${skewText(c.nodeLayer - clockLayer, c.nodeLayer, clockLayer)}`;
}

export function notSyncedText(st: { syncedLayer: number; topLayer: number; peers: number }): { title: string; detail: string } {
  return {
    title: `node is not synced (layer ${st.syncedLayer} of ${st.topLayer})`,
    detail: `NodeService.Status: is_synced false, ${st.peers} peer(s); an unsynced node cannot publish ATXs on time`,
  };
}

/** Fewer connected peers than this is worth a warning (a healthy mainnet node keeps dozens). */
export const FEW_PEERS = 5;

export function fewPeersText(peers: number): { title: string; detail: string } {
  return { title: `node has ${peers} peer(s)`, detail: `NodeService.Status: connected_peers ${peers} (fewer than ${FEW_PEERS})` };
}

/** The figures a node-figure finding names, for the event key: those move with the node view. */
const FIGURES = /-?\d+/g;

/**
 * What a client of the event stream is shown of the findings: all of each, but for the figures in
 * the words of the node-figure findings (the node view brings those). A findings event is sent when
 * this changes.
 */
export function findingsEventKey(findings: readonly Finding[]): string {
  return JSON.stringify(
    findings.map((f) => (NODE_FIGURE_FINDINGS.has(f.id) ? { ...f, title: f.title.replace(FIGURES, "#"), detail: f.detail.replace(FIGURES, "#") } : f)),
  );
}

/**
 * The findings with the node-figure findings' words rebuilt from `node` at `now` (the daemon does not
 * resend a finding when only those figures move). The same array when there is nothing to rebuild.
 */
export function withNodeFigures(findings: Finding[], node: NodeView | null, now: number): Finding[] {
  if (!node || !findings.some((f) => NODE_FIGURE_FINDINGS.has(f.id))) return findings;
  return findings.map((f) => {
    if (f.id === "clock-skew" && node.clock && node.clock.nodeLayer !== null) return { ...f, title: clockSkewTitle({ ...node.clock, nodeLayer: node.clock.nodeLayer }, now) };
    if (f.id === "node-not-synced" && node.syncedLayer !== null && node.topLayer !== null && node.peers !== null)
      return { ...f, ...notSyncedText({ syncedLayer: node.syncedLayer, topLayer: node.topLayer, peers: node.peers }) };
    if (f.id === "node-few-peers" && node.peers !== null) return { ...f, ...fewPeersText(node.peers) };
    return f;
  });
}
