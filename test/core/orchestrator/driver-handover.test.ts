// The driver's overlapped hand-over on a fake clock, as the demo rig shows it to the daemon: log
// lines reach it up to a second late (the log follower reads a file once a second), /status is
// polled every 2 s (its position is as old as that poll), a started service connects to the node
// (`obtained metadata`) and is asked for its proof at the node's next 2-s poll (a wait that differs
// from one start to the next), and a queued prover's start is timed by a wake at the predicted
// moment. The next prover on a disk starts while the one before still reads, and its read never
// starts before that read has ended.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OrchestratorDriver, readLeftMs } from "../../../src/core/orchestrator/driver.js";
import type { Rig } from "../../../src/core/rig.js";
import { FakeRig, SLOW } from "./fake-rig.js";

let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-orch-driver-"));
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** When, in each 2 s, /status is polled and, in each second, the log lines are read: out of phase with the proofs. */
interface Phase {
  pollMs: number;
  deliverMs: number;
}
const PHASES: Phase[] = [0, 250, 500, 750].flatMap((deliverMs) => [300, 1300].map((pollMs) => ({ pollMs, deliverMs })));

async function withDriver(rig: FakeRig, fn: () => Promise<void>): Promise<void> {
  const driver = new OrchestratorDriver({ rig: rig as unknown as Rig, roots: { mountinfo: path.join(dir, "none"), sys: path.join(dir, "none") } });
  await driver.start();
  try {
    await fn();
  } finally {
    driver.stop();
  }
}

/** Runs one round (every identity PROVING until all are IDLE again) in 50 ms steps; the most provers running for a proof at once. */
async function round(rig: FakeRig, t0: number, phase: Phase): Promise<number> {
  rig.prove();
  let most = 0;
  for (let t = 0; t < 60_000; t += 50) {
    const now = t0 + t;
    rig.step(now);
    if (t % 2000 === phase.pollMs) rig.poll(now);
    if (t % 1000 === phase.deliverMs) rig.deliver();
    most = Math.max(most, rig.running());
    await vi.advanceTimersByTimeAsync(50);
    if (rig.ids.every((i) => i.postState === "IDLE") && rig.sims.every((s) => !s.running)) break;
  }
  return most;
}

/** No two reads on the disk at once (each pair of reads apart). */
function expectOneReaderAtATime(reads: { name: string; from: number; to: number }[]): void {
  const sorted = [...reads].sort((x, y) => x.from - y.from);
  for (let k = 1; k < sorted.length; k++) expect(sorted[k]!.from, `never two readers on the disk: ${JSON.stringify(sorted)}`).toBeGreaterThanOrEqual(sorted[k - 1]!.to);
}

