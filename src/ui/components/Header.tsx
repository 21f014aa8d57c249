// The top row: rig, DEMO badge, node state, daemon connection.
import React from "react";
import type { ConnectionState } from "../../client/types.js";
import type { DaemonInfo, NodeView } from "../../protocol/model.js";
import { Line, type Segment } from "./Line.js";

export function nodeSegments(node: NodeView | null): Segment[] {
  if (!node) return [{ text: "node ", bold: true }, { text: "… waiting for data", tone: "muted" }];
  if (!node.reachable) return [{ text: "node ", bold: true }, { text: "✖ unreachable", tone: "err", bold: true }];
  const segs: Segment[] = [{ text: "node ", bold: true }];
  if (node.synced === true) segs.push({ text: "● synced", tone: "ok" });
  else if (node.synced === false) segs.push({ text: "◐ syncing", tone: "warn" });
  else segs.push({ text: "● reachable", tone: "ok" });
  const layer =
    node.syncedLayer != null && node.topLayer != null && node.syncedLayer !== node.topLayer
      ? `${node.syncedLayer}/${node.topLayer}`
      : String(node.topLayer ?? node.syncedLayer ?? "—");
  segs.push({ text: ` layer ${layer} epoch ${node.epoch ?? "—"} peers ${node.peers ?? "—"}` });
  if (node.peers === 0) segs.push({ text: " (no peers!)", tone: "warn" });
  if (node.version) segs.push({ text: ` ${node.version}`, tone: "muted" });
  return segs;
}

export function connectionSegments(c: ConnectionState, daemon: DaemonInfo | null, bye: string | null, now: number): Segment[] {
  const label: Segment = { text: "daemon ", bold: true };
  if (bye) return [label, { text: `✖ shutting down: ${bye}`, tone: "err" }];
  switch (c.kind) {
    case "connecting":
      return [label, { text: "◌ connecting…", tone: "warn" }];
    case "connected":
      return [label, { text: "● connected", tone: "ok" }, { text: daemon ? ` pid ${daemon.pid}` : "", tone: "muted" }];
    case "disconnected": {
      const retry = c.retryAt != null ? ` · retrying in ${Math.max(0, Math.ceil((c.retryAt - now) / 1000))}s` : "";
      return [label, { text: `✖ disconnected: ${c.error}${retry}`, tone: "err", bold: true }];
    }
  }
}

export interface HeaderProps {
  daemon: DaemonInfo | null;
  node: NodeView | null;
  connection: ConnectionState;
  bye: string | null;
  width: number;
  now: number;
}

export function Header({ daemon, node, connection, bye, width, now }: HeaderProps): React.JSX.Element {
  const sep: Segment = { text: " │ ", tone: "muted" };
  const segs: Segment[] = [{ text: "postdeck", bold: true, tone: "accent" }];
  if (daemon) {
    segs.push({ text: ` ${daemon.rigName}` });
    if (daemon.demo) segs.push({ text: " " }, { text: " DEMO ", inverse: true, bold: true, tone: "warn" });
  }
  // The connection goes first when it is not fine: it explains why everything else is stale.
  const conn = connectionSegments(connection, daemon, bye, now);
  if (connection.kind !== "connected" || bye) segs.push(sep, ...conn, sep, ...nodeSegments(node));
  else segs.push(sep, ...nodeSegments(node), sep, ...conn);
  return <Line segs={segs} width={width} />;
}
