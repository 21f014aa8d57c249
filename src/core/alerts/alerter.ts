// The daemon's alert driver: feeds the findings to decide() (now, on every change, and every
// `tickMs` for delays, repeats and the end of quiet hours), queues each alert per sink, and delivers
// one at a time per sink with the sink's timeout; a failed delivery is retried with backoff and the
// sink's health is published (it becomes a finding). The decision state and every undelivered alert
// are saved atomically in <stateDir>/alerts.json, so a daemon restart loses nothing. A sink's queue
// is bounded (oldest dropped, counted). Nothing here waits on a sink: the daemon never slows down.
import { EventEmitter } from "node:events";
import { promises as fs } from "node:fs";
import type { AlertsConfig, AlertSinkConfig } from "../../config/schema.js";
import type { Finding } from "../../protocol/model.js";
import { replaceFile } from "../../fs/atomic-file.js";
import type { AlertSinkHealth } from "../spacemesh/rig-findings.js";
import { alertText, decide, emptyDecideState, inQuietHours, RANK, retryDelayMs, type Alert, type DecideState } from "./decide.js";
import { deliver as realDeliver, describeSink, type DeliveryResult } from "./sinks.js";

export const MAX_QUEUE_PER_SINK = 100;
/** After a daemon start, findings are still being gathered: no "resolved" before this. */
export const START_GRACE_MS = 60_000;

interface Queued {
  sink: string;
  alert: Alert;
  attempts: number;
  nextAt: number;
}

interface Saved {
  version: 1;
  decide: DecideState;
  queue: Queued[];
  dropped: Record<string, number>;
}

export interface AlerterOptions {
  stateFile: string;
  config: () => AlertsConfig | null;
  rig: () => string;
  clock?: () => number;
  deliver?: (sink: AlertSinkConfig, a: Alert) => Promise<DeliveryResult>;
  tickMs?: number;
}

