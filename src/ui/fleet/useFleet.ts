// The Fleet view's refresh: the store (one filtered event stream per rig, started and closed by
// FleetConsole) is read once a second (useClock) and the view redraws only when the text of its
// rows changes — new data, a connection state, a countdown — so a quiet fleet draws nothing and a
// busy one at most one frame a second.
import { useClock } from "../hooks/useClock.js";
import { fleetText } from "./fleet-lines.js";
import type { FleetRig, FleetStore } from "./fleet-store.js";

export const FLEET_REFRESH_MS = 1000;

export function useFleet(store: FleetStore, clock: () => number): FleetRig[] {
  useClock(FLEET_REFRESH_MS, clock, (t) => fleetText(store.rows(t), t));
  return store.rows(clock());
}
