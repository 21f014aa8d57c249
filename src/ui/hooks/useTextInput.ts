// Typing on the status line: the Identities filter, the log search and the log filter. Each key
// applies at once (the view follows as you type); Enter keeps it, Esc puts back what was there.
import { useKeypress } from "../input/keypress.js";
import { findMatch, viewEnd } from "../log-view.js";
import { sanitize } from "../text-fit.js";
import type { Tone } from "../theme.js";
import type { UiState } from "../state/ui-state.js";
import type { ConsoleView } from "../console-view.js";
import type { UiStore } from "./useUiState.js";
import type { LogView } from "./useLogView.js";

export function useTextInput(store: Pick<UiStore, "ref" | "update">, derive: (u: UiState) => ConsoleView, logView: LogView, say: (text: string, tone: Tone) => void): void {
  useKeypress(
    ({ name, input }) => {
      const t = store.ref.current.input;
      if (!t) return false;
      const apply = (text: string) => {
        if (t.kind === "fleet-filter") store.update((x) => ({ ...x, input: { ...t, text }, filter: text }));
        else if (t.kind === "log-filter") store.update((x) => ({ ...x, input: { ...t, text }, log: { ...x.log, filter: text, anchor: null } }));
        else store.update((x) => ({ ...x, input: { ...t, text }, log: { ...x.log, search: text, current: null } }));
      };
      if (name === "esc") {
        apply(t.before);
        store.update((x) => ({ ...x, input: null }));
      } else if (name === "enter") {
        store.update((x) => ({ ...x, input: null }));
        if (t.kind === "log-search" && t.text) {
          logView.set((l, v) => ({ current: findMatch(v.ring, viewEnd(v.ring, l.anchor), -1, l.search, l.filter) }));
          if (store.ref.current.log.current == null) say(`no line matches "${t.text}" in ${derive(store.ref.current).logSource}`, "warn");
        }
      } else if (name === "backspace") apply([...t.text].slice(0, -1).join(""));
      else if (name.startsWith("ctrl+") || name === "tab" || name === "shift+tab" || (name.length > 1 && !input)) {
        /* ignore other special keys while typing */
      } else if (input) apply(t.text + sanitize(input));
      return true;
    },
    { isActive: () => store.ref.current.input !== null },
  );
}
