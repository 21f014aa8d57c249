// Every key of the console, in one place: the input handler resolves keys here, the footer
// shows the keys of the focused pane, `?` lists them all and `:` lists every action by name.
import type { Key } from "ink";

export type PaneId = "identities" | "logs" | "hardware";
export const PANES: PaneId[] = ["identities", "logs", "hardware"];
export const PANE_TITLES: Record<PaneId, string> = {
  identities: "Identities",
  logs: "Logs",
  hardware: "Hardware",
};

export type ActionId =
  | "move-up"
  | "move-down"
  | "page-up"
  | "page-down"
  | "top"
  | "bottom"
  | "details"
  | "back"
  | "focus-next"
  | "focus-prev"
  | "start"
  | "stop"
  | "restart"
  | "start-all"
  | "stop-all"
  | "sort"
  | "sort-reverse"
  | "filter"
  | "search"
  | "search-older"
  | "search-newer"
  | "log-filter"
  | "log-source"
  | "wrap"
  | "palette"
  | "zoom"
  | "plan"
  | "help"
  | "quit"
  | "doctor"
  | "findings"
  | "reload"
  | "restart-node"
  | "identity-add"
  | "identity-import"
  | "identity-rename"
  | "identity-retire"
  | "task-cancel"
  | "identity-rollback"
  | "identity-permissions";

/** Where a binding applies: one pane, the table panes, or everywhere. */
export type Scope = PaneId | "tables" | "global";

export interface Binding {
  action: ActionId;
  keys: string[]; // canonical key names, see keyName()
  label: string; // for people: help, footer, palette
  scope: Scope;
  footer?: string; // short label: shown in the footer of the panes it applies to
  palette?: boolean; // listed in the `:` palette (default true)
}

export const BINDINGS: Binding[] = [
  { action: "move-up", keys: ["up", "k"], label: "move up", scope: "tables", footer: "move", palette: false },
  { action: "move-down", keys: ["down", "j"], label: "move down", scope: "tables", palette: false },
  { action: "page-up", keys: ["pageup"], label: "page up", scope: "tables", palette: false },
  { action: "page-down", keys: ["pagedown"], label: "page down", scope: "tables", palette: false },
  { action: "top", keys: ["g", "home"], label: "first row", scope: "tables", palette: false },
  { action: "bottom", keys: ["G", "end"], label: "last row", scope: "tables", palette: false },
  { action: "details", keys: ["enter"], label: "details", scope: "tables", footer: "details" },
  { action: "start", keys: ["s"], label: "start selected service", scope: "tables", footer: "start" },
  { action: "stop", keys: ["x"], label: "stop selected service", scope: "tables", footer: "stop" },
  { action: "restart", keys: ["r"], label: "restart selected service", scope: "tables", footer: "restart" },
  { action: "filter", keys: ["/"], label: "filter rows", scope: "tables", footer: "filter" },
  { action: "sort", keys: ["o"], label: "sort by next column", scope: "tables", footer: "sort" },
  { action: "sort-reverse", keys: ["O"], label: "reverse sort order", scope: "tables" },
  { action: "identity-add", keys: ["a"], label: "add identity… (postcli init)", scope: "identities", footer: "add" },
  { action: "identity-import", keys: ["i"], label: "import identities… (from PoS dirs)", scope: "identities", footer: "import" },
  { action: "identity-rename", keys: ["e"], label: "rename identity… (key file + service)", scope: "identities", footer: "rename" },
  { action: "identity-retire", keys: ["R"], label: "retire identity… (to identities/retired/)", scope: "identities", footer: "retire" },
  { action: "task-cancel", keys: ["c"], label: "cancel task (a running identity init)", scope: "identities", footer: "cancel task" },
  { action: "move-up", keys: ["up", "k"], label: "scroll up (pauses follow)", scope: "logs", footer: "scroll", palette: false },
  { action: "move-down", keys: ["down", "j"], label: "scroll down", scope: "logs", palette: false },
  { action: "page-up", keys: ["pageup"], label: "page up (pauses follow)", scope: "logs", footer: "page" },
  { action: "page-down", keys: ["pagedown"], label: "page down", scope: "logs" },
  { action: "top", keys: ["g", "home"], label: "oldest line", scope: "logs" },
  { action: "bottom", keys: ["G", "end"], label: "newest line, follow again", scope: "logs", footer: "follow" },
  { action: "search", keys: ["/"], label: "search (highlight)", scope: "logs", footer: "search" },
  { action: "search-older", keys: ["n"], label: "older match", scope: "logs", footer: "next match" },
  { action: "search-newer", keys: ["N"], label: "newer match", scope: "logs" },
  { action: "log-filter", keys: ["&", "F"], label: "filter (hide other lines; & with a search reuses it)", scope: "logs", footer: "filter" },
  { action: "log-source", keys: ["f"], label: "log source… (pick: selection, all, node, a service)", scope: "logs", footer: "source" },
  { action: "wrap", keys: ["w"], label: "wrap long lines", scope: "logs", footer: "wrap" },
  { action: "start-all", keys: ["S"], label: "start all services", scope: "global", footer: "start all" },
  { action: "stop-all", keys: ["X"], label: "stop all services", scope: "global", footer: "stop all" },
  { action: "zoom", keys: ["z"], label: "zoom: the focused pane full screen (again: back)", scope: "global", footer: "zoom" },
  { action: "focus-next", keys: ["tab"], label: "next pane", scope: "global", footer: "pane" },
  { action: "focus-prev", keys: ["shift+tab"], label: "previous pane", scope: "global" },
  { action: "back", keys: ["esc"], label: "back / close / clear", scope: "global", palette: false },
  { action: "palette", keys: [":"], label: "command palette", scope: "global", footer: "commands", palette: false },
  { action: "help", keys: ["?"], label: "help: every key", scope: "global", footer: "help" },
  { action: "findings", keys: ["!"], label: "findings: what needs attention and how to fix it", scope: "global", footer: "findings" },
  { action: "plan", keys: ["p"], label: "plan: proving in the next gap, per disk (who would miss it and why)", scope: "global", footer: "plan" },
  { action: "doctor", keys: [], label: "run doctor (what needs attention)", scope: "global" },
  { action: "reload", keys: [], label: "reload the daemon's config", scope: "global" },
  { action: "restart-node", keys: [], label: "restart the node (loads new keys; if supervised)", scope: "global" },
  { action: "identity-rollback", keys: [], label: "roll back last import", scope: "global" },
  { action: "identity-permissions", keys: [], label: "fix key permissions (0600 keys, 0700 identities/)", scope: "global" },
  { action: "quit", keys: ["q", "ctrl+c"], label: "quit (services keep running)", scope: "global", footer: "quit" },
];

