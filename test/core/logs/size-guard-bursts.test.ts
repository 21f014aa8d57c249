// A service that writes a burst a second costs the size guard one check per burst (its watch wakes
// it), also after a wake that came soon after the one before (a daemon that handled one event late
// on a loaded machine) sent the file to polling.
import { afterEach, describe, expect, it, vi } from "vitest";
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { turns, fakeLogTimers } from "./event-turns.js";
import { watchedGuard } from "./guard-fixture.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

/** A few event-loop turns: an inotify event that came is handled. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe("log size guard with a burst a second", () => {
  it("a file polled after two close wakes is watched again between bursts: one check per burst, not five", async () => {
    const file = path.join(tempDir(), "svc.log");
    writeFileSync(file, "started\n");
    fakeLogTimers();
    const guard = watchedGuard(file);
    try {
      expect(guard.isWatched(file)).toBe(true);
      const burst = () => appendFileSync(file, `a line of a burst ${"x".repeat(80)}\n`.repeat(200));
      // two bursts 100 ms apart (the first one's event handled late): the second wake is not a quiet one
      vi.advanceTimersByTime(1000);
      const n0 = guard.checksOf(file);
      burst();
      expect(await turns(() => guard.checksOf(file) > n0)).toBe(true);
      vi.advanceTimersByTime(100);
      const n = guard.checksOf(file);
      burst();
      expect(await turns(() => guard.checksOf(file) > n)).toBe(true);
      expect(guard.isWatched(file)).toBe(false); // polled
      // then a burst a second, 10 s long: the timers run in 50 ms steps
      let counted = 0;
      for (let s = 0; s < 10; s++) {
        if (s === 5) counted = guard.checksOf(file);
        burst();
        await settle();
        for (let k = 0; k < 20; k++) {
          vi.advanceTimersByTime(50);
          await settle();
        }
      }
      const perBurst = (guard.checksOf(file) - counted) / 5;
      expect(perBurst).toBeLessThanOrEqual(1.5);
      expect(guard.isWatched(file)).toBe(true);
    } finally {
      guard.close();
    }
  });
});
