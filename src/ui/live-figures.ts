// The text of the figures that change on every sample without anything else changing (a
// service's CPU% and RSS, the hardware pane): the console redraws for a new sample only when
// this text differs, so an idle rig costs no frames for samples that show the same numbers.
import type { Snapshot } from "../protocol/model.js";
import { fleetColumns } from "./panes/FleetPane.js";
import { joinFleet } from "./fleet.js";
import { hardwareLines } from "./panes/HardwarePane.js";

export function liveFiguresText(snap: Snapshot | null): string {
  if (!snap) return "";
  const cols = fleetColumns([], 0).filter((c) => c.id === "cpu" || c.id === "rss");
  const rows = joinFleet([], snap.services).map((r) => `${r.name} ${cols.map((c) => c.cell(r).text).join(" ")}`);
  const hw = snap.hardware ? hardwareLines(snap.hardware).map((l) => l.map((seg) => seg.text).join("")) : [];
  return [...rows, ...hw].join("\n");
}