describe("the driver's overlapped hand-over (late log lines, 2-s /status polls, the node's 2-s asks, a wake at the predicted start)", () => {
  it.each(PHASES)("with a round of history, the next prover starts while the one before reads, and reads only after it, whatever the node's ask waited the round before (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir);
    await withDriver(rig, async () => {
      // round 1: the node asked each service almost a poll interval after it had connected
      rig.askWaitMs = 1900;
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      expectOneReaderAtATime(rig.reads);
      rig.reads.length = 0;
      // round 2: timed by the history of round 1; the node asks at once this time (a start-up counted
      // with round 1's wait in it started the next prover too early: two readers)
      rig.askWaitMs = 0;
      const most = await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      expectOneReaderAtATime(rig.reads);
      expect(most, "the next prover ran while the one before read").toBe(2);
      const [a, b] = [...rig.reads].sort((x, y) => x.from - y.from);
      expect(b!.from - a!.to, "the disk idles less than a start-up and k2pow between the reads").toBeLessThan(SLOW.connectMs + SLOW.k2powMs);
    });
  });

  it.each(PHASES)("without history, the next prover is not started before the read ahead of it ends (a start-up alone does not time it), and starts as it ends (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    // round-1 staging (started a start-up ahead of the read's end, k2pow unknown) made the bench's first round slower
    const rig = new FakeRig(dir, { connectMs: 2500, k2powMs: 1400 });
    rig.askWaitMs = 1000;
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      expectOneReaderAtATime(rig.reads);
      const [a, b] = [...rig.reads].sort((x, y) => x.from - y.from);
      const next = rig.starts.find((s) => s.name === b!.name)!;
      // the read's end as its /status rate says (exact here) or its `finished reading` line (up to a second late)
      expect(next.at - a!.to, "started as the read ahead ended, not before").toBeGreaterThanOrEqual(-100);
      expect(next.at - a!.to).toBeLessThan(1100);
    });
  });

  it.each(PHASES)("a prover too quick to its read to start early starts as the read before it ends, not at the next /status poll (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir, { connectMs: 200, k2powMs: 800 }); // its lead is about 0: it waits for the read's end
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      rig.starts.length = 0;
      await round(rig, Date.now(), phase);
      expectOneReaderAtATime(rig.reads);
      const [a, b] = [...rig.reads].sort((x, y) => x.from - y.from);
      const next = rig.starts.find((s) => s.name === b!.name)!;
      // by its /status rate, or its `finished reading` line (read up to a second late); not when a stale
      // /status position (its read's end then looked a whole read away) gives way to DoneProving at the next poll
      expect(next.at - a!.to).toBeLessThan(1100);
    });
  });

  it.each(PHASES)("a service that connected slowly once (a busy machine) is not timed by that start: the next prover reads after the one before (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir, SLOW, ["post1", "post3", "post5"]);
    await withDriver(rig, async () => {
      // round 1: post3 and post5 took 4 s to connect; round 2: all connect as fast as post1
      rig.connectOf = { post3: 4000, post5: 4000 };
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      rig.connectOf = {};
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(3);
      expectOneReaderAtATime(rig.reads);
    });
  });

  it.each(PHASES)("a read that slows down part-way is not counted at its earlier pace: the next prover reads after it (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir);
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      // round 2: post1's read goes at a third of its pace after its first 40 % (its history says 5.3 s; it takes 11.7 s)
      rig.slowReads = { post1: { after: 0.4, factor: 3 } };
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(2);
      expectOneReaderAtATime(rig.reads);
    });
  });

  it.each(PHASES)("a proof that needs a second pass holds its disk through that pass: the next prover reads after it (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    // post1 reads, finds no proof, runs k2pow again and reads again; post3 and post5 follow on the disk
    const rig = new FakeRig(dir, SLOW, ["post1", "post3", "post5"]);
    await withDriver(rig, async () => {
      await round(rig, Date.now(), phase);
      rig.reads.length = 0;
      rig.starts.length = 0;
      rig.passesOf = { post1: 2 };
      rig.laterK2powMs = 9000; // longer than the next prover's whole read
      await round(rig, Date.now(), phase);
      expect(rig.reads).toHaveLength(4);
      // post1's second read may meet the prover already started for the next turn (a pass is not
      // known before it begins); no other two reads meet: the one after waits for both (a finished
      // read does not free a disk whose prover is back in its k2pow)
      const firstEnd = Math.min(...rig.reads.filter((r) => r.name === "post1").map((r) => r.to));
      const overlaps = rig.reads.flatMap((x, i) => rig.reads.slice(i + 1).filter((y) => x.from < y.to && y.from < x.to).map((y) => [x, y]));
      for (const pair of overlaps) {
        const other = pair.find((r) => r.name !== "post1");
        expect(other, JSON.stringify(rig.reads)).toBeDefined();
        const started = rig.starts.filter((x) => x.name === other!.name).at(-1)!.at;
        expect(started, `${other!.name} started after post1's first read had ended: ${JSON.stringify({ reads: rig.reads, starts: rig.starts })}`).toBeLessThan(firstEnd);
      }
    });
  });
});

describe("the driver at rest", () => {
  it("decides on events, not every 2 s: an idle rig costs a tick a minute, and the node's PROVING starts a prover at once", async () => {
    const rig = new FakeRig(dir);
    let looks = 0;
    const views = rig.supervisor.views;
    rig.supervisor.views = () => (looks++, views());
    await withDriver(rig, async () => {
      await vi.advanceTimersByTimeAsync(10);
      looks = 0;
      await vi.advanceTimersByTimeAsync(120_000);
      expect(looks, "ticks in 2 min at rest").toBeLessThanOrEqual(2);
      rig.prove();
      await vi.advanceTimersByTimeAsync(100);
      expect(rig.starts.map((x) => x.name)).toEqual(["post1"]);
    });
  });
});

describe("readLeftMs", () => {
  it("counts from the later position's time, not from now: a stale position does not make the end recede", () => {
    const first = { at: 0, position: 1_000_000 };
    const last = { at: 2000, position: 3_000_000 }; // 1000 bytes per ms
    expect(readLeftMs(4_000_000, first, last, 2000)).toBe(1000);
    expect(readLeftMs(4_000_000, first, last, 2500)).toBe(500);
    expect(readLeftMs(4_000_000, first, last, 3500)).toBe(0);
    expect(readLeftMs(4_000_000, first, { at: 500, position: 1_500_000 }, 600)).toBeNull();
  });
});
