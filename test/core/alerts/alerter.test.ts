// The alert driver with fake timers and a fake sink: retries with backoff, sink health, the queue
// persisted across a restart, a bounded queue, repeats and the start grace.
import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AlertsSchema, type AlertsConfig, type AlertSinkConfig } from "../../../src/config/schema.js";
import { Alerter, MAX_QUEUE_PER_SINK } from "../../../src/core/alerts/alerter.js";
import type { Alert } from "../../../src/core/alerts/decide.js";
import type { DeliveryResult } from "../../../src/core/alerts/sinks.js";
import type { Finding } from "../../../src/protocol/model.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

const T0 = Date.UTC(2026, 0, 5, 12, 0);
const f = (id: string, severity: Finding["severity"] = "error", subject: string | null = "s1"): Finding => ({ id, severity, subject, title: id, detail: "d", fix: "x" });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

function setup(cfg: Partial<AlertsConfig> = {}, file = path.join(tempDir("pd-alerter-"), "alerts.json")) {
  const config = AlertsSchema.parse({ sinks: [{ name: "pager", command: ["notify"], minSeverity: "warning" }], delayS: 0, ...cfg });
  const sent: { sink: string; alert: Alert }[] = [];
  let result: DeliveryResult = { ok: true };
  const a = new Alerter({
    stateFile: file,
    config: () => config,
    rig: () => "rig1",
    deliver: async (s: AlertSinkConfig, alert: Alert) => {
      sent.push({ sink: s.name, alert });
      return result;
    },
  });
  return { a, sent, file, setResult: (r: DeliveryResult) => (result = r) };
}

/** Lets the fake deliveries (promises) and their follow-ups run. */
async function flush() {
  for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(0);
}

describe("Alerter", () => {
  it("retries a failing sink with backoff, reports its health, and clears it once delivered", async () => {
    const { a, sent, setResult } = setup();
    const health: unknown[] = [];
    a.on("health", (h) => health.push(h));
    setResult({ ok: false, error: "HTTP 500" });
    await a.start();
    a.update([f("service-not-running")]);
    await flush();
    expect(sent).toHaveLength(1);
    expect(a.sinkHealth()).toMatchObject([{ name: "pager", failures: 1, lastError: "HTTP 500", queued: 1 }]);
    await vi.advanceTimersByTimeAsync(4999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(sent).toHaveLength(2); // after 5 s
    await vi.advanceTimersByTimeAsync(9999);
    expect(sent).toHaveLength(2);
    setResult({ ok: true });
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(sent).toHaveLength(3); // after 10 more s
    expect(a.sinkHealth()).toEqual([]);
    expect(a.pending()).toEqual([]);
    expect(health.at(-1)).toEqual([]);
    await a.stop();
  });

  it("keeps undelivered alerts and the open findings across a restart (nothing lost, nothing repeated)", async () => {
    const first = setup();
    first.setResult({ ok: false, error: "down" });
    await first.a.start();
    first.a.update([f("service-not-running")]);
    await flush();
    await first.a.stop();
    expect(existsSync(first.file)).toBe(true);

    const second = setup({}, first.file);
    await second.a.start(); // retries what was queued at once
    await flush();
    expect(second.sent.map((s) => s.alert.event)).toEqual(["appeared"]);
    second.a.update([f("service-not-running")]); // still open: no second "appeared"
    await flush();
    expect(second.sent).toHaveLength(1);
    second.a.update([]); // within the start grace: not yet "resolved"
    await flush();
    expect(second.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(second.sent.map((s) => s.alert.event)).toEqual(["appeared", "resolved"]);
    await second.a.stop();
  });

  it("repeats while open on the tick; bounds each sink's queue", async () => {
    const { a, sent, setResult } = setup({ repeatMinutes: 1 });
    await a.start();
    a.update([f("x")]);
    await flush();
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(sent.map((s) => s.alert.event)).toEqual(["appeared", "repeat"]);
    setResult({ ok: false, error: "down" });
    a.update(Array.from({ length: MAX_QUEUE_PER_SINK + 20 }, (_, i) => f(`y${i}`)));
    await flush();
    expect(a.pending().length).toBe(MAX_QUEUE_PER_SINK);
    await vi.advanceTimersByTimeAsync(5000);
    await flush();
    expect(a.sinkHealth()[0]!.dropped).toBeGreaterThan(0);
    await a.stop();
  });

  it("sends a sink only what reaches its minimum severity, and not its own failure", async () => {
    const { a, sent } = setup({ sinks: [{ name: "errors-only", command: ["n"], minSeverity: "error", timeoutS: 10 }, { name: "all", command: ["n"], minSeverity: "info", timeoutS: 10 }] });
    await a.start();
    a.update([f("w", "warning"), f("alert-sink-failing", "warning", "alerts:all")]);
    await flush();
    expect(sent.map((s) => `${s.sink}:${s.alert.finding.id}`)).toEqual(["all:w"]);
    await a.stop();
  });
});
