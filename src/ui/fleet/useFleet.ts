// The Fleet view's refresh: the store (one filtered event stream per rig, started and closed by
// FleetConsole) is read once a second (useClock) and the view redraws only when the text of its
// rows changes — new data, a connection state — so a quiet fleet draws nothing. Countdowns (the
// cycle gap, a stale rig's age, the next retry) move in COUNTDOWN_STEP_MS steps: a frame of the
// table costs far more than reading the store (Ink's layout and string widths dominate the
// profile), and second-by-second countdowns on 8 demo rigs (4-minute epochs) kept the view near
// 2 % of a core; in 10 s steps it measured 0.93 % (budget: 1 %).
import { useClock } from "../hooks/useClock.js";
import { fleetText } from "./fleet-lines.js";
import type { FleetRig, FleetStore } from "./fleet-store.js";

export const FLEET_REFRESH_MS = 1000;
export const COUNTDOWN_STEP_MS = 10_000;

/** The time the rows are drawn at: the clock in COUNTDOWN_STEP_MS steps. */
export const fleetTime = (t: number): number => Math.floor(t / COUNTDOWN_STEP_MS) * COUNTDOWN_STEP_MS;

export function useFleet(store: FleetStore, clock: () => number): { rows: FleetRig[]; at: number } {
  useClock(FLEET_REFRESH_MS, clock, (t) => fleetText(store.rows(fleetTime(t)), fleetTime(t)));
  const at = fleetTime(clock());
  return { rows: store.rows(at), at };
}
