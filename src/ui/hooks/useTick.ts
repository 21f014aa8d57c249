// Re-render every `ms` so clocks and countdowns move (uptime, backoff, retry). The interval
// is chosen by the caller: fast only while something shows seconds.
import { useEffect, useState } from "react";

export function useTick(ms: number): void {
  const [, set] = useState(0);
  useEffect(() => {
    const t = setInterval(() => set((n) => n + 1), ms);
    t.unref?.();
    return () => clearInterval(t);
  }, [ms]);
}
