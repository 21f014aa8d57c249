// The supervisor's ticks at rest (issue 17): adopted processes (not its children: no exit event)
// are checked every adoptPoll ms only while it has some (a rig of its own children, or of none, has
// no timer waking the daemon every second to look at nothing; an adopted process's exit is still
// seen); the operator tick with no service to ask does not ask the node side for the pace.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Supervisor } from "../../../src/core/supervisor/supervisor.js";
import type { OperatorPace } from "../../../src/core/supervisor/operator-status.js";
import { readProcStartTime } from "../../../src/core/supervisor/proc-stat.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../../helpers/temp-dir.js";

const ADOPT_POLL = 737; // an interval no other timer of the supervisor uses

let sleeper: ChildProcess | null = null;
afterEach(() => {
  vi.restoreAllMocks();
  sleeper?.kill("SIGKILL");
  sleeper = null;
  cleanupTempDirs();
});

/** A rig whose one service is not started by itself (autostart off, never restarted). */
function quietRig() {
  const rig = makeRig({ defaults: { autostart: false, restart: { policy: "never" } } });
  mkdirSync(rig.stateDir, { recursive: true });
  return rig;
}

describe("adopted-process check", () => {
  it("runs while an adopted process runs, stops at its exit (seen), and is not set up without one", async () => {
    const setSpy = vi.spyOn(globalThis, "setInterval");
    const clearSpy = vi.spyOn(globalThis, "clearInterval");
    const adoptTimers = () => setSpy.mock.calls.map((c, i) => ({ ms: c[1], timer: setSpy.mock.results[i]!.value as NodeJS.Timeout })).filter((x) => x.ms === ADOPT_POLL);

    // nothing adopted: no timer
    const none = quietRig();
    const idle = new Supervisor({ config: none.config, intervals: { adoptPoll: ADOPT_POLL }, fetchStatus: async () => ({ kind: "idle" }) });
    try {
      await idle.init();
      expect(adoptTimers()).toEqual([]);
    } finally {
      await idle.shutdown({ stopServices: false });
    }

    // a process adopted from the state file: checked until it exits, then no timer
    const rig = quietRig();
    sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
    const pid = sleeper.pid!;
    const rec = { pid, startTime: readProcStartTime(pid), startedAt: Date.now(), argv: [], restarts: 0, operatorAddress: "127.0.0.1:1", wanted: true };
    writeFileSync(path.join(rig.stateDir, "state.json"), JSON.stringify({ version: 1, savedAt: Date.now(), services: { svc0: rec } }));
    const sup = new Supervisor({ config: rig.config, intervals: { adoptPoll: ADOPT_POLL }, fetchStatus: async () => ({ kind: "idle" }) });
    try {
      const { adopted } = await sup.init();
      expect(adopted).toEqual(["svc0"]);
      expect(adoptTimers().length).toBe(1);
      sleeper.kill("SIGTERM");
      await vi.waitFor(() => expect(sup.view("svc0")!.state).not.toBe("running"), { timeout: 10_000, interval: 50 });
      expect(sup.view("svc0")!.lastExit).not.toBeNull(); // its exit was seen by the check
      expect(clearSpy.mock.calls.some((c) => c[0] === adoptTimers()[0]!.timer)).toBe(true);
      expect(adoptTimers().length).toBe(1); // not set up again
    } finally {
      await sup.shutdown({ stopServices: false });
    }
  });
});

describe("operator tick", () => {
  it("with no running service to ask, takes no pace from the node side (the idle-quiet test: with one, it does)", async () => {
    const rig = quietRig();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    let paced = 0;
    const asked: string[] = [];
    const sup = new Supervisor({ config: rig.config, fetchStatus: async (addr) => (asked.push(addr), { kind: "idle" }), now: () => Date.now() });
    sup.setOperatorUrgency((): OperatorPace => (paced++, { urgent: new Set(), resting: new Set() }));
    try {
      await sup.init();
      await vi.advanceTimersByTimeAsync(20_000);
      expect(paced).toBe(0); // ten ticks, no service running: nothing computed (was once per tick)
      expect(asked).toEqual([]);
    } finally {
      await sup.shutdown({ stopServices: false });
      vi.useRealTimers();
    }
  });
});
