// The console's own state (what is focused, selected, typed, open), separate from the
// daemon's data.
import type { PaneId } from "../keymap.js";
import type { FleetSort } from "../fleet.js";
import type { RouteKey } from "../../protocol/api.js";
import type { Flow } from "../flows/flows.js";

export type Overlay =
  | { kind: "help"; scroll: number }
  | { kind: "findings"; scroll: number }
  | { kind: "plan"; scroll: number }
  | { kind: "palette"; query: string; index: number }
  | { kind: "sources"; index: number } // the log source picker
  | { kind: "identity"; keyFile: string; scroll: number }
  | { kind: "service"; name: string; scroll: number }
  | {
      kind: "confirm";
      title: string;
      text: string;
      confirmLabel: string;
      route: Extract<RouteKey, "start" | "stop" | "restart">;
      names: string[];
      all: boolean;
    }
  | Flow; // the identity dialogs: add, import, retire, rename, rollback, cancel, results

export type TextInput = { kind: "fleet-filter" | "log-search" | "log-filter"; text: string; before: string };

export interface LogUi {
  source: string; // "selection", "all", "node" or a service name
  anchor: number | null;
  anchorFor: string | null; // the ring the anchor/current belong to
  wrap: boolean;
  filter: string;
  search: string;
  current: number | null;
}

export interface UiState {
  focus: PaneId;
  overlay: Overlay | null;
  input: TextInput | null;
  zoom: boolean; // the focused pane takes the whole body
  row: string | null; // the selected fleet row's id: survives sorting, filtering and updates
  sort: FleetSort;
  filter: string; // the fleet table's `/` filter
  log: LogUi;
}

export const initialUi: UiState = {
  focus: "identities",
  overlay: null,
  input: null,
  zoom: false,
  row: null,
  sort: { key: "name", desc: false },
  filter: "",
  log: { source: "selection", anchor: null, anchorFor: null, wrap: false, filter: "", search: "", current: null },
};
