// One keypress provider for the console: Ink's useInput is called once, here; views and
// overlays subscribe with `useKeypress(handler, { isActive })`. The newest active subscriber
// hears a key first and returns true when it took it; otherwise the next one hears it. Several
// printable characters in one read (fast typing, a paste, a busy machine) arrive one key each.
import React, { createContext, useCallback, useContext, useEffect, useRef } from "react";
import { useInput, useStdin, type Key } from "ink";
import { keyName } from "../keymap.js";

export interface Keypress {
  name: string; // canonical name (keymap.ts keyName): `j`, `enter`, `ctrl+c`, ...
  input: string; // the text typed, for text fields
  key: Key;
}
export type KeypressHandler = (k: Keypress) => boolean | void;

interface Registry {
  add(h: { current: KeypressHandler; active: boolean }): () => void;
}

const KeypressContext = createContext<Registry | null>(null);

/** The key one character of a multi-character read stands for (Enter, Tab, Backspace or text). */
export function keyOfChar(ch: string, base: Key): Key {
  const k = { ...base, return: false, tab: false, backspace: false, delete: false, shift: /[A-Z]/.test(ch) };
  if (ch === "\r" || ch === "\n") k.return = true;
  else if (ch === "\t") k.tab = true;
  else if (ch === "\x7f" || ch === "\b") k.backspace = true;
  return k;
}

/** Splits a read into keys: one per character when it is several printable characters. */
export function splitRead(input: string, key: Key): Keypress[] {
  if (input.length > 1 && !key.ctrl && !key.meta && !input.includes("\x1b") && [...input].length > 1)
    return [...input].map((ch) => {
      const k = keyOfChar(ch, key);
      return { name: keyName(ch, k), input: ch, key: k };
    });
  return [{ name: keyName(input, key), input, key }];
}

export function KeypressProvider({ children }: { children: React.ReactNode }): React.JSX.Element {
  const { isRawModeSupported } = useStdin();
  const subs = useRef<{ current: KeypressHandler; active: boolean }[]>([]);
  const registry = useRef<Registry>({
    add(h) {
      subs.current.push(h);
      return () => {
        subs.current = subs.current.filter((x) => x !== h);
      };
    },
  });
  useInput(
    useCallback((input: string, key: Key) => {
      for (const k of splitRead(input, key))
        for (const s of [...subs.current].reverse()) if (s.active && s.current(k) === true) break;
    }, []),
    { isActive: isRawModeSupported === true }, // useInput throws off a TTY
  );
  return <KeypressContext.Provider value={registry.current}>{children}</KeypressContext.Provider>;
}

/** Hear keys while `isActive`; return true from the handler to stop older subscribers hearing it. */
export function useKeypress(handler: KeypressHandler, { isActive = true }: { isActive?: boolean } = {}): void {
  const registry = useContext(KeypressContext);
  const entry = useRef({ current: handler, active: isActive });
  entry.current.current = handler;
  entry.current.active = isActive;
  useEffect(() => {
    if (!registry) return;
    return registry.add(entry.current);
  }, [registry]);
}
