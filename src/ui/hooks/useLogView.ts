// The Logs pane's view state: scrolling (which pauses follow), search matches (n / N), the source
// list for the picker. The ring and the anchor come from the derived view of the latest UI state.
import type { UiState } from "../state/ui-state.js";
import type { ConsoleView } from "../console-view.js";
import type { Tone } from "../theme.js";
import type { UiStore } from "./useUiState.js";
import { findMatch, moveAnchor, viewEnd } from "../log-view.js";
import { ALL_SOURCES } from "../state/log-buffer.js";

export interface LogView {
  /** Changes the log view, starting from where the view is now (anchor and match of the shown ring). */
  set(fn: (l: UiState["log"], v: ConsoleView) => Partial<UiState["log"]>): void;
  scroll(delta: number): void;
  /** The next older (-1) or newer (1) match of the search, paused in the middle of the pane. */
  jumpMatch(dir: -1 | 1): void;
  sources(): string[];
}

export function useLogView(store: Pick<UiStore, "ref" | "update">, derive: (u: UiState) => ConsoleView, say: (text: string, tone: Tone) => void, serviceNames: string[]): LogView {
  const set: LogView["set"] = (fn) =>
    store.update((u) => {
      const v = derive(u);
      const base = { ...u.log, anchor: v.anchor, current: v.current, anchorFor: v.logSource };
      return { ...u, log: { ...base, ...fn(base, v) } };
    });
  const scroll = (delta: number) => set((l, v) => ({ anchor: moveAnchor(v.ring, l.anchor, delta, l.filter, v.logsHeight) }));
  const jumpMatch = (dir: -1 | 1) => {
    const u = store.ref.current;
    if (!u.log.search) return say("no search: press / to search the log", "warn");
    const v = derive(u);
    const from = v.current ?? (dir === -1 ? viewEnd(v.ring, v.anchor) : viewEnd(v.ring, v.anchor) - 1);
    const m = findMatch(v.ring, from, dir, u.log.search, u.log.filter);
    if (m == null) return say(`no ${dir === -1 ? "older" : "newer"} match for "${u.log.search}"`, "warn");
    const end = moveAnchor(v.ring, m + 1, Math.floor(v.logsHeight / 2), u.log.filter, v.logsHeight);
    set(() => ({ current: m, anchor: end ?? v.ring.end }));
  };
  const sources = () => ["selection", ALL_SOURCES, "node", ...serviceNames];
  return { set, scroll, jumpMatch, sources };
}
