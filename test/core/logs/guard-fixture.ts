// A size guard as the burst tests want it: over one file, no backstop thread, and its first checks
// run (on the fake clock) until it watches the file.
import { vi } from "vitest";
import { LogSizeGuard } from "../../../src/core/logs/size-guard.js";

/** The guard over `file` (timers faked by the caller: fakeLogTimers), advanced until it watches the file or 4 s passed. */
export function watchedGuard(file: string): LogSizeGuard {
  const guard = new LogSizeGuard({ maxBytes: 10 << 20, keep: 3, quietMs: 200, hotMs: 5, idleChecks: 5, backstop: false });
  guard.setFiles([file]);
  for (let i = 0; i < 20 && !guard.isWatched(file); i++) vi.advanceTimersByTime(200);
  return guard;
}
