// The text of what a slow event can change on the main view (DaemonStore.isSlow): a service's
// CPU% and RSS, the hardware pane, the node's part of the header, the findings marks. The console
// redraws for such an event only when this text differs, so an idle rig costs no frames for
// samples that show the same numbers.
import type { Snapshot } from "../protocol/model.js";
import type { DaemonEvent } from "../client/types.js";
import { attentionMark, fleetColumns } from "./panes/FleetPane.js";
import { joinFleet } from "./fleet.js";
import { hardwareLines } from "./panes/HardwarePane.js";
import { clockSegments, nodeSegments } from "./components/Header.js";
import { attention } from "./findings.js";
import type { Segment } from "./components/Line.js";
import { findingsShape } from "./state/daemon-store.js";

const text = (segs: Segment[]) => segs.map((s) => s.text).join("");

/** The figures' text at time `now`; with `e`, only the part that event can change. */
export function liveFiguresText(snap: Snapshot | null, e?: DaemonEvent, now = Date.now()): string {
  if (!snap) return "";
  const kind = e?.type;
  const parts: string[] = [];
  if (kind === undefined || kind === "service") {
    const services = e?.type === "service" ? snap.services.filter((s) => s.name === e.data.name) : snap.services;
    const cols = fleetColumns([], 0).filter((c) => c.id === "cpu" || c.id === "rss");
    for (const r of joinFleet([], services)) parts.push(`${r.name} ${cols.map((c) => c.cell(r).text).join(" ")}`);
  }
  if ((kind === undefined || kind === "hardware") && snap.hardware) for (const l of hardwareLines(snap.hardware)) parts.push(text(l));
  if (kind === undefined || kind === "node") parts.push(text(nodeSegments(snap.node)), text(clockSegments(snap.node, now)));
  // a findings event changes the marks only through which findings there are, how severe and about
  // what (the identities stay): those are compared, the 64 rows' marks are not built for it
  if (kind === "findings") parts.push(findingsShape(snap.findings));
  else if (kind === undefined) {
    const loud = attention(snap.findings);
    parts.push(`${loud.count} ${loud.severity}`);
    for (const r of joinFleet(snap.identities, [])) parts.push(text([attentionMark(r, snap.findings)]));
  }
  return parts.join("\n");
}
