// What the console knows about the daemon: the last snapshot with every event applied, the
// log buffers and the connection state. Plain TypeScript (no React) so it can be tested and
// so the hook can coalesce many events into one render.
import type { ConnectionState, DaemonEvent } from "../../client/types.js";
import type { Snapshot } from "../../protocol/model.js";
import { LogStore, type LogStoreOptions } from "./log-buffer.js";

export interface DaemonState {
  snapshot: Snapshot | null;
  connection: ConnectionState;
  /** Set when the daemon said goodbye (it is shutting down). */
  bye: string | null;
}

export class DaemonStore {
  state: DaemonState = { snapshot: null, connection: { kind: "connecting" }, bye: null };
  readonly logs: LogStore;
  /** Bumped on every change; the hook renders when it moved. */
  version = 0;
  private readonly backfilled = new Set<string>();

  constructor(logOpts: LogStoreOptions = {}) {
    this.logs = new LogStore(logOpts);
  }

  setConnection(c: ConnectionState): void {
    this.state = { ...this.state, connection: c, bye: c.kind === "connected" ? null : this.state.bye };
    this.version++;
  }

  /** Apply one event. Returns the log sources never backfilled yet (to fetch older lines for). */
  /**
   * Live figures that change on every sample (hardware, a service's CPU%/RSS) but matter less than
   * a state change: the console refreshes them on a slower clock (see useDaemonStore).
   */
  isBackground(e: DaemonEvent): boolean {
    if (e.type === "hardware") return true;
    if (e.type !== "service") return false;
    const prev = this.state.snapshot?.services.find((s) => s.name === e.data.name);
    if (!prev) return false;
    return JSON.stringify({ ...prev, cpuPercent: 0, rssBytes: 0 }) === JSON.stringify({ ...e.data, cpuPercent: 0, rssBytes: 0 });
  }

  apply(e: DaemonEvent): string[] {
    const snap = this.state.snapshot;
    switch (e.type) {
      case "snapshot":
        this.state = { ...this.state, snapshot: e.data };
        break;
      case "service":
        if (snap) this.state = { ...this.state, snapshot: { ...snap, services: upsert(snap.services, e.data, (x) => x.name) } };
        break;
      case "node":
        if (snap) this.state = { ...this.state, snapshot: { ...snap, node: e.data } };
        break;
      case "identities":
        if (snap) this.state = { ...this.state, snapshot: { ...snap, identities: e.data } };
        break;
      case "findings":
        if (snap) this.state = { ...this.state, snapshot: { ...snap, findings: e.data } };
        break;
      case "hardware":
        if (snap) this.state = { ...this.state, snapshot: { ...snap, hardware: e.data } };
        break;
      case "task":
        if (snap) this.state = { ...this.state, snapshot: { ...snap, tasks: upsert(snap.tasks, e.data, (x) => x.id) } };
        break;
      case "log":
        this.logs.append(e.data);
        break;
      case "bye":
        this.state = { ...this.state, bye: e.data.reason };
        break;
    }
    this.version++;
    if (e.type !== "snapshot") return [];
    const wanted = ["node", ...e.data.services.map((s) => s.name)].filter((s) => !this.backfilled.has(s));
    for (const s of wanted) this.backfilled.add(s);
    return wanted;
  }
}

/** The list with `item` replacing the entry of the same key, or appended. */
function upsert<T>(list: T[], item: T, key: (x: T) => string): T[] {
  const i = list.findIndex((x) => key(x) === key(item));
  if (i === -1) return [...list, item];
  const out = list.slice();
  out[i] = item;
  return out;
}
