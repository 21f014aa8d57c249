// The size guard costs nothing for a log nobody writes to: after a few checks without growth the
// file is watched (inotify) instead of polled, and its next write brings a check at once, so a
// flood that starts after a long quiet is still rotated.
import { afterEach, describe, expect, it, vi } from "vitest";
import fsModule, { appendFileSync, existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import path from "node:path";
import { LogSizeGuard } from "../../../src/core/logs/size-guard.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { sleep, waitFor } from "../../helpers/wait-for.js";
import { logTimerCount, turns, fakeLogTimers } from "./event-turns.js";
import { watchedGuard } from "./guard-fixture.js";

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

  it("keeps checking a file it just cut every hotMs, grown or not, so a flood's pause does not stretch the next check to quietMs", async () => {
    const file = path.join(tempDir(), "flood.log");
    // a burst past maxBytes before the first check: rotated (a copy)
    writeFileSync(file, "x".repeat(99) + "\n" + "y".repeat(100 * 1024) + "\n");
    // quietMs a minute: a check that fell back to it after a cut would not come within the wait
    const guard = new LogSizeGuard({ maxBytes: 64 * 1024, keep: 2, quietMs: 60_000, hotMs: 5, idleChecks: 3, floodBytes: 1024, minRotateMs: 60_000 });
    try {
      guard.setFiles([file]);
      await waitFor(() => existsSync(`${file}.1`) && statSync(file).size === 0, { what: "a rotation" });
      // then one past floodBytes within minRotateMs: cut without a copy
      const before = guard.checksOf(file);
      appendFileSync(file, "z".repeat(4096) + "\n");
      await waitFor(() => guard.checksOf(file) > before && statSync(file).size === 0, { what: "the cut" });
      // the writer pauses: the next checks find nothing new, come every hotMs and end in the watch
      await waitFor(() => guard.isWatched(file), { what: "watched after the pause" });
      expect(statSync(`${file}.1`).mode & 0o777).toBe(0o600);
    } finally {
      guard.close();
    }
  });

  it("a rotation keeps maxBytes of a file that grew slowly and floodBytes of one that grew maxBytes a second or faster", async () => {
    const line = (c: string) => c.repeat(99) + "\n";
    /** <file>.1 after 100 kB (over maxBytes) were written in `ms`, checked only when asked. */
    const rotatedAfter = async (ms: number): Promise<string> => {
      const file = path.join(tempDir(), "svc.log");
      writeFileSync(file, line("a").repeat(80));
      let clock = 0;
      const guard = new LogSizeGuard({ maxBytes: 64 * 1024, keep: 1, floodBytes: 4096, quietMs: 60_000, hotMs: 60_000, idleChecks: 1000, now: () => clock });
      try {
        guard.setFiles([file]);
        clock = 100_000;
        await waitFor(() => guard.checksOf(file) === 1, { what: "the first check" });
        appendFileSync(file, line("b").repeat(1000));
        clock += ms;
        await guard.checkAll();
        await waitFor(() => existsSync(`${file}.1`) && readFileSync(`${file}.1`, "utf8").endsWith(line("b")), { what: "the rotated file written" });
        expect(statSync(`${file}.1`).mode & 0o777).toBe(0o600);
        return readFileSync(`${file}.1`, "utf8");
      } finally {
        guard.close();
      }
    };
    const slow = await rotatedAfter(100_000); // 1 kB/s
    expect(Buffer.byteLength(slow)).toBeGreaterThan(60 * 1024);
    expect(Buffer.byteLength(slow)).toBeLessThanOrEqual(64 * 1024);
    const fast = await rotatedAfter(10); // 10 MB/s
    expect(Buffer.byteLength(fast)).toBeLessThanOrEqual(4096);
    expect(fast.split("\n")[0]).toMatch(/^… postdeck: \d+ bytes of this log cut/);
  });

  it("a burst that wakes a watched file past maxBytes is rotated as a slow writer's (maxBytes kept), not as a flood's", async () => {
    // a writer that is quiet for seconds and then writes a burst: the watch fires with the whole
    // burst there at once; its rate is the burst over the time since the last check, not over the
    // ~0 ms since the wake (which made every burst a flood: <file>.1 kept floodBytes)
    const file = path.join(tempDir(), "burst.log");
    writeFileSync(file, "a".repeat(99).concat("\n").repeat(600)); // 60 kB
    let clock = 0;
    const guard = new LogSizeGuard({ maxBytes: 64 * 1024, keep: 1, floodBytes: 4096, quietMs: 5, hotMs: 5, idleChecks: 2, now: () => clock });
    try {
      guard.setFiles([file]);
      await waitFor(() => guard.isWatched(file), { what: "the idle file watched" });
      clock += 10_000; // ten quiet seconds, then 20 kB at once: 2 kB/s
      appendFileSync(file, "b".repeat(99).concat("\n").repeat(200));
      await waitFor(() => existsSync(`${file}.1`) && readFileSync(`${file}.1`, "utf8").endsWith("b\n"), { what: "the rotated file written" });
      const kept = Buffer.byteLength(readFileSync(`${file}.1`, "utf8"));
      expect(kept).toBeGreaterThan(60 * 1024);
      expect(kept).toBeLessThanOrEqual(64 * 1024);
    } finally {
      guard.close();
    }
  });

  it("a file woken after a quiet while (a burst a second) keeps its watch: one check per burst, no timer; one woken again soon (an active writer) is polled until idle", async () => {
    const file = path.join(tempDir(), "bursty.log");
    writeFileSync(file, "started\n");
    // timers and the clock are frozen: only the inotify event (real) brings a check
    fakeLogTimers();
    const guard = watchedGuard(file);
    try {
      expect(guard.isWatched(file)).toBe(true);
      const burst = (n: number) => appendFileSync(file, "x".repeat(99).concat("\n").repeat(n));
      // a second's 200 lines in one write, a second after the last: checked once, watched again at
      // once, no timer left (it was a hotMs check, then quietMs checks until five saw no growth)
      vi.advanceTimersByTime(1000);
      let n = guard.checksOf(file);
      burst(200);
      expect(await turns(() => guard.checksOf(file) > n)).toBe(true);
      expect(guard.checksOf(file)).toBe(n + 1);
      expect(guard.isWatched(file)).toBe(true);
      expect(logTimerCount()).toBe(0);
      // the next burst a second later: the same
      vi.advanceTimersByTime(1000);
      n = guard.checksOf(file);
      burst(200);
      expect(await turns(() => guard.checksOf(file) > n)).toBe(true);
      expect(guard.isWatched(file)).toBe(true);
      // written again 100 ms later: an active writer, polled (hotMs, then quietMs) until it did
      // not grow for quietWakeMs (500 ms; or five checks saw no growth)
      vi.advanceTimersByTime(100);
      n = guard.checksOf(file);
      burst(1);
      expect(await turns(() => guard.checksOf(file) > n)).toBe(true);
      expect(guard.isWatched(file)).toBe(false);
      vi.advanceTimersByTime(5);
      expect(guard.checksOf(file)).toBe(n + 2);
      expect(guard.isWatched(file)).toBe(false);
      for (let i = 0; i < 2; i++) vi.advanceTimersByTime(200);
      expect(guard.isWatched(file)).toBe(false); // 405 ms without growth
      vi.advanceTimersByTime(200);
      expect(guard.checksOf(file)).toBe(n + 5);
      expect(guard.isWatched(file)).toBe(true);
    } finally {
      guard.close();
      vi.useRealTimers();
    }
  });

  it("a burst's check after a quiet while looks at the watched file through a descriptor, not by path; a file removed meanwhile is made again", async () => {
    const file = path.join(tempDir(), "bursty.log");
    writeFileSync(file, "started\n");
    let clock = 0;
    const guard = new LogSizeGuard({ maxBytes: 10 << 20, keep: 3, quietMs: 5, hotMs: 5, idleChecks: 2, backstop: false, now: () => clock });
    // stats of this file by path (node:fs's named exports follow the spy once synced)
    const byPath = vi.spyOn(fsModule, "statSync");
    syncBuiltinESMExports();
    const pathStats = () => byPath.mock.calls.filter((c) => c[0] === file).length;
    try {
      guard.setFiles([file]);
      await waitFor(() => guard.isWatched(file), { what: "the idle file watched" });
      for (let i = 0; i < 3; i++) {
        clock += 1000;
        const n = guard.checksOf(file);
        const before = pathStats();
        appendFileSync(file, "x".repeat(99).concat("\n").repeat(200));
        await waitFor(() => guard.checksOf(file) > n, { what: "the burst's check" });
        expect(guard.isWatched(file)).toBe(true);
        expect(pathStats()).toBe(before);
      }
      // removed (its descriptor still open): the check looks by path and makes it again
      clock += 1000;
      unlinkSync(file);
      await waitFor(() => existsSync(file) && guard.isWatched(file), { what: "the file made again and watched" });
    } finally {
      byPath.mockRestore();
      syncBuiltinESMExports();
      guard.close();
    }
  });

  it("a watched log replaced by a rename over it (sed -i, mv) is guarded after: the new file's growth is checked and rotated", async () => {
    const dir = tempDir();
    const file = path.join(dir, "svc.log");
    writeFileSync(file, "started\n");
    // timers and the clock are frozen: only inotify events (real) bring checks
    fakeLogTimers();
    const guard = new LogSizeGuard({ maxBytes: 64 << 10, keep: 2, quietMs: 200, hotMs: 5, idleChecks: 2, backstop: false });
    try {
      guard.setFiles([file]);
      for (let i = 0; i < 20 && !guard.isWatched(file); i++) vi.advanceTimersByTime(200);
      expect(guard.isWatched(file)).toBe(true);
      // a quiet while, then the file replaced: its descriptor kept with the watch holds the old inode
      // (no "rename" from the watch), only a "change" for its link count
      vi.advanceTimersByTime(1000);
      const n = guard.checksOf(file);
      writeFileSync(path.join(dir, "tmp"), "trimmed\n");
      renameSync(path.join(dir, "tmp"), file);
      expect(await turns(() => guard.checksOf(file) > n)).toBe(true);
      expect(guard.isWatched(file)).toBe(true);
      // the new file grows past maxBytes a while later: its write wakes the watch and it is rotated
      vi.advanceTimersByTime(1000);
      appendFileSync(file, "x".repeat(99).concat("\n").repeat(2000));
      expect(await turns(() => statSync(file).size < 64 << 10)).toBe(true);
      expect(await turns(() => existsSync(`${file}.1`))).toBe(true);
    } finally {
      guard.close();
      vi.useRealTimers();
    }
  });

  it("files growing slowly are checked every quietMs on one timer, not one timer each", async () => {
    const dir = tempDir();
    const files = ["a.log", "b.log", "c.log"].map((f) => path.join(dir, f));
    for (const f of files) writeFileSync(f, "started\n");
    fakeLogTimers();
    const guard = new LogSizeGuard({ maxBytes: 10 << 20, keep: 3, quietMs: 200, hotMs: 5, idleChecks: 5, backstop: false });
    try {
      guard.setFiles(files);
      vi.advanceTimersByTime(5); // the first checks, then hotMs ones (their rate not known yet)
      for (let round = 1; round <= 5; round++) {
        for (const f of files) appendFileSync(f, "a line\n".repeat(4)); // ~150 bytes a second: far from maxBytes
        vi.advanceTimersByTime(200);
        expect(files.map((f) => guard.checksOf(f))).toEqual(files.map(() => 2 + round));
        expect(files.some((f) => guard.isWatched(f))).toBe(false);
        expect(logTimerCount()).toBe(1);
      }
      // one of them fills up fast: its own hotMs timer, the others stay in the round
      appendFileSync(files[0]!, "x".repeat(8 << 20)); // 40 MB/s, 2 MiB from maxBytes: checked again in 25 ms
      vi.advanceTimersByTime(200);
      expect(logTimerCount()).toBe(2);
    } finally {
      guard.close();
      vi.useRealTimers();
    }
  });

  it("makes a log file that is not there yet (empty, 0600, its directory 0700) and watches it, so the first write is seen at once", async () => {
    const dir = path.join(tempDir(), "logs");
    const file = path.join(dir, "later.log");
    // quietMs a minute: only the watch can bring the check after the write
    const guard = new LogSizeGuard({ maxBytes: 1024, keep: 1, quietMs: 60_000, hotMs: 5, idleChecks: 2 });
    try {
      guard.setFiles([file]);
      await waitFor(() => guard.isWatched(file), { what: "the made file watched" });
      expect(statSync(file).size).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      appendFileSync(file, "z".repeat(4096) + "\n");
      await waitFor(() => existsSync(`${file}.1`), { what: "the rotation brought by the watch" });
    } finally {
      guard.close();
    }
  });

  it("polls a log file whose state dir is gone, without making it", async () => {
    const file = path.join(tempDir(), "gone", "logs", "x.log");
    const guard = new LogSizeGuard({ maxBytes: 1024, keep: 1, quietMs: 5, hotMs: 5, idleChecks: 2 });
    try {
      guard.setFiles([file]);
      await waitFor(() => guard.checksOf(file) >= 3, { what: "three checks" });
      expect(guard.isWatched(file)).toBe(false);
      expect(existsSync(path.dirname(file))).toBe(false);
    } finally {
      guard.close();
    }
  });
});
