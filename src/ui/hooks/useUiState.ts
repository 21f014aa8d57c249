// The console's own state (focus, selection, overlay, typed text) with a ref that key handlers
// read: several keys in one read are handled before React renders, each must see the last update.
import { useCallback, useRef, useState } from "react";
import { initialUi, type UiState } from "../state/ui-state.js";

export interface UiStore {
  ui: UiState; // as of this render
  ref: { readonly current: UiState }; // as of the last update
  update(fn: (u: UiState) => UiState): void;
}

export function useUiState(initial: UiState = initialUi): UiStore {
  const [ui, setUi] = useState<UiState>(initial);
  const ref = useRef(ui);
  const update = useCallback((fn: (u: UiState) => UiState) => {
    ref.current = fn(ref.current);
    setUi(ref.current);
  }, []);
  return { ui, ref, update };
}
