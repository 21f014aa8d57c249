// For tests with fake timers and real inotify events: event-loop turns until a condition holds,
// and the fake timers the code under test set.
import { vi } from "vitest";

/** Turns (setImmediate: not faked) until `until`, and one more: what a read's caller does after it. */
export async function turns(until: () => boolean): Promise<boolean> {
  const tick = () => new Promise((r) => setImmediate(r));
  for (let i = 0; i < 20_000 && !until(); i++) await tick();
  await tick();
  return until();
}

let pending: Set<unknown> | null = null;

/**
 * Fakes Date, setTimeout and clearTimeout (vi.useFakeTimers; vi.useRealTimers undoes it) and counts
 * the pending timers that code under src/core/logs/ set (logTimerCount). Not vi.getTimerCount():
 * the test worker is shared with other files (vitest.config.ts), and a timer loop one of them left
 * running (a gRPC follower's reconnect backoff) that fires while a test turns the event loop for
 * inotify puts its next timer on the fake clock too.
 */
export function fakeLogTimers(): void {
  vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
  const mine = new Set<unknown>();
  pending = mine;
  const fakeSet = globalThis.setTimeout;
  const fakeClear = globalThis.clearTimeout;
  // vi.useRealTimers() puts back the real ones for functions marked as the fakes are (hadOwnProperty)
  const set = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const own = /src[\\/]core[\\/]logs[\\/]/.test(new Error().stack ?? "");
    const t = fakeSet(
      (...a: unknown[]) => {
        mine.delete(t);
        fn(...a);
      },
      ms,
      ...args,
    );
    if (own) mine.add(t);
    return t;
  };
  const clear = (t?: NodeJS.Timeout | string | number) => {
    mine.delete(t);
    fakeClear(t);
  };
  globalThis.setTimeout = Object.assign(set, { hadOwnProperty: (fakeSet as unknown as { hadOwnProperty?: boolean }).hadOwnProperty }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = Object.assign(clear, { hadOwnProperty: (fakeClear as unknown as { hadOwnProperty?: boolean }).hadOwnProperty });
}

/** Pending fake timers set by src/core/logs/ since fakeLogTimers(). */
export function logTimerCount(): number {
  return pending?.size ?? 0;
}
