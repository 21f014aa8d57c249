// The status line: what the console last said. A message fades after STATUS_MS (TASK_STATUS_MS
// while a task runs, so its progress comes back sooner); an error or a sticky result stays until
// a key is pressed, then fades like any other. The hook redraws when a message expires.
import { useCallback, useEffect, useRef, useState } from "react";
import type { StatusMessage } from "../components/Footer.js";
import type { Tone } from "../theme.js";

export const STATUS_MS = 8_000;
export const TASK_STATUS_MS = 4_000;

/** Whether the status line still shows a message (errors and sticky ones stay until a key). */
export function statusShown(status: StatusMessage | null, taskRunning: boolean, now: number): boolean {
  if (!status) return false;
  return status.tone === "err" || status.sticky === true || now - status.at < (taskRunning ? TASK_STATUS_MS : STATUS_MS);
}

export interface StatusLine {
  /** The message on screen now, or null (expired, cleared, never said). */
  shown: StatusMessage | null;
  say(text: string, tone?: Tone, sticky?: boolean): void;
  clear(): void;
  /** A key was pressed: an error or a sticky result starts fading from now. */
  acknowledge(): void;
}

export function useStatusLine(clock: () => number, taskRunning: boolean, notice?: string): StatusLine {
  const [status, setStatus] = useState<StatusMessage | null>(() => (notice ? { text: notice, tone: "info", at: clock() } : null));
  const ref = useRef(status);
  const set = useCallback((s: StatusMessage | null) => {
    ref.current = s;
    setStatus(s);
  }, []);
  const say = useCallback((text: string, tone: Tone = "info", sticky = false) => set({ text, tone, at: clock(), sticky }), [clock, set]);
  const clear = useCallback(() => set(null), [set]);
  const acknowledge = useCallback(() => {
    const st = ref.current;
    if (st && (st.tone === "err" || st.sticky)) set({ ...st, tone: st.tone === "err" ? "warn" : st.tone, sticky: false, at: clock() });
  }, [clock, set]);

  // redraw when the message expires (it is no longer shown, nothing else needs to change)
  const [, tick] = useState(0);
  const now = clock();
  const shown = statusShown(status, taskRunning, now) ? status : null;
  useEffect(() => {
    if (!shown || shown.tone === "err" || shown.sticky) return;
    const left = shown.at + (taskRunning ? TASK_STATUS_MS : STATUS_MS) - clock();
    const t = setTimeout(() => tick((n) => n + 1), Math.max(0, left) + 1);
    t.unref?.();
    return () => clearTimeout(t);
  }, [shown, taskRunning, clock]);
  return { shown, say, clear, acknowledge };
}
