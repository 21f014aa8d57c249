// Re-render when the clock changes what is on screen (uptime, countdowns, a status message
// expiring). `visible(t)` returns the time-dependent text the console would show at time t;
// it is checked every `ms` and the console re-renders only when it differs from what the
// last render showed, so an idle console draws no frames (bench/RESULTS.md §4).
// `slow` is text that may lag (uptimes in minutes: 64 services started seconds apart cross their
// minutes at 64 different moments): it redraws only when no frame was drawn for `slow.ms`.
import { useEffect, useRef, useState } from "react";

export interface SlowClockText {
  visible: (t: number) => string;
  /** the lag allowed, asked at each tick (longer when the console is at rest: useDaemonStore's slowClockMs) */
  ms: number | (() => number);
}

export function useClock(ms: number, clock: () => number, visible: (t: number) => string, slow?: SlowClockText): void {
  const [, set] = useState(0);
  const shown = useRef({ text: "", slow: "", at: 0 });
  const latest = useRef({ visible, slow });
  latest.current = { visible, slow };
  const now = clock();
  shown.current = { text: visible(now), slow: slow?.visible(now) ?? "", at: now };
  useEffect(() => {
    const t = setInterval(() => {
      const now = clock();
      const { visible, slow } = latest.current;
      if (visible(now) !== shown.current.text) set((n) => n + 1);
      else if (slow && now - shown.current.at >= (typeof slow.ms === "number" ? slow.ms : slow.ms()) && slow.visible(now) !== shown.current.slow) set((n) => n + 1);
    }, ms);
    t.unref?.();
    return () => clearInterval(t);
  }, [ms, clock]);
}
