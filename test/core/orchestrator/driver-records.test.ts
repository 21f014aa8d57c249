// The driver's record of each proof (its k2pow and read, from the service's log lines; its slot,
// from the node's PROVING to IDLE) on a fake clock, whatever order the lines and the node's states
// reach it in: the daemon sees the node's PostStates at its polls and the lines when the log
// follower reads them, two ways that race on a busy machine. The plan predicts from these records.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OrchestratorDriver, type DriverOptions } from "../../../src/core/orchestrator/driver.js";
import type { Rig } from "../../../src/core/rig.js";
import type { IdentityView } from "../../../src/protocol/model.js";
import { FakeRig } from "./fake-rig.js";

let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-orch-records-"));
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startDriver(rig: FakeRig, o: Partial<DriverOptions> = {}): Promise<OrchestratorDriver> {
  const driver = new OrchestratorDriver({ rig: rig as unknown as Rig, roots: { mountinfo: path.join(dir, "none"), sys: path.join(dir, "none") }, ...o });
  await driver.start();
  return driver;
}

/**
 * The daemon's view of the node's PostStates, as of its last poll (sync); the rig's own `ids` are
 * the node's. Returns sync.
 */
function laggedView(rig: FakeRig): () => void {
  let seen: IdentityView[] = rig.ids.map((i) => ({ ...i }));
  rig.identities = () => seen;
  return () => {
    seen = rig.ids.map((i) => ({ ...i }));
    rig.emit("event", { type: "identities" });
  };
}

/** Steps the rig in 50 ms steps (/status every 2 s, lines every second unless `lines` says no) until `until` holds after a step. */
async function run(rig: FakeRig, until: () => boolean, lines: () => boolean = () => true): Promise<void> {
  const t0 = Date.now();
  for (let t = 0; t < 60_000; t += 50) {
    rig.step(t0 + t);
    if (t % 2000 === 300) rig.poll(t0 + t);
    if (t % 1000 === 500 && lines()) rig.deliver();
    if (until()) return;
    await vi.advanceTimersByTimeAsync(50);
  }
  throw new Error("the round did not end");
}

const idle = (rig: FakeRig) => rig.ids.every((i) => i.postState === "IDLE");

describe("the driver's proof records, whatever order the log lines and the node's states come in", () => {
  it("a plan asked for as the node shows the last proof IDLE (before the driver's next tick) predicts from that proof's k2pow and read, not from a stored record without them", async () => {
    const rig = new FakeRig(dir);
    // the node monitor's record of a finished proof: the node's duration at once, the service's figures later
    const stored = (keyFile: string) =>
      rig.ids.find((i) => i.keyFile === keyFile)?.postState === "IDLE" && rig.starts.some((s) => `${s.name}.key` === keyFile)
        ? [{ finishedAt: Date.now(), durationMs: 9000, k2powMs: null, readMs: null }]
        : [];
    const driver = await startDriver(rig, { storedProofs: stored });
    try {
      rig.prove();
      await run(rig, () => idle(rig));
      // the plan at once: the tick that follows the IDLE has not run yet (a busy daemon answers a request first)
      const plan = driver.plan();
      expect(plan.identities.map((i) => i.basis)).toEqual([expect.stringMatching(/^history \(1 proof\)/), expect.stringMatching(/^history \(1 proof\)/)]);
    } finally {
      driver.stop();
    }
  });

  it("the proof's record is made when the node's IDLE comes (the identities event), not by a plan asked for: GET /v1/plan changes nothing", async () => {
    const rig = new FakeRig(dir, undefined, ["post1"]);
    const driver = await startDriver(rig);
    try {
      rig.prove();
      await run(rig, () => idle(rig));
      // no timer has run since the IDLE's event (the tick it asks for is 50 ms on), and no plan was asked for
      expect(driver.historyOf("post1.key")).toEqual([expect.objectContaining({ totalMs: expect.any(Number) })]);
      const before = JSON.stringify(driver.historyOf("post1.key"));
      const plans = [driver.plan(), driver.plan()];
      expect(plans[1]).toEqual(plans[0]);
      expect(JSON.stringify(driver.historyOf("post1.key"))).toBe(before);
    } finally {
      driver.stop();
    }
  });

  it("a k2pow over before the daemon's poll shows the node PROVING (the service already running) counts for that proof", async () => {
    const rig = new FakeRig(dir, undefined, ["post1"]);
    rig.config.proving.mode = "always"; // the service runs whether its identity proves or not
    const sync = laggedView(rig);
    const driver = await startDriver(rig);
    try {
      await rig.supervisor.start("post1");
      await vi.advanceTimersByTimeAsync(5000);
      rig.prove(); // the node asks; the daemon polls it later
      await run(rig, () => rig.sims[0]!.passes?.[0]?.logged === 2);
      await vi.advanceTimersByTimeAsync(1000);
      rig.deliver(); // the k2pow line first
      sync(); // then the PostStates poll: PROVING
      await run(rig, () => {
        sync();
        return idle(rig);
      });
      await vi.advanceTimersByTimeAsync(100);
      expect(driver.historyOf("post1.key")).toEqual([expect.objectContaining({ k2powMs: expect.any(Number), readMs: expect.any(Number) })]);
      expect(driver.historyOf("post1.key")[0]!.k2powMs).toBeGreaterThanOrEqual(1000);
    } finally {
      driver.stop();
    }
  });

  it("lines that reach the driver after the node's IDLE (the log follower behind) fill in the proof's record", async () => {
    const rig = new FakeRig(dir, undefined, ["post1"]);
    const driver = await startDriver(rig);
    try {
      rig.prove();
      await run(rig, () => idle(rig), () => false);
      await vi.advanceTimersByTimeAsync(100);
      expect(driver.historyOf("post1.key")).toEqual([expect.objectContaining({ k2powMs: null, readMs: null })]);
      rig.deliver(); // the whole proof's lines at once, after its record was made
      expect(driver.historyOf("post1.key")).toEqual([expect.objectContaining({ k2powMs: 1000, readMs: 5000 })]);
      // the plan predicts from them
      expect(driver.plan().identities[0]!.basis).toMatch(/^history \(1 proof\): k2pow 1s \+ read 5s/);
    } finally {
      driver.stop();
    }
  });
});
