// An idle rig costs the daemon nothing it does not need (issue 17): a post-service whose identity
// the node reports IDLE with the gap closed is asked for its /status every restMs (10 min), not
// every minute; at once fast again when the node says PROVING; every slowMs while the node's word is
// unknown. And a CPU/RSS sample a snapshot asks for, with no client watching, emits no "service" event (it only updates the views).
// The adopted "service" is this test process itself (its pid and start time in the state file).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Supervisor, type ProcessSampler } from "../../../src/core/supervisor/supervisor.js";
import { readProcStartTime } from "../../../src/core/supervisor/proc-stat.js";
import { OPERATOR_POLL, operatorPace, operatorPollDue, type OperatorPace } from "../../../src/core/supervisor/operator-status.js";
import { MAINNET_TIMING, gapOf } from "../../../src/clock/epoch-clock.js";
import type { OperatorStatus } from "../../../src/protocol/model.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

/** A rig whose one service is adopted: this process, with an operator address. */
function adoptedRig() {
  const rig = makeRig();
  mkdirSync(rig.stateDir, { recursive: true });
  const rec = { pid: process.pid, startTime: readProcStartTime(process.pid), startedAt: Date.now() - 3_600_000, argv: [], restarts: 0, operatorAddress: "127.0.0.1:1", wanted: true };
  writeFileSync(path.join(rig.stateDir, "state.json"), JSON.stringify({ version: 1, savedAt: Date.now(), services: { svc0: rec } }));
  return rig;
}

describe("operator /status at rest", () => {
  it("is asked every restMs while the node says IDLE and the gap is closed, every 2 s once it says PROVING", async () => {
    const rig = adoptedRig();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
    const t0 = Date.now();
    const asked: number[] = [];
    const fetchStatus = async (): Promise<OperatorStatus> => {
      asked.push(Date.now() - t0);
      return { kind: "idle" };
    };
    let pace: OperatorPace = { urgent: new Set(), resting: new Set(["svc0"]) };
    let looks = 0; // how often the supervisor looked at which services are due
    const sup = new Supervisor({ config: rig.config, fetchStatus, now: () => Date.now() });
    sup.setOperatorUrgency(() => {
      looks++;
      return pace;
    });
    try {
      await sup.init();
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(asked).toEqual([0]); // the first answer (Idle), then nothing for 5 minutes (was one a minute)
      // …and nothing woke it to look in between (was a look every 2 s: 150 in 5 minutes)
      expect(looks).toBeLessThanOrEqual(2);
      await vi.advanceTimersByTimeAsync(OPERATOR_POLL.restMs - 5 * 60_000 + 1000);
      expect(asked).toEqual([0, OPERATOR_POLL.restMs]); // the rest poll: the API still answers
      // the node says PROVING for it: the node side says so (operatorPaceChanged), it is asked at once, then every fastMs
      pace = { urgent: new Set(["svc0"]), resting: new Set() };
      sup.operatorPaceChanged();
      const t1 = Date.now() - t0;
      asked.length = 0;
      await vi.advanceTimersByTimeAsync(6000);
      expect(asked).toEqual([t1, t1 + 2000, t1 + 4000, t1 + 6000]);
      pace = { urgent: new Set(), resting: new Set() }; // the node's word unknown (unreachable): slowly
      sup.operatorPaceChanged();
      asked.length = 0;
      await vi.advanceTimersByTimeAsync(2 * OPERATOR_POLL.slowMs);
      expect(asked.length).toBe(2);
    } finally {
      await sup.shutdown({ stopServices: false });
    }
  });

  it("is looked at again when the gap opens by the clock alone (the pace's until), with no word from the node", async () => {
    const rig = adoptedRig();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
    const t0 = Date.now();
    const opensAt = t0 + 5 * 60_000;
    const asked: number[] = [];
    const sup = new Supervisor({ config: rig.config, fetchStatus: async () => (asked.push(Date.now() - t0), { kind: "idle" }), now: () => Date.now() });
    sup.setOperatorUrgency(() => (Date.now() < opensAt ? { urgent: new Set(), resting: new Set(["svc0"]), until: opensAt } : { urgent: "all", resting: new Set() }));
    try {
      await sup.init();
      await vi.advanceTimersByTimeAsync(5 * 60_000 + 4000);
      expect(asked).toEqual([0, 5 * 60_000, 5 * 60_000 + 2000, 5 * 60_000 + 4000]);
    } finally {
      await sup.shutdown({ stopServices: false });
    }
  });

  it("counts a service at rest only with the node's IDLE for its identity, the gap closed and a clock known", () => {
    const identities = [
      { service: "a", postState: "PROVING" as const },
      { service: "b", postState: "IDLE" as const },
      { service: "c", postState: null },
      { service: null, postState: "IDLE" as const },
    ];
    const gap = gapOf(MAINNET_TIMING, 60);
    expect(operatorPace({ identities, clock: MAINNET_TIMING, now: gap.opensAt - 60_000 })).toEqual({ urgent: new Set(["a"]), resting: new Set(["b"]), until: gap.opensAt });
    expect(operatorPace({ identities, clock: MAINNET_TIMING, now: gap.opensAt + 60_000 })).toEqual({ urgent: "all", resting: new Set(), until: gap.closesAt });
    expect(operatorPace({ identities, clock: null, now: gap.opensAt - 60_000 }).resting).toEqual(new Set()); // gap unknown: not at rest
    // only an Idle answer rests; DoneProving or an unreachable API is asked every slowMs
    const t0 = 1_000_000;
    const due = (status: OperatorStatus, agoMs: number) => operatorPollDue({ now: t0, polledAt: t0 - agoMs, startedAt: t0 - 3_600_000, status, urgent: false, resting: true });
    expect(due({ kind: "idle" }, OPERATOR_POLL.slowMs)).toBe(false);
    expect(due({ kind: "idle" }, OPERATOR_POLL.restMs)).toBe(true);
    expect(due({ kind: "done" }, OPERATOR_POLL.slowMs)).toBe(true);
    expect(due({ kind: "unreachable", error: "x" }, OPERATOR_POLL.slowMs)).toBe(true);
  });
});

