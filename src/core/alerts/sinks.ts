// Delivering one alert to one sink, bounded by the sink's timeout: a command gets the alert as JSON
// on stdin (exit 0 = delivered); a webhook gets a POST of the alert JSON, or of the sink's template
// with {{placeholders}} filled in (a string template is sent as text/plain, any other JSON value as
// JSON — each string inside it filled in and escaped as JSON).
import { spawn } from "node:child_process";
import type { AlertSinkConfig } from "../../config/schema.js";
import { fetchRefusedPort, refusedPortAdvice, webhookOrigin } from "../../config/fetch-bad-ports.js";
import type { Alert } from "./decide.js";

export type DeliveryResult = { ok: true } | { ok: false; error: string };

/** The JSON every sink without a template gets (command sinks: on stdin). */
export function alertPayload(a: Alert): Record<string, unknown> {
  return {
    type: "postdeck-alert",
    event: a.event,
    at: new Date(a.at).toISOString(),
    rig: a.rig,
    severity: a.severity,
    previousSeverity: a.previousSeverity,
    text: a.text,
    finding: a.finding,
  };
}

function placeholders(a: Alert): Record<string, string> {
  return {
    text: a.text,
    event: a.event,
    severity: a.severity,
    SEVERITY: a.severity.toUpperCase(),
    rig: a.rig,
    at: new Date(a.at).toISOString(),
    id: a.finding.id,
    subject: a.finding.subject ?? "",
    title: a.finding.title,
    detail: a.finding.detail,
    fix: a.finding.fix,
    // ntfy priorities (1–5) and tags, for its headers
    priority: a.event === "resolved" ? "2" : a.severity === "error" ? "5" : a.severity === "warning" ? "3" : "2",
    tag: a.event === "resolved" ? "white_check_mark" : a.severity === "error" ? "rotating_light" : "warning",
  };
}

function fill(s: string, values: Record<string, string>): string {
  return s.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (m, name: string) => values[name] ?? m);
}

function fillJson(v: unknown, values: Record<string, string>): unknown {
  if (typeof v === "string") return fill(v, values);
  if (Array.isArray(v)) return v.map((x) => fillJson(x, values));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillJson(x, values)]));
  return v;
}

/** The body and content type a webhook sink sends for `a`. */
export function webhookBody(sink: Pick<AlertSinkConfig, "template">, a: Alert): { body: string; contentType: string } {
  const values = placeholders(a);
  if (sink.template === undefined) return { body: JSON.stringify(alertPayload(a)), contentType: "application/json" };
  if (typeof sink.template === "string") return { body: fill(sink.template, values), contentType: "text/plain; charset=utf-8" };
  return { body: JSON.stringify(fillJson(sink.template, values)), contentType: "application/json" };
}

/** Where a sink sends, for people — a webhook's path and query may hold a token: only its origin is shown. */
export function describeSink(sink: Pick<AlertSinkConfig, "command" | "webhook">): string {
  if (sink.command) return `command ${sink.command[0]}`;
  const where = webhookOrigin(sink.webhook!);
  return where === "the webhook" ? "webhook" : `webhook ${where}`;
}

async function postWebhook(sink: AlertSinkConfig, a: Alert): Promise<DeliveryResult> {
  const { body, contentType } = webhookBody(sink, a);
  const values = placeholders(a);
  const headers: Record<string, string> = { "content-type": contentType, "user-agent": "postdeck" };
  for (const [k, v] of Object.entries(sink.headers ?? {})) headers[k] = fill(v, values);
  try {
    const res = await fetch(sink.webhook!, { method: "POST", headers, body, signal: AbortSignal.timeout(sink.timeoutS * 1000) });
    const text = await res.text().catch(() => "");
    if (res.ok) return { ok: true };
    return { ok: false, error: `HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, " ").slice(0, 200)}` : ""}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError") return { ok: false, error: `no answer within ${sink.timeoutS} s` };
    // config check refuses these ports; a config loaded before it did (or built in code) still says why
    if (e.cause?.message === "bad port") return { ok: false, error: `sink ${sink.name} (${webhookOrigin(sink.webhook!)}): ${refusedPortAdvice(fetchRefusedPort(sink.webhook!))}` };
    return { ok: false, error: e.cause?.code ?? e.cause?.message ?? e.message };
  }
}

function runCommand(sink: AlertSinkConfig, a: Alert): Promise<DeliveryResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = sink.command!;
    let stderr = "";
    let settled = false;
    const done = (r: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const child = spawn(cmd!, args, {
      stdio: ["pipe", "ignore", "pipe"],
      env: { ...process.env, POSTDECK_ALERT_EVENT: a.event, POSTDECK_ALERT_SEVERITY: a.severity, POSTDECK_ALERT_TEXT: a.text },
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      done({ ok: false, error: `did not finish within ${sink.timeoutS} s (killed)` });
    }, sink.timeoutS * 1000);
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString("utf8");
    });
    child.on("error", (err) => done({ ok: false, error: `cannot run ${cmd}: ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
    child.on("close", (code, signal) => {
      if (code === 0) done({ ok: true });
      else done({ ok: false, error: `${cmd} exited with ${signal ? `signal ${signal}` : `exit code ${code}`}${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-2).join(" | ").slice(0, 300)}` : ""}` });
    });
    child.stdin.on("error", () => undefined); // a command that does not read stdin
    child.stdin.end(JSON.stringify(alertPayload(a)) + "\n");
  });
}

export function deliver(sink: AlertSinkConfig, a: Alert): Promise<DeliveryResult> {
  return sink.command ? runCommand(sink, a) : postWebhook(sink, a);
}
