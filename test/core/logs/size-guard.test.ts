// The size guard costs nothing for a log nobody writes to: after a few checks without growth the
// file is watched (inotify) instead of polled, and its next write brings a check at once, so a
// flood that starts after a long quiet is still rotated.
import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, existsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LogSizeGuard } from "../../../src/core/logs/size-guard.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { sleep, waitFor } from "../../helpers/wait-for.js";

afterEach(() => cleanupTempDirs());

describe("log size guard", () => {
  it("watches an idle file instead of polling it, and rotates it when it wakes up past maxBytes", async () => {
    const file = path.join(tempDir(), "svc.log");
    writeFileSync(file, "started\n");
    const guard = new LogSizeGuard({ maxBytes: 64 * 1024, keep: 2, quietMs: 5, hotMs: 5, idleChecks: 3 });
    try {
      guard.setFiles([file]);
      await waitFor(() => guard.isWatched(file), { what: "the idle file watched" });
      const n = guard.checksOf(file);
      await sleep(50); // ten quiet intervals: no check of a watched file
      expect(guard.checksOf(file)).toBe(n);
      // a slow write wakes it; with no more writes it goes back to being watched
      appendFileSync(file, "one line\n");
      await waitFor(() => guard.checksOf(file) > n, { what: "the write noticed" });
      await waitFor(() => guard.isWatched(file), { what: "watched again" });
      // a burst past maxBytes while watched: rotated
      appendFileSync(file, "x".repeat(99) + "\n" + "y".repeat(100 * 1024) + "\n");
      await waitFor(() => existsSync(`${file}.1`), { what: "a rotation" });
      expect(statSync(file).size).toBeLessThan(64 * 1024);
      expect(statSync(`${file}.1`).mode & 0o777).toBe(0o600);
    } finally {
      guard.close();
    }
    expect(guard.isWatched(file)).toBe(false);
  });

  it("polls a file that is not there yet and watches it once it exists and stays quiet", async () => {
    const file = path.join(tempDir(), "later.log");
    const guard = new LogSizeGuard({ maxBytes: 1024, keep: 1, quietMs: 5, hotMs: 5, idleChecks: 2 });
    try {
      guard.setFiles([file]);
      await new Promise((r) => setTimeout(r, 30));
      expect(guard.isWatched(file)).toBe(false);
      writeFileSync(file, "hello\n");
      await waitFor(() => guard.isWatched(file), { what: "watched once quiet" });
    } finally {
      guard.close();
    }
  });
});
