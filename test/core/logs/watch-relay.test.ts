// A log file that a follower (the log hub's) and the size guard both watch wakes the daemon once
// per write: the guard takes the follower's watch and the size its read found (watch-relay.ts). The
// guard's bound must hold through it: a flood is rotated whether it comes while the guard listens to
// the follower's watch or just after that watch went.
import { afterEach, describe, expect, it, vi } from "vitest";
import fsModule, { appendFileSync, existsSync, renameSync, statSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import path from "node:path";
import { FileFollower } from "../../../src/core/logs/follower.js";
import { LogSizeGuard } from "../../../src/core/logs/size-guard.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { turns, fakeLogTimers } from "./event-turns.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

const MAX = 64 << 10;

/**
 * A log file with a size guard gone idle and a follower at the daemon's pace while no client
 * watches (one read a second), timers and clock frozen: only inotify events (real) bring reads and
 * checks. guardFirst: the guard watched the file before the follower did.
 */
async function rig(guardFirst: boolean) {
  const file = path.join(tempDir(), "svc.log");
  writeFileSync(file, "started\n");
  fakeLogTimers();
  const got: string[] = [];
  const f = new FileFollower(file, (l) => got.push(...l), { pollMs: 60_000, watchedPollMs: 600_000 });
  f.setPace(1000);
  const guard = new LogSizeGuard({ maxBytes: MAX, keep: 2, quietMs: 200, hotMs: 5, idleChecks: 2, backstop: false });
  const startFollower = async () => {
    f.start();
    expect(await turns(() => f.watched())).toBe(true);
    await f.poll();
  };
  if (!guardFirst) await startFollower();
  guard.setFiles([file]);
  for (let i = 0; i < 20 && !guard.isWatched(file); i++) vi.advanceTimersByTime(200);
  expect(guard.isWatched(file)).toBe(true);
  if (guardFirst) await startFollower();
  /** A burst a second later: read by the follower and checked by the guard at its event. */
  const burst = async (lines: number) => {
    vi.setSystemTime(Date.now() + 1000);
    const n = guard.checksOf(file);
    const want = got.length + lines;
    appendFileSync(file, `a line of a burst ${"x".repeat(80)}\n`.repeat(lines));
    expect(await turns(() => got.length >= want && guard.checksOf(file) > n)).toBe(true); // (a "lines skipped" line too after a cut)
  };
  /** `kib` written at once: rotated at its event (timers are frozen). */
  const flood = async (kib: number) => {
    appendFileSync(file, "z".repeat(99).concat("\n").repeat(Math.round((kib * 1024) / 100)));
    expect(await turns(() => statSync(file).size < MAX && existsSync(`${file}.1`))).toBe(true);
  };
  const close = async () => {
    guard.close();
    await f.stop();
  };
  return { file, f, got, guard, burst, flood, close };
}

/** fstat calls while `fn` runs (node:fs's named exports follow the spy once synced). */
async function fstats(fn: () => Promise<void>): Promise<number> {
  const spy = vi.spyOn(fsModule, "fstatSync");
  syncBuiltinESMExports();
  try {
    await fn();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
    syncBuiltinESMExports();
  }
}

describe("a log file both followed and guarded", () => {
  it("a burst a second wakes the guard through the follower's watch and its read's size: no watch and no fstat of the guard's own", async () => {
    const r = await rig(false);
    try {
      expect(r.guard.isRelayed(r.file)).toBe(true);
      const calls = await fstats(async () => {
        for (let i = 0; i < 3; i++) await r.burst(200);
      });
      expect(calls).toBe(0);
      expect(r.guard.isRelayed(r.file)).toBe(true);
      expect(r.got.length).toBe(600);
    } finally {
      await r.close();
    }
  });

  it("a guard that watched the file before the follower takes the follower's watch at the next burst", async () => {
    const r = await rig(true);
    try {
      expect(r.guard.isRelayed(r.file)).toBe(false);
      await r.burst(20);
      expect(r.guard.isRelayed(r.file)).toBe(true);
      // the same write's event through the follower brought no second check: still a quiet wake's watch
      const n = r.guard.checksOf(r.file);
      expect(await turns(() => r.guard.checksOf(r.file) > n)).toBe(false);
      expect(await fstats(() => r.burst(20))).toBe(0);
      expect(r.guard.isRelayed(r.file)).toBe(true);
    } finally {
      await r.close();
    }
  });

  it("a burst past maxBytes into a relayed file is rotated at its event, whether the follower read it all (< 64 KiB) or not", async () => {
    const r = await rig(false);
    try {
      for (const kib of [MAX / 1024 + 8, 200]) {
        vi.setSystemTime(Date.now() + 2000);
        expect(r.guard.isRelayed(r.file)).toBe(true);
        await r.flood(kib);
        // the cut's hot checks and the follower's paced reads (timers) until both watch the file
        // again, for a pace; the next burst's wake gives the guard's watch, if its own, to the follower's
        for (let i = 0, still = 0; i < 100 && still < 6; i++) {
          vi.advanceTimersByTime(200);
          for (let k = 0; k < 50; k++) await new Promise((res) => setImmediate(res));
          still = r.guard.isWatched(r.file) && r.f.watched() ? still + 1 : 0;
        }
        vi.setSystemTime(Date.now() + 5000); // past the cut's hot hold
        await r.burst(5);
        expect(r.guard.isRelayed(r.file)).toBe(true);
      }
    } finally {
      await r.close();
    }
  });

  it("when the follower's watch goes (a write before its paced read) the guard watches the file itself at once: a flood then is rotated at its event", async () => {
    const r = await rig(false);
    try {
      await r.burst(5); // read at its event: the follower's pace counts from here
      vi.setSystemTime(Date.now() + 600); // a quiet while for the guard, within the follower's pace
      const n = r.guard.checksOf(r.file);
      appendFileSync(r.file, "early\n"); // its read waits for the pace's timer (frozen)
      expect(await turns(() => r.guard.checksOf(r.file) > n)).toBe(true);
      expect(r.guard.isRelayed(r.file)).toBe(true);
      expect(r.f.watched()).toBe(true);
      // written again before that read: the follower's watch goes off; the flood is the guard's to see
      await r.flood(150);
      expect(r.f.watched()).toBe(false);
      expect(r.guard.isRelayed(r.file)).toBe(false);
    } finally {
      await r.close();
    }
  });

  it("a follower that stops hands the watch back: the guard watches the file itself and a flood after is rotated at its event", async () => {
    const r = await rig(false);
    try {
      await r.burst(5);
      expect(r.guard.isRelayed(r.file)).toBe(true);
      await r.f.stop();
      expect(r.guard.isWatched(r.file)).toBe(true);
      expect(r.guard.isRelayed(r.file)).toBe(false);
      vi.setSystemTime(Date.now() + 1000);
      await r.flood(150);
    } finally {
      await r.close();
    }
  });

  it("a followed file renamed away (a rotation not the guard's): the guard watches the path itself, and a flood into the new file there is rotated at its event", async () => {
    const r = await rig(false);
    try {
      await r.burst(5);
      expect(r.guard.isRelayed(r.file)).toBe(true);
      // the follower's watch stays on the old file until its read of the path, a pace later (frozen)
      const n = r.guard.checksOf(r.file);
      renameSync(r.file, `${r.file}.old`);
      writeFileSync(r.file, "restarted\n"); // the service restarted onto the path
      expect(await turns(() => r.guard.checksOf(r.file) > n)).toBe(true);
      // its checks of a quiet while, within the follower's pace, until it watches the file again
      for (let i = 0; i < 3 && !r.guard.isWatched(r.file); i++) {
        vi.advanceTimersByTime(200);
        await turns(() => r.guard.isWatched(r.file));
      }
      expect(r.guard.isWatched(r.file)).toBe(true);
      expect(r.f.watched()).toBe(true);
      await r.flood(200); // listening to the follower's watch of the old file, it saw none of this
    } finally {
      await r.close();
    }
  });
});
