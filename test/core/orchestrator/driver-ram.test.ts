// The driver's hand-over where RAM, not the disk, holds the next prover back (the bench's rig: a
// RAM budget for as many fast provers as there are disks), on a fake clock: the node looks at its
// identities every 2 s on one grid, fetches a finished proof at its next look, so /status goes from
// Proving to Idle without a DoneProving in between, and the daemon sees the node's IDLE up to a
// PostStates poll later. A prover whose read is over (its `finished reading POST data` line) holds
// no RAM: the next one starts then, not when /status or the node's IDLE say so — with a proof
// history or without one.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OrchestratorDriver } from "../../../src/core/orchestrator/driver.js";
import type { Rig } from "../../../src/core/rig.js";
import { FakeRig, SLOW } from "./fake-rig.js";

const GRID_MS = 2000;
const POLL_MS = 2000; // the supervisor's /status poll
const LINE_LAG_MS = 1000; // the log follower reads a file once a second

let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-orch-ram-"));
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

const PHASES = [0, 250, 500, 750].flatMap((deliverMs) => [300, 1300].map((pollMs) => ({ pollMs, deliverMs })));
const diskOf = (name: string) => (Number(name.slice(4)) % 2 ? "disk-a" : "disk-b");

/** One round in 50 ms steps. */
async function round(rig: FakeRig, phase: { pollMs: number; deliverMs: number }): Promise<void> {
  const t0 = Date.now();
  rig.prove();
  for (let t = 0; t < 120_000; t += 50) {
    const now = t0 + t;
    rig.step(now);
    if (t % POLL_MS === phase.pollMs) rig.poll(now);
    if (t % 1000 === phase.deliverMs) rig.deliver();
    await vi.advanceTimersByTimeAsync(50);
    if (rig.ids.every((i) => i.postState === "IDLE") && rig.sims.every((s) => !s.running)) break;
  }
}

describe("the next prover held back by RAM", () => {
  it.each(PHASES)("starts by the read ahead's end + a log line's lag, not at a /status poll or the node's IDLE; with history, reads ending earlier or later than predicted (poll at $pollMs, lines at $deliverMs)", async (phase) => {
    const rig = new FakeRig(dir, SLOW, ["post1", "post2", "post3", "post4"]);
    rig.config.proving.disks = { "disk-a": [rig.sims[0]!.dir, rig.sims[2]!.dir], "disk-b": [rig.sims[1]!.dir, rig.sims[3]!.dir] } as never;
    rig.config.proving.memoryBudget = "4500MiB"; // two fast provers (2080 MiB each)
    rig.nodeGridMs = GRID_MS;
    rig.idleLagMs = 1900;
    const driver = new OrchestratorDriver({ rig: rig as unknown as Rig, roots: { mountinfo: path.join(dir, "none"), sys: path.join(dir, "none") } });
    await driver.start();
    try {
      for (const k of [1, 2]) {
        // round 2 (a history of round 1): post1's read ends 1.6 s earlier than it did, post2's 2 s later
        if (k === 2) rig.readMsOf = { post1: 3700, post2: 7300 };
        rig.reads.length = 0;
        rig.starts.length = 0;
        await round(rig, phase);
        expect(rig.reads).toHaveLength(4);
        for (const disk of ["disk-a", "disk-b"]) {
          const [a, b] = rig.reads.filter((r) => diskOf(r.name) === disk).sort((x, y) => x.from - y.from);
          expect(b!.from, `round ${k}: one reader at a time on ${disk}`).toBeGreaterThanOrEqual(a!.to);
          // by its `finished reading POST data` line (read up to a second late), not at a /status poll
          // showing it Idle (the node takes the proof at its next look) nor at the node's IDLE
          const started = rig.starts.find((s) => s.name === b!.name)!.at;
          expect(started - a!.to, `round ${k}: ${b!.name} started ${started - a!.to} ms after ${a!.name}'s read ended`).toBeLessThanOrEqual(LINE_LAG_MS + 100);
        }
      }
    } finally {
      driver.stop();
    }
  });
});
