// The console's own state (focus, selection, overlay, typed text) with a ref that key handlers
// read: several keys in one read are handled before React renders, each must see the last update.
//
// It is an external store read with useSyncExternalStore, not useState: React renders a store's
// change at once (its synchronous lane, in the microtask after the key's handler), where a state
// update made outside a React event gets Ink's default priority and waits for the scheduler's next
// turn of the event loop, behind whatever the daemon's socket delivered meanwhile (a flood of log
// lines). A key press is drawn before the next batch of events is read.
import { useCallback, useRef, useSyncExternalStore } from "react";
import { initialUi, type UiState } from "../state/ui-state.js";

export interface UiStore {
  ui: UiState; // as of this render
  ref: { readonly current: UiState }; // as of the last update
  update(fn: (u: UiState) => UiState): void;
}

interface Store {
  current: UiState;
  listeners: Set<() => void>;
}

export function useUiState(initial: UiState = initialUi): UiStore {
  const storeRef = useRef<Store | null>(null);
  storeRef.current ??= { current: initial, listeners: new Set() };
  const store = storeRef.current;
  const subscribe = useCallback(
    (listener: () => void) => {
      store.listeners.add(listener);
      return () => store.listeners.delete(listener);
    },
    [store],
  );
  const ui = useSyncExternalStore(subscribe, () => store.current);
  const update = useCallback(
    (fn: (u: UiState) => UiState) => {
      const next = fn(store.current);
      if (next === store.current) return;
      store.current = next;
      for (const l of [...store.listeners]) l();
    },
    [store],
  );
  return { ui, ref: store, update };
}
