// The console's own state (what is focused, selected, typed, open), separate from the
// daemon's data.
import type { PaneId } from "../keymap.js";
import type { SortSpec } from "../service-list.js";
import type { StatusMessage } from "../components/Footer.js";
import type { RouteKey } from "../../protocol/api.js";
import type { Flow } from "../flows/flows.js";

export type Overlay =
  | { kind: "help"; scroll: number }
  | { kind: "findings"; scroll: number }
  | { kind: "palette"; query: string; index: number }
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

export type TextInput = { kind: "service-filter" | "log-search" | "log-filter"; text: string; before: string };

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
  identityIndex: number;
  serviceName: string | null; // selection by name survives sorting and updates
  sort: SortSpec;
  serviceFilter: string;
  log: LogUi;
  status: StatusMessage | null;
}

export const initialUi: UiState = {
  focus: "services",
  overlay: null,
  input: null,
  identityIndex: 0,
  serviceName: null,
  sort: { key: "name", desc: false },
  serviceFilter: "",
  log: { source: "selection", anchor: null, anchorFor: null, wrap: false, filter: "", search: "", current: null },
  status: null,
};
