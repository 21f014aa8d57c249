// What the console knows about the daemon: the last snapshot with every event applied, the
// log buffers and the connection state. Plain TypeScript (no React) so it can be tested and
// so the hook can coalesce many events into one render.
import type { ConnectionState, DaemonEvent } from "../../client/types.js";
import type { Finding, Snapshot } from "../../protocol/model.js";
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

  /**
   * Live figures that change on every sample (hardware, a service's CPU%/RSS) but matter less than
   * a state change: they are refreshed on a slower clock (see useDaemonStore; the Fleet view skips them).
   */
  isBackground(e: DaemonEvent): boolean {
    if (e.type === "hardware") return true;
    const prev = e.type === "service" ? this.state.snapshot?.services.find((s) => s.name === e.data.name) : undefined;
    return prev != null && e.type === "service" && sameExcept(prev, e.data, ["cpuPercent", "rssBytes"]);
  }

  /**
   * What the console may also draw on the slower clock: background figures, the node's layer,
   * peers and sources (its state — reachable, synced, supervised — is not), and findings whose
   * wording moved (a layer number in a title) but not which there are, how severe, about what.
   */
  isSlow(e: DaemonEvent): boolean {
    const snap = this.state.snapshot;
    if (e.type === "node") return snap != null && sameExcept(snap.node, e.data, ["syncedLayer", "topLayer", "peers", "sources", "clock"]);
    if (e.type === "findings") return snap != null && findingsShape(snap.findings) === findingsShape(e.data);
    return this.isBackground(e);
  }

  /**
   * Whether `e` brings what the store already holds (the daemon re-sends a node view, findings or a
   * service unchanged): nothing on screen can change, so the version stays and no frame is drawn.
   */
  private holds(e: DaemonEvent): boolean {
    const snap = this.state.snapshot;
    if (!snap) return false;
    const held: unknown =
      e.type === "service"
        ? snap.services.find((s) => s.name === e.data.name)
        : e.type === "task"
          ? snap.tasks.find((t) => t.id === e.data.id)
          : e.type === "node" || e.type === "identities" || e.type === "findings" || e.type === "hardware"
            ? snap[e.type]
            : undefined;
    return held !== undefined && JSON.stringify(held) === JSON.stringify(e.data);
  }

  /** Apply one event; `version` moves only when it changed something. Returns the log sources never backfilled yet (to fetch older lines for). */
  apply(e: DaemonEvent): string[] {
    const snap = this.state.snapshot;
    if (this.holds(e)) return [];
    switch (e.type) {
      case "snapshot":
        this.state = { ...this.state, snapshot: e.data };
        this.logs.expectSources(e.data.services.length + 1); // and the node's log
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

/** Whether `a` and `b` are equal but for the fields `except`. */
function sameExcept<T extends object>(a: T, b: T, except: (keyof T)[]): boolean {
  const blank = Object.fromEntries(except.map((k) => [k, null]));
  return JSON.stringify({ ...a, ...blank }) === JSON.stringify({ ...b, ...blank });
}

/** Which findings there are, how severe, about what: all the main view shows of them (its `!N` marks). */
export const findingsShape = (fs: Finding[]): string => JSON.stringify(fs.map((f) => [f.id, f.severity, f.subject]));

/** The list with `item` replacing the entry of the same key, or appended. */
function upsert<T>(list: T[], item: T, key: (x: T) => string): T[] {
  const i = list.findIndex((x) => key(x) === key(item));
  if (i === -1) return [...list, item];
  const out = list.slice();
  out[i] = item;
  return out;
}
