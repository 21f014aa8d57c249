// What to send when the findings change or time passes (pure; the clock and quiet hours come in as
// arguments). One alert per finding id + subject: "appeared" once it has lasted `delayMs`,
// "escalated" when its severity rises, "repeat" every `repeatMs` while it stays open, "resolved"
// when it goes away (only for what was sent). Warnings and notes wait out the quiet hours (their
// resolution too); errors always go. A finding that comes and goes unsent is never mentioned.
import type { Finding, Severity } from "../../protocol/model.js";

export type AlertEvent = "appeared" | "escalated" | "repeat" | "resolved" | "test";

export interface Alert {
  key: string; // finding id + subject
  event: AlertEvent;
  at: number; // epoch ms
  rig: string;
  severity: Severity; // of the finding; for "resolved" the severity last sent
  previousSeverity: Severity | null; // for "escalated"
  finding: Finding;
  text: string; // one line for people
}

export interface OpenFinding {
  finding: Finding;
  since: number;
  sentSeverity: Severity | null; // null = not sent yet
  lastSentAt: number | null;
}

export interface DecideState {
  open: Record<string, OpenFinding>;
  /** Cleared during quiet hours while their alert was a warning: "resolved" is sent when they end. */
  resolvedLater: Record<string, OpenFinding>;
}

export interface DecideOptions {
  now: number;
  rig: string;
  quiet: boolean; // inside quiet hours now
  repeatMs: number; // 0 = never
  delayMs: number;
  /** False right after a daemon start: findings not computed yet must not read as resolved. */
  canResolve: boolean;
}

export const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function emptyDecideState(): DecideState {
  return { open: {}, resolvedLater: {} };
}

export function findingKey(f: Pick<Finding, "id" | "subject">): string {
  return `${f.id}|${f.subject ?? ""}`;
}

const SYMBOL: Record<AlertEvent, string> = { appeared: "✗", escalated: "⇑", repeat: "↻", resolved: "✓", test: "•" };

export function alertText(event: AlertEvent, severity: Severity, f: Finding, rig: string): string {
  const who = f.subject ? `${f.subject}: ` : "";
  if (event === "resolved") return `${SYMBOL.resolved} [${rig}] resolved: ${who}${f.title}`;
  if (event === "test") return `${SYMBOL.test} [${rig}] test alert from postdeck: ${f.title}`;
  const label = event === "appeared" ? severity.toUpperCase() : `${severity.toUpperCase()} (${event === "escalated" ? "escalated" : "still open"})`;
  return `${event === "appeared" && severity !== "error" ? "!" : SYMBOL[event]} [${rig}] ${label}: ${who}${f.title} — fix: ${f.fix}`;
}

function alert(event: AlertEvent, o: OpenFinding, severity: Severity, previous: Severity | null, opts: DecideOptions, key: string): Alert {
  return { key, event, at: opts.now, rig: opts.rig, severity, previousSeverity: previous, finding: o.finding, text: alertText(event, severity, o.finding, opts.rig) };
}

export function decide(prev: DecideState, findings: Finding[], opts: DecideOptions): { state: DecideState; alerts: Alert[] } {
  const sendable = (s: Severity) => s === "error" || !opts.quiet;
  const open: Record<string, OpenFinding> = {};
  const resolvedLater: Record<string, OpenFinding> = { ...prev.resolvedLater };
  const alerts: Alert[] = [];
  for (const f of findings) {
    const key = findingKey(f);
    if (open[key]) continue; // one per id + subject
    const before = prev.open[key] ?? resolvedLater[key];
    delete resolvedLater[key]; // back before its resolution was sent: still the same open problem
    const o: OpenFinding = before ? { ...before, finding: f } : { finding: f, since: opts.now, sentSeverity: null, lastSentAt: null };
    open[key] = o;
    if (o.sentSeverity === null) {
      if (opts.now - o.since >= opts.delayMs && sendable(f.severity)) {
        alerts.push(alert("appeared", o, f.severity, null, opts, key));
        o.sentSeverity = f.severity;
        o.lastSentAt = opts.now;
      }
    } else if (RANK[f.severity] > RANK[o.sentSeverity]) {
      if (sendable(f.severity)) {
        alerts.push(alert("escalated", o, f.severity, o.sentSeverity, opts, key));
        o.sentSeverity = f.severity;
        o.lastSentAt = opts.now;
      }
    } else {
      if (RANK[f.severity] < RANK[o.sentSeverity]) o.sentSeverity = f.severity; // eased: no message, later rises count again
      if (opts.repeatMs > 0 && o.lastSentAt !== null && opts.now - o.lastSentAt >= opts.repeatMs && sendable(f.severity)) {
        alerts.push(alert("repeat", o, f.severity, null, opts, key));
        o.lastSentAt = opts.now;
      }
    }
  }
  for (const [key, o] of Object.entries(prev.open)) {
    if (open[key]) continue;
    if (!opts.canResolve) {
      open[key] = o;
      continue;
    }
    if (o.sentSeverity === null) continue; // never sent: nothing to resolve
    if (sendable(o.sentSeverity)) alerts.push(alert("resolved", o, o.sentSeverity, null, opts, key));
    else resolvedLater[key] = o;
  }
  if (!opts.quiet) {
    for (const [key, o] of Object.entries(resolvedLater)) {
      if (open[key]) continue;
      alerts.push(alert("resolved", o, o.sentSeverity ?? o.finding.severity, null, opts, key));
      delete resolvedLater[key];
    }
  }
  return { state: { open, resolvedLater }, alerts };
}

/** Minutes since midnight of `now` in `timeZone` (default: the system's). */
function minuteOfDay(now: number, timeZone?: string): number {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone });
  } catch {
    fmt = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }); // unknown zone: the system's
  }
  const parts = fmt.formatToParts(new Date(now));
  const h = Number(parts.find((p) => p.type === "hour")?.value ?? 0);
  const m = Number(parts.find((p) => p.type === "minute")?.value ?? 0);
  return h * 60 + m;
}

/** Inside [from, to) of the day, wrapping past midnight when from > to (22:00 → 07:00). */
export function inQuietHours(now: number, q: { from: string; to: string; timeZone?: string } | undefined): boolean {
  if (!q) return false;
  const toMin = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const m = minuteOfDay(now, q.timeZone);
  const from = toMin(q.from);
  const to = toMin(q.to);
  if (from === to) return false;
  return from < to ? m >= from && m < to : m >= from || m < to;
}

/** Delay before retry number `attempt` (1-based) of a failed delivery: 5 s doubling, at most 10 min. */
export function retryDelayMs(attempt: number): number {
  return Math.min(10 * 60_000, 5000 * 2 ** Math.max(0, attempt - 1));
}
