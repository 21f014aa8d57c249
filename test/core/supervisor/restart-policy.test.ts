import { describe, expect, it } from "vitest";
import { backoffDelayMs, decideAfterExit } from "../../../src/core/supervisor/restart-policy.js";
import { RestartSchema } from "../../../src/config/schema.js";

const cfg = RestartSchema.parse({ initialDelayMs: 1000, maxDelayMs: 5000, maxRestarts: 3, resetAfterS: 30 });
const noJitter = () => 0.5;

describe("restart policy", () => {
  it("backs off x1.5 per restart, capped at maxDelayMs", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, cfg, noJitter))).toEqual([1000, 1500, 2250, 3375, 5000, 5000]);
  });
  it("jitters by at most 10 %", () => {
    expect(backoffDelayMs(0, cfg, () => 0)).toBe(900);
    expect(backoffDelayMs(0, cfg, () => 0.999999)).toBe(1100);
    expect(backoffDelayMs(10, cfg, () => 0.999999)).toBe(5000);
  });
  it("counts consecutive restarts and resets after a stable uptime", () => {
    const crash = { code: 1, signal: null, stopRequested: false };
    const a = decideAfterExit({ ...crash, uptimeMs: 100, consecutive: 2 }, cfg, noJitter);
    expect(a).toEqual({ action: "restart", delayMs: 2250, consecutive: 3 });
    const b = decideAfterExit({ ...crash, uptimeMs: 31_000, consecutive: 2 }, cfg, noJitter);
    expect(b).toEqual({ action: "restart", delayMs: 0, consecutive: 1 }); // first restart after a stable run: at once
  });
  it("gives up after maxRestarts with the exit code in the reason", () => {
    const d = decideAfterExit({ code: 7, signal: null, stopRequested: false, uptimeMs: 10, consecutive: 3 }, cfg, noJitter);
    expect(d.action).toBe("fail");
    expect(d.action === "fail" && d.reason).toContain("exit code 7");
  });
  it("follows the policy for clean exits and stop requests", () => {
    const clean = { code: 0, signal: null, uptimeMs: 10, consecutive: 0 };
    expect(decideAfterExit({ ...clean, stopRequested: false }, cfg).action).toBe("stop");
    expect(decideAfterExit({ ...clean, stopRequested: false }, { ...cfg, policy: "always" }, noJitter).action).toBe("restart");
    expect(decideAfterExit({ ...clean, code: 2, stopRequested: false }, { ...cfg, policy: "never" }).action).toBe("fail");
    expect(decideAfterExit({ ...clean, code: 2, stopRequested: true }, cfg).action).toBe("stop");
  });
});
