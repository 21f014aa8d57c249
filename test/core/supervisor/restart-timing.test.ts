// When a crashed service comes back: at once after a stable run, then with the ×1.5 backoff while it
// keeps crashing (ManagedProcess with a fake spawner and fake timers).
import { EventEmitter } from "node:events";
import type { ChildProcess } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ManagedProcess } from "../../../src/core/supervisor/managed-process.js";
import { RestartSchema } from "../../../src/config/schema.js";
import { decideAfterExit, restartDelayMs } from "../../../src/core/supervisor/restart-policy.js";
import type { Spawner } from "../../../src/core/supervisor/spawn-detached.js";

const cfg = RestartSchema.parse({ initialDelayMs: 500, maxDelayMs: 15_000, maxRestarts: 10, resetAfterS: 30 });
const noJitter = () => 0.5;

class FakeChild extends EventEmitter {
  constructor(readonly pid: number) {
    super();
  }
  crash(code = 1): void {
    this.emit("exit", code, null);
  }
}

function rig() {
  const children: FakeChild[] = [];
  let pid = 4_000_000; // above pid_max: never a live process
  const spawner: Spawner = async () => {
    const c = new FakeChild(pid++);
    children.push(c);
    return c as unknown as ChildProcess;
  };
  const p = new ManagedProcess({
    name: "svc",
    logFile: "/nonexistent/svc.log",
    restart: cfg,
    stopGraceS: 1,
    spawner,
    now: () => Date.now(),
    random: noJitter,
    reasonTailLines: 0,
    prepare: async () => ({ ok: true, spec: { command: "/bin/true", args: [], env: {} } }),
  });
  return { p, children };
}

/** Lets the launch's promises settle (fake timers do not run microtasks by themselves). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe("restart timing", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("restarts the first crash after a stable run at once, without waiting for a backoff", async () => {
    const { p, children } = rig();
    await p.start();
    expect(children).toHaveLength(1);
    vi.advanceTimersByTime(60_000); // a stable run
    children[0]!.crash();
    expect(p.state).toBe("backoff");
    expect(p.nextRestartAt).toBe(Date.now());
    await vi.advanceTimersByTimeAsync(0);
    await settle();
    expect(children).toHaveLength(2);
    expect(p.state).toBe("running");
    expect(p.restarts).toBe(1);
  });

  it("backs off from the second crash in a row: 750 ms, then 1125 ms, as a crash loop did before", async () => {
    const { p, children } = rig();
    await p.start();
    children[0]!.crash(); // first crash: at once
    await vi.advanceTimersByTimeAsync(0);
    await settle();
    expect(children).toHaveLength(2);

    children[1]!.crash(); // second in a row: waits
    await vi.advanceTimersByTimeAsync(749);
    await settle();
    expect(children).toHaveLength(2);
    expect(p.state).toBe("backoff");
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(children).toHaveLength(3);

    children[2]!.crash(); // third: longer still
    await vi.advanceTimersByTimeAsync(1124);
    await settle();
    expect(children).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(children).toHaveLength(4);
  });

  it("a crash loop still gives up after maxRestarts, and never waits less than before once it loops", () => {
    const crash = { code: 1, signal: null, stopRequested: false, uptimeMs: 10 };
    expect(restartDelayMs(0, cfg, noJitter)).toBe(0);
    // from the second restart on: ≥ initialDelayMs, growing ×1.5 to the cap
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => restartDelayMs(n, cfg, noJitter));
    expect(delays[0]).toBe(750);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(Math.min(...[1, 2, 3].map((n) => restartDelayMs(n, cfg, () => 0)))).toBeGreaterThanOrEqual(cfg.initialDelayMs);
    expect(decideAfterExit({ ...crash, consecutive: 10 }, cfg, noJitter).action).toBe("fail");
    // a stable run resets the count: the next crash is restarted at once again
    expect(decideAfterExit({ ...crash, uptimeMs: 31_000, consecutive: 9 }, cfg, noJitter)).toEqual({ action: "restart", delayMs: 0, consecutive: 1 });
  });
});
