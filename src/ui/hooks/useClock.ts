// Re-render when the clock changes what is on screen (uptime, countdowns, a status message
// expiring). `visible(t)` returns the time-dependent text the console would show at time t;
// it is checked every `ms` and the console re-renders only when it differs from what the
// last render showed, so an idle console draws no frames (bench/RESULTS.md §4).
import { useEffect, useRef, useState } from "react";

export function useClock(ms: number, clock: () => number, visible: (t: number) => string): void {
  const [, set] = useState(0);
  const shown = useRef("");
  const latest = useRef(visible);
  latest.current = visible;
  shown.current = visible(clock());
  useEffect(() => {
    const t = setInterval(() => {
      if (latest.current(clock()) !== shown.current) set((n) => n + 1);
    }, ms);
    t.unref?.();
    return () => clearInterval(t);
  }, [ms, clock]);
}
