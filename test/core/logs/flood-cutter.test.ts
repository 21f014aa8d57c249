// The flood cutter's thread, run on the test's own thread (its code is one self-contained
// function) with fake timers: what it costs for a service that writes a burst now and then.
//
// The thread's timers are counted apart from the fake clock's: this worker is shared with other
// files (vitest.config.ts), and a timer loop one of them left running (a gRPC follower's reconnect
// backoff: setTimeout on the global, 1 s and more) that fires while these tests spin the event loop
// for inotify puts its next timer on the fake clock. vi.getTimerCount() then counted it as the
// thread's (the quiet-wake test's "no timer" got 1, about once in five clean-clone runs).
import { afterEach, describe, expect, it, vi } from "vitest";
import * as realFs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import type { MessagePort } from "node:worker_threads";
import { cutterThread, FLOOD_SLACK_BYTES, QUIET_WAKE_MS, SLACK_BYTES } from "../../../src/core/logs/flood-cutter.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { turns } from "./event-turns.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

/**
 * The thread on this one: its fs counts stats (by path or descriptor), those by path, and watches
 * (beforeStat runs before each stat: a writer at work); send() is its port's message.
 */
function runCutter(beforeStat?: (n: number) => void) {
  const counts = { stats: 0, pathStats: 0, watches: 0 };
  const fs = {
    ...realFs,
    statSync: ((file: realFs.PathLike) => {
      counts.stats++;
      counts.pathStats++;
      beforeStat?.(counts.stats);
      return realFs.statSync(file);
    }) as typeof realFs.statSync,
    fstatSync: ((fd: number) => {
      counts.stats++;
      beforeStat?.(counts.stats);
      return realFs.fstatSync(fd);
    }) as typeof realFs.fstatSync,
    watch: ((...a: unknown[]) => {
      counts.watches++;
      return (realFs.watch as (...x: unknown[]) => realFs.FSWatcher)(...a);
    }) as typeof realFs.watch,
  };
  let onMessage: (m: unknown) => void = () => undefined;
  const posted: unknown[] = [];
  const port = {
    on: (_event: string, cb: (m: unknown) => void) => {
      onMessage = cb;
    },
    postMessage: (m: unknown) => posted.push(m),
  } as unknown as Pick<MessagePort, "on" | "postMessage">;
  const limits = { maxBytes: 10 << 20, floodBytes: 1 << 20, hotMs: 5, hotHoldMs: 5000, slack: SLACK_BYTES, floodSlack: FLOOD_SLACK_BYTES, quietWakeMs: QUIET_WAKE_MS };
  // from its source text in a context of its own, as the Worker runs it (no outer names): its
  // setTimeout and clearTimeout are the fake clock's, through a count of its own pending timers
  const pending = new Set<unknown>();
  const context = vm.createContext({
    Date: { now: () => Date.now() },
    setTimeout: (fn: () => void, ms: number) => {
      const t = setTimeout(() => {
        pending.delete(t);
        fn();
      }, ms);
      pending.add(t);
      return t;
    },
    clearTimeout: (t: NodeJS.Timeout | null) => {
      pending.delete(t);
      clearTimeout(t ?? undefined);
    },
  });
  const thread = vm.runInContext(`(${cutterThread.toString()})`, context) as typeof cutterThread;
  thread(fs, port, limits);
  return { counts, posted, send: (m: unknown) => onMessage(m), timers: () => pending.size };
}

