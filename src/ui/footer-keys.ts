// The key hints of the footer, most important first (Footer packs them and leaves out what does
// not fit): an open dialog's keys, or `? help`, quit and the palette, then the focused pane's keys,
// then the global ones. Labels come from the keymap.
import type { Flow } from "./flows/flows.js";
import { importable } from "./flows/flows.js";
import { bindingsFor, displayKeys, PANES, type ActionId, type PaneId } from "./keymap.js";
import type { Layout } from "./layout.js";

export function flowFooter(f: Flow, supervised: boolean): [string, string][] {
  switch (f.kind) {
    case "add":
      if (f.review) return [["Enter", "start init"], ["Esc", "back"], ["Ctrl-C", "quit"]];
      return [["Tab/↑↓", "field"], ["←/→", "provider"], ["Enter", "next/start"], ["Esc", "cancel"], ["Ctrl-C", "quit"]];
    case "import":
      if (f.step === "plan" && !f.busy && !importable(f).length) return [["Enter/Esc", "close"]];
      return f.step === "done" ? [["Enter/Esc", "close"], ...(supervised ? ([["r", "restart the node"]] as [string, string][]) : [])] : [["Enter", "next"], ["Backspace", "delete"], ["Esc", "cancel"], ["Ctrl-C", "quit"]];
    case "ask":
      return [["y", "confirm"], ["n/Esc", "cancel"]];
    case "rename":
      return [["Enter", "rename"], ["Esc", "cancel"], ["Ctrl-C", "quit"]];
    case "result":
      return [["Enter/Esc", "close"], ["↑↓", "scroll"]];
  }
}

// The hints of each pane, layout mode and task state, made once (the same array on every render: the footer is memoised on it).
const made = new Map<string, [string, string][]>();

export function footerFor(pane: PaneId, layout: Pick<Layout, "mode">, taskRunning = false): [string, string][] {
  const key = `${pane} ${layout.mode} ${taskRunning}`;
  let keys = made.get(key);
  if (!keys) made.set(key, (keys = makeFooter(pane, layout, taskRunning)));
  return keys;
}

function makeFooter(pane: PaneId, layout: Pick<Layout, "mode">, taskRunning: boolean): [string, string][] {
  const keys: [string, string][] = [];
  const seen = new Set<string>();
  const ordered = [...bindingsFor(pane)].sort((a, b) => rank(a) - rank(b));
  for (const b of ordered) {
    if (!b.footer || seen.has(b.action) || (b.action === "task-cancel" && !taskRunning)) continue;
    seen.add(b.action);
    keys.push([b.action === "move-up" ? "↑↓" : b.action === "quit" ? "q" : displayKeys(b), b.footer]);
  }
  if (layout.mode === "single") keys.unshift(["Tab", `next pane [${PANES.indexOf(pane) + 1}/${PANES.length}]`]);
  return keys;
}

// `? help`, quit and the palette first so they are never left out, then the focused pane's keys,
// then the global ones (the footer packs them in this order and leaves out what does not fit).
// A running task's cancel key comes right after help, so it is seen at 80 columns.
const FIRST: Partial<Record<ActionId, number>> = { help: -1, "task-cancel": -0.9, quit: -0.8, palette: -0.7, zoom: 1 };
const rank = (b: { scope: string; action: ActionId }) => FIRST[b.action] ?? (b.scope === "tables" || b.scope === "logs" ? 0 : b.scope === "global" ? 2 : 0.5);

