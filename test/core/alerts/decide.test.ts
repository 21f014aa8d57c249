// The alert decisions, driven through time with explicit clocks (no timers involved).
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/protocol/model.js";
import { decide, emptyDecideState, inQuietHours, retryDelayMs, type DecideOptions, type DecideState } from "../../../src/core/alerts/decide.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12, 0); // a Monday, 12:00 UTC

function finding(id: string, severity: Finding["severity"], subject: string | null = "s1"): Finding {
  return { id, severity, subject, title: `${id} title`, detail: "evidence", fix: "do this" };
}

/** Runs decide step by step, keeping the state; returns the events of each step. */
function driver(o: Partial<DecideOptions> = {}) {
  let state: DecideState = emptyDecideState();
  return (now: number, findings: Finding[], extra: Partial<DecideOptions> = {}) => {
    const r = decide(state, findings, { now, rig: "rig1", quiet: false, repeatMs: 60 * MIN, delayMs: 30_000, canResolve: true, ...o, ...extra });
    state = r.state;
    return r.alerts.map((a) => `${a.event}:${a.severity}:${a.key}`);
  };
}

describe("decide", () => {
  it("appears once it has lasted the delay, once per id + subject; resolves when gone", () => {
    const step = driver();
    const f = finding("service-not-running", "error");
    expect(step(T0, [f, f])).toEqual([]);
    expect(step(T0 + 10_000, [f])).toEqual([]);
    expect(step(T0 + 30_000, [f, f])).toEqual(["appeared:error:service-not-running|s1"]);
    expect(step(T0 + 40_000, [f])).toEqual([]);
    expect(step(T0 + 50_000, [])).toEqual(["resolved:error:service-not-running|s1"]);
    expect(step(T0 + 60_000, [])).toEqual([]);
  });

  it("the same finding for another subject is another alert", () => {
    const step = driver({ delayMs: 0 });
    expect(step(T0, [finding("x", "warning", "s1"), finding("x", "warning", "s2")])).toEqual(["appeared:warning:x|s1", "appeared:warning:x|s2"]);
  });

  it("a blip shorter than the delay is never sent, and never resolved", () => {
    const step = driver();
    expect(step(T0, [finding("x", "error")])).toEqual([]);
    expect(step(T0 + 5000, [])).toEqual([]);
  });

  it("escalates warning → error, eases silently, escalates again", () => {
    const step = driver({ delayMs: 0 });
    expect(step(T0, [finding("x", "warning")])).toEqual(["appeared:warning:x|s1"]);
    expect(step(T0 + MIN, [finding("x", "error")])).toEqual(["escalated:error:x|s1"]);
    expect(step(T0 + 2 * MIN, [finding("x", "warning")])).toEqual([]);
    expect(step(T0 + 3 * MIN, [finding("x", "error")])).toEqual(["escalated:error:x|s1"]);
  });

  it("repeats every repeatMs while open; never with 0", () => {
    const step = driver({ delayMs: 0 });
    const f = finding("x", "error");
    step(T0, [f]);
    expect(step(T0 + 59 * MIN, [f])).toEqual([]);
    expect(step(T0 + 60 * MIN, [f])).toEqual(["repeat:error:x|s1"]);
    expect(step(T0 + 100 * MIN, [f])).toEqual([]);
    expect(step(T0 + 120 * MIN, [f])).toEqual(["repeat:error:x|s1"]);
    const never = driver({ delayMs: 0, repeatMs: 0 });
    never(T0, [f]);
    expect(never(T0 + 1000 * MIN, [f])).toEqual([]);
  });

  it("quiet hours hold warnings (and their resolution) until they end; errors always go", () => {
    const step = driver({ delayMs: 0 });
    const w = finding("w", "warning");
    const e = finding("e", "error");
    expect(step(T0, [w, e], { quiet: true })).toEqual(["appeared:error:e|s1"]);
    expect(step(T0 + MIN, [w, e], { quiet: false })).toEqual(["appeared:warning:w|s1"]);
    expect(step(T0 + 2 * MIN, [], { quiet: true })).toEqual(["resolved:error:e|s1"]);
    expect(step(T0 + 3 * MIN, [], { quiet: true })).toEqual([]);
    expect(step(T0 + 4 * MIN, [], { quiet: false })).toEqual(["resolved:warning:w|s1"]);
  });

  it("a warning that comes back before its held resolution was sent is the same open problem", () => {
    const step = driver({ delayMs: 0 });
    const w = finding("w", "warning");
    step(T0, [w]);
    expect(step(T0 + MIN, [], { quiet: true })).toEqual([]);
    expect(step(T0 + 2 * MIN, [w], { quiet: true })).toEqual([]);
    expect(step(T0 + 3 * MIN, [w], { quiet: false })).toEqual([]);
  });

  it("right after a daemon start nothing reads as resolved", () => {
    const step = driver({ delayMs: 0 });
    step(T0, [finding("x", "error")]);
    expect(step(T0 + 1000, [], { canResolve: false })).toEqual([]);
    expect(step(T0 + 2000, [finding("x", "error")], { canResolve: true })).toEqual([]);
    expect(step(T0 + 3000, [], { canResolve: true })).toEqual(["resolved:error:x|s1"]);
  });

  it("alert texts: one line with rig, severity, subject, title and fix", () => {
    const r = decide(emptyDecideState(), [finding("x", "error")], { now: T0, rig: "rig1", quiet: false, repeatMs: 0, delayMs: 0, canResolve: true });
    expect(r.alerts[0]!.text).toBe("✗ [rig1] ERROR: s1: x title — fix: do this");
  });
});

describe("quiet hours and retry delays", () => {
  it("wraps past midnight, in the given time zone", () => {
    const q = { from: "22:00", to: "07:00", timeZone: "UTC" };
    expect(inQuietHours(Date.UTC(2026, 0, 5, 23, 30), q)).toBe(true);
    expect(inQuietHours(Date.UTC(2026, 0, 5, 6, 59), q)).toBe(true);
    expect(inQuietHours(Date.UTC(2026, 0, 5, 7, 0), q)).toBe(false);
    expect(inQuietHours(Date.UTC(2026, 0, 5, 12, 0), q)).toBe(false);
    expect(inQuietHours(Date.UTC(2026, 0, 5, 12, 0), { from: "12:00", to: "13:00", timeZone: "UTC" })).toBe(true);
    expect(inQuietHours(Date.UTC(2026, 0, 5, 12, 0), { from: "13:00", to: "14:00", timeZone: "Europe/Berlin" })).toBe(true);
    expect(inQuietHours(Date.UTC(2026, 0, 5, 12, 0), undefined)).toBe(false);
    // an unknown zone falls back to the system's instead of stopping the alerts
    expect(() => inQuietHours(Date.UTC(2026, 0, 5, 12, 0), { from: "22:00", to: "07:00", timeZone: "Mars/Olympus_Mons" })).not.toThrow();
  });
  it("retries back off from 5 s, doubling, capped at 10 min", () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(30)).toBe(600_000);
  });
});
