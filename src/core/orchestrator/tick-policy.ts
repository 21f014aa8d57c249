// When the orchestrator's driver decides next. What it acts on mostly comes as events (a service's
// state or /status changed, the node's PostStates changed, a post-service's phase line, a queued
// prover's predicted start: wakeAt), so a timed tick is only needed while time alone can change a
// decision: an identity proving or a service on its way (predictions age, a proof handed over may
// stick), or a cycle gap open. Otherwise one slow tick keeps the plan's outlook (who would miss the
// next gap) fresh, and the gap's opening is a tick of its own. Pure: the caller passes the clock.
import type { ServiceState } from "../../protocol/model.js";
import { START_GRACE_MS } from "./decide.js";

export interface TickInputs {
  now: number;
  /** The node's state for each identity (null: unknown). */
  postStates: ("IDLE" | "PROVING" | null)[];
  /** Each service's state, /status kind and the start of its run (epoch ms, null: not running). */
  services: { state: ServiceState; operator: string; startedAt?: number | null }[];
  /** The cycle gap now or next (epoch ms), null when the clock is unknown. */
  window: { opensAt: number; closesAt: number } | null;
  /** The last decision's wake (a queued prover's predicted start), null: none. */
  wakeAt: number | null;
}

/** Ticks while something is under way. */
export const BUSY_TICK_MS = 2_000;
/** Ticks while nothing is: the plan's outlook only. */
export const IDLE_TICK_MS = 60_000;

const MOVING: ServiceState[] = ["starting", "stopping", "backoff"];

/** Something a timed tick may act on: a proof under way, a service on its way, the gap open. */
export function busy(t: TickInputs): boolean {
  if (t.postStates.some((s) => s === "PROVING")) return true;
  if (t.services.some((s) => MOVING.includes(s.state) || s.operator === "proving" || s.operator === "done")) return true;
  // just started: decide() gives it a grace before it may be stopped unanswered; its end is timed
  if (t.services.some((s) => s.state === "running" && s.startedAt != null && t.now - s.startedAt <= START_GRACE_MS)) return true;
  return t.window !== null && t.now >= t.window.opensAt && t.now < t.window.closesAt;
}

/** ms until the next timed tick: soon while busy, else at the wake, the gap's opening or the slow tick, whichever comes first. */
export function nextTickMs(t: TickInputs, o: { busyMs?: number; idleMs?: number } = {}): number {
  let next = busy(t) ? (o.busyMs ?? BUSY_TICK_MS) : (o.idleMs ?? IDLE_TICK_MS);
  if (t.wakeAt !== null) next = Math.min(next, t.wakeAt - t.now);
  if (t.window !== null && t.window.opensAt > t.now) next = Math.min(next, t.window.opensAt - t.now);
  return Math.max(50, next);
}
