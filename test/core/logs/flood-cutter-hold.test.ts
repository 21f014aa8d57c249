// The flood cutter's thread is held only while a flood can begin unseen (issue 17: an isolate of its
// own costs the daemon's RSS while it runs, and every burst wakes it): a few seconds past the last
// arm (a spawn), longer while the main thread is busy, and kept when it cut a flood meanwhile.
import { afterEach, describe, expect, it, vi } from "vitest";
import { appendFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FloodCutter, type CutReport } from "../../../src/core/logs/flood-cutter.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { turns } from "./event-turns.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

const MiB = 1 << 20;
/** A few event-loop turns: the hold's decision (setImmediate after its timer) has run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};
const limits = { maxBytes: 2 * MiB, floodBytes: MiB, hotMs: 5, hotHoldMs: 5000 };

/** A cutter on one empty log file; `now` is its clock (default Date.now, faked or not). */
function cutterOn(o: { holdMs?: number; now?: () => number } = {}) {
  const file = path.join(tempDir(), "svc.log");
  writeFileSync(file, "");
  const cuts: CutReport[] = [];
  const cutter: FloodCutter = new FloodCutter(
    limits,
    (r) => {
      cuts.push(r);
      cutter.arm(); // as the size guard does (cutBehind): a flood going on holds it
    },
    undefined,
    o,
  );
  cutter.setFiles([file]);
  return { file, cuts, cutter };
}

describe("flood cutter's hold", () => {
  it("a start's thread ends a few seconds after the last spawn when nothing floods; each spawn holds it again", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const { cutter } = cutterOn();
    try {
      cutter.arm();
      await cutter.ready();
      // spawns 1.5 s apart (a 64-service start spreads its spawns over 15-20 s on this machine)
      for (let i = 0; i < 5; i++) {
        vi.advanceTimersByTime(1500);
        await settle();
        expect(cutter.running()).toBe(true);
        cutter.arm();
      }
      vi.advanceTimersByTime(2500);
      await settle();
      expect(cutter.running()).toBe(true);
      // 5 s after the last spawn it is gone (it was held 15 s: through phase 1's window)
      vi.advanceTimersByTime(2500);
      expect(await turns(() => !cutter.running())).toBe(true);
    } finally {
      cutter.close();
    }
  });

  it("a hold that runs out while the main thread is busy (its check late) holds the thread on; one on time ends it", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    let busy = 0;
    const { cutter } = cutterOn({ holdMs: 1000, now: () => Date.now() + busy });
    try {
      cutter.arm();
      await cutter.ready();
      vi.advanceTimersByTime(990);
      busy = 300; // the main thread busy: the check runs 290 ms late
      vi.advanceTimersByTime(10);
      await settle();
      expect(cutter.running()).toBe(true);
      vi.advanceTimersByTime(999);
      await settle();
      expect(cutter.running()).toBe(true);
      vi.advanceTimersByTime(1); // on time
      expect(await turns(() => !cutter.running())).toBe(true);
    } finally {
      cutter.close();
    }
  });

  it("a flood the thread cut while the main thread was busy past the hold: its cuts are reported and the thread kept", async () => {
    // the traced worst case: a child floods from its first write while the daemon's main thread is
    // busy (here: this loop, which writes the flood) for longer than the hold
    const { file, cuts, cutter } = cutterOn({ holdMs: 20 });
    try {
      cutter.arm();
      await cutter.ready();
      // busy from a setImmediate callback (a turn's end): the next turn runs its timers (the hold's
      // check) before its I/O (the thread's reports)
      await new Promise((r) => setImmediate(r));
      const t0 = Date.now();
      const chunk = Buffer.alloc(MiB, "y\n");
      let written = 0;
      let cut = false;
      // written until the thread cuts it (a thread starved on a loaded machine: up to 64 MiB, then
      // waited for, still busy)
      while (!cut && Date.now() - t0 < 20_000) {
        if (written < 64 * MiB) {
          appendFileSync(file, chunk);
          written += MiB;
        }
        cut = statSync(file).size < written;
      }
      expect(cut).toBe(true); // the thread cut it meanwhile
      while (Date.now() - t0 < 100); // and the hold ran out
      expect(await turns(() => cuts.length > 0)).toBe(true);
      expect(cuts[0]!.file).toBe(file);
      expect(cutter.running()).toBe(true);
    } finally {
      cutter.close();
    }
  });
});
