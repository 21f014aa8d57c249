// A /status answer belongs to the run it was asked of: a service restarted (a new pid) while its
// ask was in flight does not take the old run's answer, or refusal, as its own; the new run is
// asked on its own account.
import { afterEach, describe, expect, it, vi } from "vitest";
import { OPERATOR_FIRST_ASK_MS, Supervisor } from "../../../src/core/supervisor/supervisor.js";
import type { OperatorStatus } from "../../../src/protocol/model.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { killTrackedGroups, trackGroup } from "../../helpers/processes.js";
import { cleanupTempDirs } from "../../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  killTrackedGroups();
  cleanupTempDirs();
});

const PROVING: OperatorStatus = { kind: "proving", nonces: { start: 0, end: 128 }, position: 10, pass: 1, percent: 1 };

describe("a /status answer that comes after a restart", () => {
  it.each<[string, OperatorStatus]>([
    ["an answer", PROVING],
    ["a refusal", { kind: "unreachable", error: "connect ECONNREFUSED" }],
  ])("is dropped: %s of the old run is not the new run's", async (_what, late) => {
    const rig = makeRig();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const asked: number[] = []; // the pid running when each ask left
    let answerFirst: (s: OperatorStatus) => void = () => {};
    const sup = new Supervisor({
      config: rig.config,
      now: () => Date.now(),
      fetchStatus: () => {
        asked.push(sup.view("svc0")!.pid!);
        return asked.length === 1 ? new Promise<OperatorStatus>((resolve) => (answerFirst = resolve)) : Promise.resolve({ kind: "idle" });
      },
    });
    sup.on("service", (v) => trackGroup(v.pid));
    try {
      await sup.init();
      await vi.advanceTimersByTimeAsync(OPERATOR_FIRST_ASK_MS);
      const oldPid = sup.view("svc0")!.pid!;
      expect(asked).toEqual([oldPid]); // the old run's ask, in flight
      await vi.advanceTimersByTimeAsync(500);
      expect((await sup.restart("svc0")).ok).toBe(true);
      const newPid = sup.view("svc0")!.pid!;
      expect(newPid).not.toBe(oldPid);
      answerFirst(late); // the old run's answer arrives now
      await vi.advanceTimersByTimeAsync(0);
      expect(sup.view("svc0")!.operator).toEqual({ kind: "none" }); // was the old run's answer
      await vi.advanceTimersByTimeAsync(OPERATOR_FIRST_ASK_MS);
      expect(asked).toEqual([oldPid, newPid]); // the new run asked for itself
      expect(sup.view("svc0")!.operator).toEqual({ kind: "idle" });
    } finally {
      await sup.shutdown({ stopServices: true });
    }
  });
});
