// What the console shows for a UI state and the daemon's data: the visible rows and the selected
// one, the log ring and where it is scrolled, the layout. Pure; computed at render and in key handlers.
import type { HardwareView } from "../protocol/model.js";
import type { LogLine } from "../protocol/model.js";
import type { RingBuffer } from "../ring-buffer.js";
import type { UiState } from "./state/ui-state.js";
import { ALL_SOURCES } from "./state/log-buffer.js";
import { visibleFleet, type FleetRow, type FleetSort } from "./fleet.js";
import { computeLayout } from "./layout.js";
import { hardwareLines } from "./panes/HardwarePane.js";
import { mayShowReasonLine } from "./panes/FleetPane.js";

export interface ViewInputs {
  fleet: FleetRow[];
  ring: (source: string) => RingBuffer<LogLine>;
  hardware: HardwareView | null;
  columns: number;
  rows: number;
}

// The sorted, filtered rows of a fleet, kept while its rows, sort and filter are: the view is derived
// at each render and in key handlers, and the table's pane is memoised on the same list.
const lists = new WeakMap<FleetRow[], { sort: FleetSort; filter: string; list: FleetRow[] }>();

function listOf(fleet: FleetRow[], sort: FleetSort, filter: string): FleetRow[] {
  const kept = lists.get(fleet);
  if (kept && kept.sort.key === sort.key && kept.sort.desc === sort.desc && kept.filter === filter) return kept.list;
  const list = visibleFleet(fleet, sort, filter);
  lists.set(fleet, { sort, filter, list });
  return list;
}

export function deriveView(u: UiState, v: ViewInputs) {
  const list = listOf(v.fleet, u.sort, u.filter);
  let rowIndex = list.findIndex((r) => r.id === u.row);
  if (rowIndex === -1) rowIndex = 0;
  const selectedRow: FleetRow | null = list[rowIndex] ?? null;
  const selectedService = selectedRow?.service ?? null;
  const selectedIdentity = selectedRow?.identity ?? null;
  const logSource = u.log.source === "selection" ? (selectedService?.name ?? ALL_SOURCES) : u.log.source;
  const ring = v.ring(logSource);
  const sameRing = u.log.anchorFor === logSource;
  const anchor = sameRing ? u.log.anchor : null;
  const current = sameRing ? u.log.current : null;
  const layout = computeLayout(
    v.columns,
    v.rows,
    { fleet: list.length + (mayShowReasonLine(list) ? 1 : 0), hardware: v.hardware ? hardwareLines(v.hardware).length : 1 },
    u.focus,
    u.zoom,
  );
  const logsBox = layout.columns.find((c) => c.panes.some((p) => p.id === "logs"));
  const logsHeight = Math.max(1, (logsBox?.panes.find((p) => p.id === "logs")?.height ?? 2) - 1);
  return { rows: list, rowIndex, selectedRow, selectedService, selectedIdentity, logSource, ring, anchor, current, layout, logsHeight };
}
export type ConsoleView = ReturnType<typeof deriveView>;
