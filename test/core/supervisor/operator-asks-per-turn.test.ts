// The daemon's operator /status asks at a start of many services (issue 17): asks due together leave
// at most OPERATOR_ASKS_PER_TURN per turn of the event loop (64 asks and their answers in one turn
// were up to 40 ms of CPU), every one of them; and a run the supervisor has just spawned is first
// asked OPERATOR_FIRST_ASK_MS after its start (at once, it was refused: not listening yet).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OPERATOR_ASKS_PER_TURN, OPERATOR_FIRST_ASK_MS, Supervisor } from "../../../src/core/supervisor/supervisor.js";
import { readProcStartTime } from "../../../src/core/supervisor/proc-stat.js";
import type { OperatorStatus } from "../../../src/protocol/model.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { waitFor } from "../../helpers/wait-for.js";
import { killTrackedGroups, trackGroup } from "../../helpers/processes.js";
import { cleanupTempDirs } from "../../helpers/temp-dir.js";

afterEach(() => cleanupTempDirs());

/** A rig of 3 × OPERATOR_ASKS_PER_TURN + 1 services, all adopted and due at once: the "services" are this test process (its pid and start time in the state file). */
function adoptedRig() {
  const n = 3 * OPERATOR_ASKS_PER_TURN + 1;
  const rig = makeRig({ services: n, defaults: { autostart: false } });
  mkdirSync(rig.stateDir, { recursive: true });
  const startTime = readProcStartTime(process.pid);
  const services = Object.fromEntries(
    rig.config.services.map((s, i) => [s.name, { pid: process.pid, startTime, startedAt: Date.now() - 3_600_000, argv: [], restarts: 0, operatorAddress: `127.0.0.1:${1000 + i}`, wanted: true }]),
  );
  writeFileSync(path.join(rig.stateDir, "state.json"), JSON.stringify({ version: 1, savedAt: Date.now(), services }));
  return { n, rig };
}

describe("operator /status asks due together", () => {
  it(`leave ${OPERATOR_ASKS_PER_TURN} per turn at most, all of them`, async () => {
    const { n, rig } = adoptedRig();
    // a turn: the check phase of the event loop comes round again (this chain runs once in each)
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    tick();
    const asked: { address: string; turn: number }[] = [];
    const fetchStatus = async (address: string): Promise<OperatorStatus> => {
      asked.push({ address, turn });
      return { kind: "idle" };
    };
    const sup = new Supervisor({ config: rig.config, fetchStatus });
    try {
      await sup.init(); // every adopted service is due at once
      await waitFor(() => asked.length >= n, { what: "every service asked" });
    } finally {
      ticking = false;
      await sup.shutdown({ stopServices: false }); // the "services" are this process
    }
    expect(new Set(asked.map((a) => a.address)).size).toBe(n);
    const perTurn = new Map<number, number>();
    for (const a of asked) perTurn.set(a.turn, (perTurn.get(a.turn) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(OPERATOR_ASKS_PER_TURN); // was all 25 in one turn
  });

  it("a timer that comes due while asks wait for the next turn leaves them to it (no second batch in the turn)", async () => {
    const { n, rig } = adoptedRig();
    const asked: string[] = [];
    const sup = new Supervisor({ config: rig.config, fetchStatus: async (address) => (asked.push(address), { kind: "idle" }) });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      await sup.init(); // its last step asks the first batch; the rest wait for the next turn (setImmediate, real)
      expect(asked).toHaveLength(OPERATOR_ASKS_PER_TURN);
      // on a loaded machine the operator timer can come due before that turn: here, in the same stretch
      vi.advanceTimersByTime(60_000);
      expect(asked).toHaveLength(OPERATOR_ASKS_PER_TURN); // was 2 × OPERATOR_ASKS_PER_TURN in one turn
      vi.useRealTimers();
      await waitFor(() => asked.length >= n, { what: "every service asked" });
      expect(new Set(asked).size).toBe(n);
    } finally {
      vi.useRealTimers();
      await sup.shutdown({ stopServices: false }); // the "services" are this process
    }
  });
});

describe("the first /status of a run the supervisor spawned", () => {
  it(`is asked ${OPERATOR_FIRST_ASK_MS} ms after its start, not at once (it does not listen yet)`, async () => {
    const rig = makeRig({ services: 2 });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const t0 = Date.now();
    const asked: number[] = [];
    const sup = new Supervisor({ config: rig.config, now: () => Date.now(), fetchStatus: async () => (asked.push(Date.now() - t0), { kind: "idle" }) });
    sup.on("service", (v) => trackGroup(v.pid));
    try {
      await sup.init(); // both spawned at t0 (the fake clock stands still meanwhile)
      expect(sup.views().map((v) => v.state)).toEqual(["running", "running"]);
      await vi.advanceTimersByTimeAsync(OPERATOR_FIRST_ASK_MS - 1);
      expect(asked).toEqual([]); // was both at once, refused
      await vi.advanceTimersByTimeAsync(1);
      expect(asked).toEqual([OPERATOR_FIRST_ASK_MS, OPERATOR_FIRST_ASK_MS]);
    } finally {
      await sup.shutdown({ stopServices: true });
      vi.useRealTimers();
      killTrackedGroups();
    }
  });
});