describe("CPU/RSS nobody watches", () => {
  it("updates the views without a 'service' event; a watching client's samples emit", async () => {
    const rig = adoptedRig();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    let n = 0;
    let sampleValue: number | null = null;
    const sampler: ProcessSampler = async (pids) => new Map(pids.map((p) => [p, { cpuPercent: sampleValue ?? ++n * 10, rssBytes: 6 << 22 }]));
    const sup = new Supervisor({ config: rig.config, processSampler: sampler, fetchStatus: async () => ({ kind: "idle" }), now: () => Date.now() });
    const events: (number | null)[] = [];
    sup.on("service", (v) => events.push(v.cpuPercent));
    try {
      await sup.init();
      events.length = 0;
      await vi.advanceTimersByTimeAsync(62_000);
      expect(n).toBe(0); // nobody watches: not sampled
      await sup.freshUsage(5000); // a snapshot asks
      expect(events).toEqual([]); // …and nobody told
      expect(sup.view("svc0")!.cpuPercent).toBe(10); // the snapshot shows it
      const unwatch = sup.watchUsage();
      await vi.advanceTimersByTimeAsync(2000);
      expect(events).toEqual([20, 30]); // at once, then every 2 s, each a change
      unwatch();
      await vi.advanceTimersByTimeAsync(30_000);
      expect(events).toEqual([20, 30]);
      await sup.freshUsage(5000);
      expect(sup.view("svc0")!.cpuPercent).toBe(40);
      // a client's next sample is compared with what it was last sent (30), not the unwatched 40
      sampleValue = 40.2;
      sup.watchUsage()();
      await vi.advanceTimersByTimeAsync(0);
      expect(events).toEqual([20, 30, 40.2]);
    } finally {
      await sup.shutdown({ stopServices: false });
    }
  });
});