describe("flood cutter thread", () => {
  it("a file woken after a quiet while (a burst a second) keeps its watch: one stat per burst, through a descriptor; one woken again soon is polled every hotMs, then as its rate needs", async () => {
    const file = path.join(tempDir(), "bursty.log");
    realFs.writeFileSync(file, "started\n");
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const cutter = runCutter();
    try {
      cutter.send({ files: [file] });
      expect(cutter.counts.watches).toBe(1); // idle until it grows: watched at once
      expect(cutter.timers()).toBe(0);
      const burst = (n: number) => realFs.appendFileSync(file, "x".repeat(99).concat("\n").repeat(n));
      // a burst a second: one check (a stat of the descriptor kept with the watch, none by path),
      // the watch kept (none made again), no timer
      for (let i = 0; i < 3; i++) {
        vi.advanceTimersByTime(1000);
        const stats = cutter.counts.stats;
        const pathStats = cutter.counts.pathStats;
        burst(200);
        expect(await turns(() => cutter.counts.stats > stats)).toBe(true);
        for (let k = 0; k < 20; k++) await new Promise((r) => setImmediate(r)); // no more events
        expect(cutter.counts.stats).toBe(stats + 1);
        expect(cutter.counts.pathStats).toBe(pathStats);
        expect(cutter.counts.watches).toBe(1);
        expect(cutter.timers()).toBe(0);
      }
      // written again 100 ms later: not a quiet wake, checked again hotMs later (a flood would show its rate there)
      vi.advanceTimersByTime(100);
      const stats = cutter.counts.stats;
      const watches = cutter.counts.watches;
      burst(1);
      expect(await turns(() => cutter.counts.stats > stats)).toBe(true);
      expect(cutter.counts.watches).toBe(watches);
      expect(cutter.timers()).toBe(1);
      vi.advanceTimersByTime(5);
      expect(cutter.counts.stats).toBe(stats + 2);
      // then every 200 ms until five checks saw no growth: watched (a watch made again)
      for (let i = 0; i < 5; i++) vi.advanceTimersByTime(200);
      expect(cutter.counts.watches).toBe(watches + 1);
      expect(cutter.timers()).toBe(0);
      expect(cutter.posted).toEqual([{ ready: 1 }]); // nothing cut
    } finally {
      cutter.send({ close: true });
    }
  });

  it("a watched file removed (the descriptor kept with its watch still open) is made again and watched", async () => {
    const file = path.join(tempDir(), "gone.log");
    realFs.writeFileSync(file, "started\n");
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const cutter = runCutter();
    try {
      cutter.send({ files: [file] });
      vi.advanceTimersByTime(1000);
      const watches = cutter.counts.watches;
      realFs.unlinkSync(file);
      expect(await turns(() => realFs.existsSync(file) && cutter.counts.watches > watches)).toBe(true);
    } finally {
      cutter.send({ close: true });
    }
  });

  it("a watched file replaced by a rename over it (sed -i, mv) is watched again: the new file's writes wake a check", async () => {
    const dir = tempDir();
    const file = path.join(dir, "svc.log");
    realFs.writeFileSync(file, "started\n");
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const cutter = runCutter();
    try {
      cutter.send({ files: [file] });
      expect(cutter.counts.watches).toBe(1);
      // after a quiet while: only a "change" for the old inode's link count (the descriptor kept
      // with the watch holds it: no "rename")
      vi.advanceTimersByTime(1000);
      const watches = cutter.counts.watches;
      let stats = cutter.counts.stats;
      realFs.writeFileSync(path.join(dir, "tmp"), "trimmed\n");
      realFs.renameSync(path.join(dir, "tmp"), file);
      expect(await turns(() => cutter.counts.stats > stats)).toBe(true);
      expect(cutter.counts.watches).toBe(watches + 1); // the new file's
      expect(cutter.timers()).toBe(0);
      // a burst to the new file a second later wakes a check
      vi.advanceTimersByTime(1000);
      stats = cutter.counts.stats;
      realFs.appendFileSync(file, "x".repeat(99).concat("\n").repeat(200));
      expect(await turns(() => cutter.counts.stats > stats)).toBe(true);
    } finally {
      cutter.send({ close: true });
    }
  });

  it("files growing slowly are checked every 200 ms on one timer, not one timer each", async () => {
    const dir = tempDir();
    const files = ["a.log", "b.log", "c.log"].map((f) => path.join(dir, f));
    for (const f of files) realFs.writeFileSync(f, "");
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const cutter = runCutter();
    try {
      cutter.send({ files });
      expect(cutter.timers()).toBe(0); // all watched
      // each written twice 100 ms apart (the second wake is not a quiet one): hotMs checks
      const stats0 = cutter.counts.stats;
      for (const f of files) realFs.appendFileSync(f, "one\n");
      expect(await turns(() => cutter.counts.stats === stats0 + 3)).toBe(true);
      vi.advanceTimersByTime(100);
      const stats = cutter.counts.stats;
      for (const f of files) realFs.appendFileSync(f, "two\n");
      expect(await turns(() => cutter.counts.stats === stats + 3)).toBe(true);
      expect(cutter.timers()).toBe(3);
      for (const f of files) realFs.appendFileSync(f, "three\n");
      vi.advanceTimersByTime(5); // grew: then every 200 ms, together
      expect(cutter.timers()).toBe(1);
      for (let round = 1; round <= 3; round++) {
        for (const f of files) realFs.appendFileSync(f, "more\n");
        const before = cutter.counts.stats;
        vi.advanceTimersByTime(200);
        expect(cutter.counts.stats).toBe(before + 3);
        expect(cutter.timers()).toBe(1);
      }
      expect(cutter.counts.watches).toBe(3);
    } finally {
      cutter.send({ close: true });
    }
  });

  it("a flood already going on when the thread takes its file (a thread started mid-run) is looked at again within hotMs and cut, also when its first check saw no growth", async () => {
    // a writer that wrote nothing between the thread's first two stats of the file, then writes
    // between that check and its watch (a flood, a few µs between writes): its next look
    const file = path.join(tempDir(), "flood.log");
    realFs.writeFileSync(file, "started\n");
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const chunk = "y".repeat(1023).concat("\n").repeat(1024); // 1 MiB
    let flooding = false;
    const cutter = runCutter((n) => {
      if (n === 3) flooding = true;
      if (flooding) realFs.appendFileSync(file, chunk);
    });
    try {
      cutter.send({ files: [file] });
      expect(cutter.counts.stats).toBe(3); // taken, checked, and the stat beside its watch saw a write
      vi.advanceTimersByTime(1);
      realFs.appendFileSync(file, chunk.repeat(8)); // the flood goes on
      vi.advanceTimersByTime(4); // hotMs after the check
      expect(cutter.posted).toContainEqual({ file, bytes: expect.any(Number) });
      expect(realFs.statSync(file).size).toBeLessThan(1 << 20);
    } finally {
      flooding = false;
      cutter.send({ close: true });
    }
  });

  it("a flood that begins with a quiet wake is polled every hotMs once it wakes the watch again, and cut past its limit", async () => {
    const file = path.join(tempDir(), "flood.log");
    realFs.writeFileSync(file, "");
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const cutter = runCutter();
    try {
      cutter.send({ files: [file] });
      vi.advanceTimersByTime(10_000);
      const chunk = "y".repeat(1023).concat("\n").repeat(1024); // 1 MiB
      const stats = cutter.counts.stats;
      realFs.appendFileSync(file, chunk); // the quiet wake: its watch kept
      expect(await turns(() => cutter.counts.stats === stats + 1)).toBe(true);
      expect(cutter.timers()).toBe(0);
      vi.advanceTimersByTime(1);
      realFs.appendFileSync(file, chunk.repeat(8)); // 8 MiB a ms later: a flood, past floodBytes + slack
      expect(await turns(() => cutter.posted.length === 2)).toBe(true);
      expect(cutter.posted[1]).toEqual({ file, bytes: 9 << 20 });
      expect(realFs.statSync(file).size).toBe(0);
      expect(cutter.timers()).toBe(1); // polled every hotMs (the flood's hold)
    } finally {
      cutter.send({ close: true });
    }
  });
});
