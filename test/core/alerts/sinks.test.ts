// Alert delivery to a local HTTP receiver (127.0.0.1) and to a command: bodies, templates, errors,
// and sinks that hang or fail without holding up the others.
import http from "node:http";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AlertSinkSchema, type AlertSinkConfig } from "../../../src/config/schema.js";
import { deliver, describeSink, webhookBody } from "../../../src/core/alerts/sinks.js";
import { Alerter, sendTestAlerts, testAlert } from "../../../src/core/alerts/alerter.js";
import type { Alert } from "../../../src/core/alerts/decide.js";
import type { Finding } from "../../../src/protocol/model.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { waitFor } from "../../helpers/wait-for.js";

type Received = { path: string; headers: http.IncomingHttpHeaders; body: string };
let server: http.Server;
let base = "";
const received: Received[] = [];
const hanging: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      if (req.url?.startsWith("/hang")) return void hanging.push(res);
      if (req.url?.startsWith("/fail")) {
        res.statusCode = 500;
        return void res.end("internal trouble");
      }
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  received.length = 0;
  cleanupTempDirs();
});

const sink = (raw: Record<string, unknown>): AlertSinkConfig => AlertSinkSchema.parse(raw);
const finding: Finding = { id: "service-not-running", severity: "error", subject: "s1", title: 'post-service s1 failed "hard"', detail: "d", fix: "postdeck start s1" };
const alert: Alert = { key: "service-not-running|s1", event: "appeared", at: Date.UTC(2026, 0, 5), rig: "rig1", severity: "error", previousSeverity: null, finding, text: "✗ [rig1] ERROR: s1: failed" };

describe("webhook sinks", () => {
  it("POSTs the alert JSON without a template", async () => {
    expect(await deliver(sink({ name: "raw", webhook: `${base}/hook` }), alert)).toEqual({ ok: true });
    const got = JSON.parse(received[0]!.body);
    expect(got).toMatchObject({ type: "postdeck-alert", event: "appeared", rig: "rig1", severity: "error", finding });
    expect(received[0]!.headers["content-type"]).toBe("application/json");
  });

  it("fills a JSON template (Discord/Slack/Telegram style) with values escaped as JSON", async () => {
    await deliver(sink({ name: "discord", webhook: `${base}/d`, template: { content: "{{text}} ({{title}})", username: "postdeck {{rig}}" } }), alert);
    expect(JSON.parse(received[0]!.body)).toEqual({ content: '✗ [rig1] ERROR: s1: failed (post-service s1 failed "hard")', username: "postdeck rig1" });
  });

  it("a string template is sent as text; headers get placeholders too (ntfy)", async () => {
    await deliver(sink({ name: "ntfy", webhook: `${base}/topic`, template: "{{text}}", headers: { Title: "postdeck {{rig}}: {{severity}}", Priority: "{{priority}}", Tags: "{{tag}}" } }), alert);
    expect(received[0]!.body).toBe("✗ [rig1] ERROR: s1: failed");
    expect(received[0]!.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(received[0]!.headers.title).toBe("postdeck rig1: error");
    expect(received[0]!.headers.priority).toBe("5");
  });

  it("HTTP 500, a refused connection and a hang are failures with a reason", async () => {
    expect(await deliver(sink({ name: "f", webhook: `${base}/fail` }), alert)).toEqual({ ok: false, error: "HTTP 500: internal trouble" });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const refused = await deliver(sink({ name: "r", webhook: `http://127.0.0.1:${port}/x` }), alert);
    expect(refused).toEqual({ ok: false, error: "ECONNREFUSED" });
    expect(await deliver(sink({ name: "h", webhook: `${base}/hang`, timeoutS: 1 }), alert)).toEqual({ ok: false, error: "no answer within 1 s" });
  });

  it("says which sink, where and why when fetch refuses the port (config check refuses it too; a sink built in code is not checked)", async () => {
    const raw = { name: "x11", webhook: "http://127.0.0.1:6000/hook?token=s3cret", minSeverity: "warning" as const, timeoutS: 5 };
    expect(await deliver(raw, alert)).toEqual({
      ok: false,
      error: `sink x11 (http://127.0.0.1:6000/…): Node's fetch refuses port 6000 ("bad port": the Fetch standard blocks ports of other protocols, such as X11 on 6000); give the receiver another port, e.g. 8080`,
    });
  });

  it("shows only the origin of a webhook (its path may hold a token)", () => {
    expect(describeSink({ webhook: "https://api.telegram.org/bot123:SECRET/sendMessage" })).toBe("webhook https://api.telegram.org/…");
    expect(webhookBody({ template: undefined }, alert).contentType).toBe("application/json");
  });
});

describe("command sinks", () => {
  it("gets the alert JSON on stdin; a non-zero exit and a hang are failures", async () => {
    const dir = tempDir("pd-alert-cmd-");
    const out = path.join(dir, "got.json");
    const ok = sink({ name: "cmd", command: [process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(out)}, require("fs").readFileSync(0))`] });
    expect(await deliver(ok, alert)).toEqual({ ok: true });
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ event: "appeared", finding: { id: "service-not-running" } });
    const bad = sink({ name: "bad", command: [process.execPath, "-e", "console.error('no route to pager'); process.exit(3)"] });
    const r = await deliver(bad, alert);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain("exit code 3: no route to pager");
    const hang = sink({ name: "hang", command: [process.execPath, "-e", "setInterval(() => {}, 1000)"], timeoutS: 1 });
    expect(await deliver(hang, alert)).toEqual({ ok: false, error: "did not finish within 1 s (killed)" });
    expect(await deliver(sink({ name: "gone", command: ["/nonexistent/notify"] }), alert)).toEqual({ ok: false, error: "cannot run /nonexistent/notify: ENOENT" });
  });
});

describe("the alerter with real sinks", () => {
  it("a sink that hangs or fails does not hold up a working one; `alerts test` reports each", async () => {
    const dir = tempDir("pd-alerter-");
    const sinks = [
      sink({ name: "slow", webhook: `${base}/hang`, timeoutS: 5 }),
      sink({ name: "broken", webhook: `${base}/fail` }),
      sink({ name: "good", webhook: `${base}/good` }),
    ];
    const a = new Alerter({ stateFile: path.join(dir, "alerts.json"), config: () => ({ sinks, repeatMinutes: 0, delayS: 0 }), rig: () => "rig1" });
    await a.start();
    a.update([finding]);
    await waitFor(() => !a.pending().some((p) => p.sink === "good"), { timeoutMs: 5000 });
    await waitFor(() => a.sinkHealth().some((h) => h.name === "broken"), { timeoutMs: 5000 });
    expect(received.filter((r) => r.path === "/good")).toHaveLength(1);
    expect(a.sinkHealth().find((h) => h.name === "broken")!.lastError).toBe("HTTP 500: internal trouble");
    expect(a.pending().map((p) => p.sink).sort()).toEqual(["broken", "slow"]);
    await a.stop();

    const results = await sendTestAlerts(sinks.slice(1), "rig1");
    expect(results.map((r) => [r.sink, r.ok, r.error])).toEqual([
      ["broken", false, "HTTP 500: internal trouble"],
      ["good", true, null],
    ]);
    expect(testAlert("rig1", 0).text).toContain("test alert");
  });
});
