// post-service's operator API (docs/spacemesh-interfaces.md §1.2): `GET /status` → "Idle" |
// {"Proving":{"nonces":{"start","end"},"position"}} | "DoneProving". It can block while RandomX
// initialises, so every request has a short timeout; refused/timeout = unreachable.
import http from "node:http";
import type { OperatorStatus } from "../../protocol/model.js";
import { currentOrNextGap, readClock, type NetworkTiming } from "../../clock/epoch-clock.js";

export interface ProgressBasis {
  posBytes: number | null; // NumUnits × LabelsPerUnit × 16, null when unknown
}

/** Parses the JSON body of `/status`. Unknown forms are reported as unreachable with the body. */
export function parseOperatorBody(body: unknown, basis: ProgressBasis): OperatorStatus {
  if (body === "Idle") return { kind: "idle" };
  if (body === "DoneProving") return { kind: "done" };
  if (body && typeof body === "object" && "Proving" in body) {
    const p = body.Proving as { nonces?: { start?: unknown; end?: unknown }; position?: unknown } | null;
    const start = p?.nonces?.start;
    const end = p?.nonces?.end;
    const position = p?.position;
    if (typeof start === "number" && typeof end === "number" && typeof position === "number" && end > start) {
      const pass = Math.floor(start / (end - start)) + 1;
      const percent = basis.posBytes && basis.posBytes > 0 ? Math.min(100, (position / basis.posBytes) * 100) : null;
      return { kind: "proving", nonces: { start, end }, position, pass, percent };
    }
  }
  return { kind: "unreachable", error: `unexpected /status body: ${JSON.stringify(body).slice(0, 120)}` };
}

/** One `GET http://<addr>/status` with a timeout. Never throws. */
export function fetchOperatorStatus(addr: string, basis: ProgressBasis, timeoutMs = 1500): Promise<OperatorStatus> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (s: OperatorStatus) => {
      if (!done) {
        done = true;
        resolve(s);
      }
    };
    const req = http.get({ host: addr.replace(/:\d+$/, "").replace(/^\[|\]$/g, ""), port: Number(addr.split(":").pop()), path: "/status", timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if (res.statusCode !== 200) return finish({ kind: "unreachable", error: `HTTP ${res.statusCode} from ${addr}/status` });
        try {
          finish(parseOperatorBody(JSON.parse(Buffer.concat(chunks).toString("utf8")), basis));
        } catch {
          finish({ kind: "unreachable", error: `invalid JSON from ${addr}/status` });
        }
      });
      res.on("error", (e) => finish({ kind: "unreachable", error: e.message }));
    });
    req.on("timeout", () => {
      req.destroy();
      finish({ kind: "unreachable", error: `no answer from ${addr}/status within ${timeoutMs} ms (RandomX may be initialising)` });
    });
    req.on("error", (e: NodeJS.ErrnoException) =>
      finish({ kind: "unreachable", error: e.code === "ECONNREFUSED" ? `connection refused on ${addr}` : e.message }),
    );
  });
}

// ---- when to ask -------------------------------------------------------------------------------
// A post-service's /status changes only while it proves, and it proves only when the node asks it
// (the node's PostStates say PROVING for its identity) inside the cycle gap. So the daemon asks
// fast while that can happen, slowly otherwise; an idle rig costs almost nothing.

export interface OperatorPollIntervals {
  fastMs: number; // while its status can change
  slowMs: number; // otherwise (a check that the API still answers)
  /** An Idle service whose identity the node reports IDLE, the gap closed: nothing can change it. */
  restMs: number;
  warmupMs: number; // after a (re)start, until the API first answers Idle/DoneProving/Proving
}

// slow: one request a minute (each costs the daemon ~0.5 ms of CPU: 64 services every 30 s were
// 0.1-0.2 % of a core at rest); at rest (Idle, the node says IDLE, no gap) one every 10 minutes:
// only a PROVING from the node (seen within its rest poll, 10 s) or the gap makes it prove
export const OPERATOR_POLL: OperatorPollIntervals = { fastMs: 2000, slowMs: 60_000, restMs: 600_000, warmupMs: 60_000 };

export interface OperatorPollFacts {
  now: number;
  /** When it was last asked in this run (null: not yet). */
  polledAt: number | null;
  /** When this run started (null: unknown, e.g. adopted before the daemon's start). */
  startedAt: number | null;
  status: OperatorStatus;
  /** The node says PROVING for its identity, or the cycle gap is open. */
  urgent: boolean;
  /** The node says IDLE for its identity and the cycle gap is closed (its /status cannot change). */
  resting?: boolean;
}

/** Whether to ask a running service's /status now (half a fast tick early still counts: asks due about together go together). */
export function operatorPollDue(f: OperatorPollFacts, iv: OperatorPollIntervals = OPERATOR_POLL): boolean {
  return f.now >= operatorNextPollAt(f, iv) - iv.fastMs / 2;
}

/**
 * When a running service's /status is next due, as things stand at f.now (an answer, the node's
 * word or the gap may change it sooner: the caller looks again then). While it is starting, its
 * warm-up's end makes it due no sooner.
 */
export function operatorNextPollAt(f: OperatorPollFacts, iv: OperatorPollIntervals = OPERATOR_POLL): number {
  if (f.polledAt === null) return f.now;
  const starting = (f.status.kind === "none" || f.status.kind === "unreachable") && f.startedAt !== null && f.now - f.startedAt < iv.warmupMs;
  const fast = f.urgent || f.status.kind === "proving" || starting;
  const every = fast ? iv.fastMs : f.resting === true && f.status.kind === "idle" ? iv.restMs : iv.slowMs;
  return f.polledAt + every;
}

/** How fast each service's /status is asked: urgent ones every fastMs, resting ones every restMs. */
export interface OperatorPace {
  urgent: ReadonlySet<string> | "all";
  resting: ReadonlySet<string>;
  /** When this pace changes by time alone (the cycle gap opens or closes; epoch ms), if known. */
  until?: number;
}

export interface UrgencyInputs {
  identities: readonly { service: string | null; postState: "IDLE" | "PROVING" | null }[];
  clock: NetworkTiming | null;
  now: number;
}

/**
 * Services whose /status can change now: all while the cycle gap is open (by the node's clock),
 * else those whose identity the node reports PROVING.
 */
export function urgentServices(u: UrgencyInputs): ReadonlySet<string> | "all" {
  return operatorPace(u).urgent;
}

/**
 * urgentServices, and the services at rest: the node reports their identity IDLE while the gap is
 * closed by the node's clock (no clock, or no word from the node: not at rest, asked slowly).
 */
export function operatorPace(u: UrgencyInputs): OperatorPace {
  const gap = u.clock ? readClock(u.clock, u.now) : null;
  if (gap?.gapOpen) return { urgent: "all", resting: new Set(), until: gap.gap.closesAt };
  const urgent = new Set<string>();
  const resting = new Set<string>();
  for (const i of u.identities) {
    if (!i.service) continue;
    if (i.postState === "PROVING") urgent.add(i.service);
    else if (i.postState === "IDLE" && u.clock) resting.add(i.service);
  }
  return gap ? { urgent, resting, until: gap.gap.opensAt } : { urgent, resting };
}

/** Whether any service's /status can change now (urgentServices is not empty), without building the sets. */
export function anyUrgent(u: UrgencyInputs): boolean {
  if (u.identities.some((i) => i.service && i.postState === "PROVING")) return true;
  if (!u.clock) return false;
  const g = currentOrNextGap(u.clock, u.now);
  return u.now >= g.opensAt && u.now < g.closesAt;
}