/** Events: "health" (AlertSinkHealth[]), "sent" ({sink, alert}). */
export class Alerter extends EventEmitter {
  private readonly clock: () => number;
  private readonly send: (sink: AlertSinkConfig, a: Alert) => Promise<DeliveryResult>;
  private state: DecideState = emptyDecideState();
  private queue: Queued[] = [];
  private dropped: Record<string, number> = {};
  private findings: Finding[] = [];
  private readonly busy = new Set<string>();
  private readonly health = new Map<string, AlertSinkHealth>();
  private startedAt = 0;
  private tick: NodeJS.Timeout | null = null;
  private wake: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: AlerterOptions) {
    super();
    this.clock = o.clock ?? Date.now;
    this.send = o.deliver ?? realDeliver;
  }

  async start(): Promise<void> {
    this.startedAt = this.clock();
    try {
      const saved = JSON.parse(await fs.readFile(this.o.stateFile, "utf8")) as Saved;
      if (saved.version === 1) {
        this.state = saved.decide;
        this.queue = saved.queue;
        this.dropped = saved.dropped ?? {};
        for (const q of this.queue) q.nextAt = Math.min(q.nextAt, this.startedAt); // try again now
      }
    } catch {
      /* none yet, or unreadable: start empty */
    }
    this.tick = setInterval(() => this.update(this.findings), this.o.tickMs ?? 15_000);
    this.tick.unref();
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tick) clearInterval(this.tick);
    if (this.wake) clearTimeout(this.wake);
    await this.saving;
  }

  /** The current findings (the daemon calls this on every change). */
  update(findings: Finding[]): void {
    this.findings = findings;
    try {
      this.evaluate();
    } catch (err) {
      this.emit("warning", `alerts: ${(err as Error).message}`); // never into the caller (the rig's event emitter)
    }
  }

  private sinks(): AlertSinkConfig[] {
    return this.o.config()?.sinks ?? [];
  }

  private evaluate(): void {
    if (this.stopped) return;
    const cfg = this.o.config();
    const now = this.clock();
    const { state, alerts } = decide(this.state, this.findings, {
      now,
      rig: this.o.rig(),
      quiet: inQuietHours(now, cfg?.quietHours),
      repeatMs: (cfg?.repeatMinutes ?? 240) * 60_000,
      delayMs: (cfg?.delayS ?? 30) * 1000,
      canResolve: now - this.startedAt >= START_GRACE_MS,
    });
    const changed = JSON.stringify(state) !== JSON.stringify(this.state);
    this.state = state;
    for (const a of alerts) this.enqueue(a);
    if (changed || alerts.length > 0) this.save();
    this.pump();
  }

  private enqueue(a: Alert): void {
    for (const sink of this.sinks()) {
      if (RANK[a.severity] < RANK[sink.minSeverity]) continue;
      if (a.finding.id === "alert-sink-failing" && a.finding.subject === `alerts:${sink.name}`) continue; // not to itself
      const mine = this.queue.filter((q) => q.sink === sink.name);
      if (mine.length >= MAX_QUEUE_PER_SINK) {
        this.queue.splice(this.queue.indexOf(mine[0]!), 1);
        this.dropped[sink.name] = (this.dropped[sink.name] ?? 0) + 1;
      }
      this.queue.push({ sink: sink.name, alert: a, attempts: 0, nextAt: this.clock() });
    }
  }

  /** Starts a delivery for every sink that is idle and has an alert due; sets a timer for the next one. */
  private pump(): void {
    if (this.stopped) return;
    const now = this.clock();
    const sinks = new Map(this.sinks().map((s) => [s.name, s]));
    // alerts for a sink no longer configured are dropped
    const before = this.queue.length;
    this.queue = this.queue.filter((q) => sinks.has(q.sink));
    if (this.queue.length !== before) this.save();
    const gone = [...this.health.keys()].filter((n) => !sinks.has(n));
    for (const n of gone) this.health.delete(n);
    if (gone.length) this.emit("health", this.sinkHealth());
    let next = Infinity;
    for (const [name, sink] of sinks) {
      if (this.busy.has(name)) continue;
      const head = this.queue.find((q) => q.sink === name);
      if (!head) continue;
      if (head.nextAt > now) {
        next = Math.min(next, head.nextAt);
        continue;
      }
      this.busy.add(name);
      void this.send(sink, head.alert)
        .catch((err: unknown): DeliveryResult => ({ ok: false, error: (err as Error).message }))
        .then((r) => this.settle(name, head, r));
    }
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    if (next < Infinity) {
      this.wake = setTimeout(() => this.pump(), Math.max(0, next - now));
      this.wake.unref();
    }
  }

  private settle(name: string, item: Queued, r: DeliveryResult): void {
    this.busy.delete(name);
    if (this.stopped) return;
    const now = this.clock();
    const before = JSON.stringify([...this.health.values()]);
    if (r.ok) {
      this.queue = this.queue.filter((q) => q !== item);
      this.health.delete(name);
      this.emit("sent", { sink: name, alert: item.alert });
    } else {
      item.attempts++;
      item.nextAt = now + retryDelayMs(item.attempts);
      const h = this.health.get(name);
      this.health.set(name, {
        name,
        failingSince: h?.failingSince ?? now,
        failures: (h?.failures ?? 0) + 1,
        lastError: r.error,
        queued: 0,
        dropped: 0,
      });
    }
    for (const h of this.health.values()) {
      h.queued = this.queue.filter((q) => q.sink === h.name).length;
      h.dropped = this.dropped[h.name] ?? 0;
    }
    if (JSON.stringify([...this.health.values()]) !== before) this.emit("health", this.sinkHealth());
    this.save();
    this.pump();
  }

  sinkHealth(): AlertSinkHealth[] {
    return [...this.health.values()].map((h) => ({ ...h }));
  }

  /** Alerts waiting per sink (tests, status). */
  pending(): { sink: string; event: string; key: string; attempts: number }[] {
    return this.queue.map((q) => ({ sink: q.sink, event: q.alert.event, key: q.alert.key, attempts: q.attempts }));
  }

  private save(): void {
    const saved: Saved = { version: 1, decide: this.state, queue: this.queue, dropped: this.dropped };
    const text = JSON.stringify(saved) + "\n";
    this.saving = this.saving.then(() => replaceFile(this.o.stateFile, text, 0o600).catch(() => undefined));
  }

  /** Sends a test alert to every sink now (not queued); one result per sink. */
  async test(): Promise<{ sink: string; target: string; ok: boolean; error: string | null; ms: number }[]> {
    return sendTestAlerts(this.sinks(), this.o.rig(), this.send, this.clock);
  }
}

export function testAlert(rig: string, now: number): Alert {
  const finding: Finding = {
    id: "alert-test",
    severity: "error",
    subject: null,
    title: "this is a test; if you read it, this sink works",
    detail: "sent by postdeck alerts test",
    fix: "nothing to fix",
  };
  return { key: "alert-test|", event: "test", at: now, rig, severity: "error", previousSeverity: null, finding, text: alertText("test", "error", finding, rig) };
}

export async function sendTestAlerts(
  sinks: AlertSinkConfig[],
  rig: string,
  send: (sink: AlertSinkConfig, a: Alert) => Promise<DeliveryResult> = realDeliver,
  clock: () => number = Date.now,
): Promise<{ sink: string; target: string; ok: boolean; error: string | null; ms: number }[]> {
  const alert = testAlert(rig, clock());
  return Promise.all(
    sinks.map(async (s) => {
      const t0 = Date.now();
      const r = await send(s, alert).catch((err: unknown): DeliveryResult => ({ ok: false, error: (err as Error).message }));
      return { sink: s.name, target: describeSink(s), ok: r.ok, error: r.ok ? null : r.error, ms: Date.now() - t0 };
    }),
  );
}