/** Canonical name of a key press: `j`, `up`, `enter`, `shift+tab`, `ctrl+c`, ... */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return "up";
  if (key.downArrow) return "down";
  if (key.leftArrow) return "left";
  if (key.rightArrow) return "right";
  if (key.pageUp) return "pageup";
  if (key.pageDown) return "pagedown";
  if (key.home) return "home";
  if (key.end) return "end";
  if (key.return) return "enter";
  if (key.escape) return "esc";
  if (key.tab) return key.shift ? "shift+tab" : "tab";
  if (key.backspace || key.delete) return "backspace";
  if (key.ctrl && input) return `ctrl+${input}`;
  return input;
}

const DISPLAY: Record<string, string> = {
  up: "↑",
  down: "↓",
  left: "←",
  right: "→",
  pageup: "PgUp",
  pagedown: "PgDn",
  home: "Home",
  end: "End",
  enter: "Enter",
  esc: "Esc",
  tab: "Tab",
  "shift+tab": "Shift-Tab",
  "ctrl+c": "Ctrl-C",
};
export const displayKey = (k: string): string => DISPLAY[k] ?? k;
export const displayKeys = (b: Binding): string => b.keys.map(displayKey).join("/");

function inScope(scope: Scope, pane: PaneId): boolean {
  return scope === pane || (scope === "tables" && pane === "identities");
}

/** Bindings that apply in a pane, most specific first. */
export function bindingsFor(pane: PaneId): Binding[] {
  return [
    ...BINDINGS.filter((b) => b.scope === pane),
    ...BINDINGS.filter((b) => b.scope === "tables" && inScope("tables", pane)),
    ...BINDINGS.filter((b) => b.scope === "global"),
  ];
}

export function resolveKey(name: string, pane: PaneId): ActionId | null {
  return bindingsFor(pane).find((b) => b.keys.includes(name))?.action ?? null;
}

/** Keys of the dialogs (confirmations, pickers, views that scroll), so no dialog hard-codes one. */
export const DIALOG_KEYS = {
  confirm: ["y", "Y"], // a destructive confirmation takes only these: Enter alone does not confirm
  cancel: ["n", "N", "esc", "q"],
  close: ["esc", "q"],
  back: ["esc"], // a step back in a wizard (the add review → its form)
  accept: ["enter"],
  up: ["up", "k"],
  down: ["down", "j"],
  pageUp: ["pageup"],
  pageDown: ["pagedown", " "],
  top: ["g", "home"],
} as const;
export type DialogKey = keyof typeof DIALOG_KEYS;
export const isDialogKey = (name: string, k: DialogKey): boolean => (DIALOG_KEYS[k] as readonly string[]).includes(name);
