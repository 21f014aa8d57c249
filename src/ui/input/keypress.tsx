// One keypress provider for the console: Ink's useInput is called once, here; views and
// overlays subscribe with `useKeypress(handler, { isActive })`. The newest active subscriber
// hears a key first and returns true when it took it; otherwise the next one hears it. A
// subscriber with `first` hears every key before them (Ctrl-C, a status line that a key dismisses). Several
// printable characters in one read (fast typing, a paste, a busy machine) arrive one key each.
import React, { createContext, useCallback, useContext, useEffect, useMemo, useRef } from "react";
import { useInput, useStdin, type Key } from "ink";
import { keyName } from "../keymap.js";

export interface Keypress {
  name: string; // canonical name (keymap.ts keyName): `j`, `enter`, `ctrl+c`, ...
  input: string; // the text typed, for text fields
  key: Key;
}
export type KeypressHandler = (k: Keypress) => boolean | void;

interface Subscriber {
  current: KeypressHandler;
  active: boolean | (() => boolean);
  first: boolean;
}

interface Registry {
  add(h: Subscriber): () => void;
  /** When the last key came (Date.now()), or when the provider mounted. */
  lastKeyAt: number;
}

const KeypressContext = createContext<Registry | null>(null);

/** The key one character of a multi-character read stands for (Enter, Tab, Backspace, a Ctrl letter or text). */
export function keyOfChar(ch: string, base: Key): Key {
  const k = { ...base, return: false, tab: false, backspace: false, delete: false, ctrl: false, shift: /[A-Z]/.test(ch) };
  if (ch === "\r" || ch === "\n") k.return = true;
  else if (ch === "\t") k.tab = true;
  else if (ch === "\x7f" || ch === "\b") k.backspace = true;
  else if (ctrlLetter(ch)) k.ctrl = true;
  return k;
}

/** The letter of a Ctrl key's character (`\x03` is Ctrl-C: `c`), or null. */
const ctrlLetter = (ch: string): string | null => {
  const code = ch.charCodeAt(0);
  return ch.length === 1 && code >= 1 && code <= 26 ? String.fromCharCode(code + 96) : null;
};

/**
 * Splits a read into keys: one per character when it is several characters without an escape
 * sequence. Ink hands over such a run whole (fast typing, a paste, keys batched by a slow SSH
 * link): a Ctrl key in it (`j` then Ctrl-C) is that key, named as Ink names it alone (`ctrl+c`).
 */
export function splitRead(input: string, key: Key): Keypress[] {
  if (input.length > 1 && !key.ctrl && !key.meta && !input.includes("\x1b") && [...input].length > 1)
    return [...input].map((ch) => {
      const k = keyOfChar(ch, key);
      const typed = k.ctrl ? ctrlLetter(ch)! : ch;
      return { name: keyName(typed, k), input: typed, key: k };
    });
  return [{ name: keyName(input, key), input, key }];
}

export function KeypressProvider({ children }: { children: React.ReactNode }): React.JSX.Element {
  const { isRawModeSupported } = useStdin();
  const subs = useRef<Subscriber[]>([]);
  const registry = useRef<Registry>({
    add(h) {
      subs.current.push(h);
      return () => {
        subs.current = subs.current.filter((x) => x !== h);
      };
    },
    lastKeyAt: Date.now(),
  });
  useInput(
    useCallback((input: string, key: Key) => {
      registry.current.lastKeyAt = Date.now();
      for (const k of splitRead(input, key)) {
        const newest = [...subs.current].reverse();
        for (const s of [...newest.filter((x) => x.first).reverse(), ...newest.filter((x) => !x.first)]) if ((typeof s.active === "function" ? s.active() : s.active) && s.current(k) === true) break;
      }
    }, []),
    { isActive: isRawModeSupported === true }, // useInput throws off a TTY
  );
  return <KeypressContext.Provider value={registry.current}>{children}</KeypressContext.Provider>;
}

/**
 * Hear keys while `isActive`; return true from the handler to stop older subscribers hearing it.
 * `isActive` may be a function, asked at each key: several keys in one read (a paste, fast typing)
 * then reach the dialog the previous key opened even before it is drawn.
 * `first`: hear every key before the others (in the order such subscribers came).
 */
export function useKeypress(handler: KeypressHandler, { isActive = true, first = false }: { isActive?: boolean | (() => boolean); first?: boolean } = {}): void {
  const registry = useContext(KeypressContext);
  const entry = useRef<Subscriber>({ current: handler, active: isActive, first });
  entry.current.current = handler;
  entry.current.active = isActive;
  entry.current.first = first;
  useEffect(() => {
    if (!registry) return;
    return registry.add(entry.current);
  }, [registry]);
}

/** When the last key came (or the console started): what the live figures' pace at rest goes by. */
export function useLastKeyAt(): (() => number) | undefined {
  const registry = useContext(KeypressContext);
  return useMemo(() => (registry ? () => registry.lastKeyAt : undefined), [registry]);
}
