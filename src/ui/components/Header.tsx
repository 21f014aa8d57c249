// The top row: rig, DEMO badge, node state, the epoch and gap countdown, daemon connection.
// What matters first never goes: when the row is narrow the rest is shortened, then dropped.
import React from "react";
import type { ConnectionState } from "../../client/types.js";
import type { DaemonInfo, NodeView } from "../../protocol/model.js";
import { Line, type Segment } from "./Line.js";
import { clockLabels } from "../../presentation/clock-labels.js";
import { displayWidth } from "../text-fit.js";

/** Node health at a level of detail: 0 all, 1 without version, 2 without peers (unless none), 3 the state only. */
export function nodeSegments(node: NodeView | null, level = 0): Segment[] {
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
  if (level >= 3) return node.peers === 0 ? [...segs, { text: " no peers!", tone: "warn" }] : segs;
  const epoch = node.clock ? "" : ` epoch ${node.epoch ?? "—"}`; // with a clock the epoch goes with the gap
  segs.push({ text: ` layer ${layer}${epoch}${level >= 2 ? "" : ` peers ${node.peers ?? "—"}`}` });
  if (node.peers === 0) segs.push({ text: " (no peers!)", tone: "warn" });
  if (node.version && level === 0) segs.push({ text: ` ${node.version}`, tone: "muted" });
  return segs;
}

/** `epoch 12 · gap in 2d 04h` (level 0) or `e12 gap 2d 04h` (level 1); nothing without a clock. */
export function clockSegments(node: NodeView | null, now: number, level = 0): Segment[] {
  if (!node?.clock) return [];
  const k = clockLabels(node.clock, now);
  if (level >= 1) return [{ text: `e${k.epoch} `, bold: true }, { text: k.gapShort, tone: k.gap.tone }];
  return [{ text: `epoch ${k.epoch}`, bold: true }, { text: " · " }, { text: k.gap.text, tone: k.gap.tone }, ...(k.fallback ? [{ text: " (mainnet timing)", tone: "muted" as const }] : [])];
}

export function connectionSegments(c: ConnectionState, daemon: DaemonInfo | null, bye: string | null, now: number, short = false): Segment[] {
  const label: Segment = { text: "daemon ", bold: true };
  if (bye) return [label, { text: `✖ shutting down: ${bye}`, tone: "err" }];
  switch (c.kind) {
    case "connecting":
      return [label, { text: "◌ connecting…", tone: "warn" }];
    case "connected":
      return short ? [label, { text: "●", tone: "ok" }] : [label, { text: "● connected", tone: "ok" }, { text: daemon ? ` pid ${daemon.pid}` : "", tone: "muted" }];
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

const SEP: Segment = { text: " │ ", tone: "muted" };
const width = (segs: Segment[]) => segs.reduce((n, x) => n + displayWidth(x.text), 0);

/** The header row for a width: the most detailed version that fits (Line cuts the last resort). */
export function headerSegments({ daemon, node, connection, bye, width: w, now }: HeaderProps): Segment[] {
  const rig: Segment[] = [{ text: "postdeck", bold: true, tone: "accent" }];
  if (daemon) {
    rig.push({ text: ` ${daemon.rigName}` });
    if (daemon.demo) rig.push({ text: " " }, { text: " DEMO ", inverse: true, bold: true, tone: "warn" });
  }
  const healthy = connection.kind === "connected" && !bye;
  let last: Segment[] = [];
  // levels: [node detail, clock detail, daemon short]
  const tries: [number, number, boolean][] = [[0, 0, false], [1, 0, false], [1, 0, true], [2, 0, true], [2, 1, true], [3, 1, true]];
  for (const [n, c, d] of tries) {
    const clock = clockSegments(node, now, c);
    const conn = connectionSegments(connection, daemon, bye, now, d && healthy);
    const nodeSegs = nodeSegments(node, n);
    // The connection goes first when it is not fine: it explains why everything else is stale.
    last = healthy
      ? [...rig, SEP, ...nodeSegs, ...(clock.length ? [SEP, ...clock] : []), SEP, ...conn]
      : [...rig, SEP, ...conn, SEP, ...nodeSegs, ...(clock.length ? [SEP, ...clock] : [])];
    if (width(last) <= w) return last;
  }
  return last;
}

function HeaderView(props: HeaderProps): React.JSX.Element {
  return <Line segs={headerSegments(props)} width={props.width} />;
}

/** What of the header moves with the clock alone: the epoch and gap countdown (both lengths), a reconnect's countdown. */
const clockText = (p: HeaderProps): string =>
  [...clockSegments(p.node, p.now), ...clockSegments(p.node, p.now, 1), ...connectionSegments(p.connection, p.daemon, p.bye, p.now)].map((s) => s.text).join("");

/** Drawn again when its data or width changed, or a new `now` moved one of its countdowns (each render brings a new `now`). */
export const Header = React.memo(
  HeaderView,
  (a, b) => a.daemon === b.daemon && a.node === b.node && a.connection === b.connection && a.bye === b.bye && a.width === b.width && (a.now === b.now || clockText(a) === clockText(b)),
);
