// What the Fleet view knows about every rig of the rigs file: per rig a DaemonStore fed by that
// rig's event stream — asked only for the types its summary reads (`?types=`: no log lines, no
// hardware samples) — its connection state, and when it went stale. Plain TypeScript (no React):
// the hook renders from it, tests drive it with fake clients and fake timers. Connecting (how a
// rig is reached: its socket, a local read-only bridge, ssh) is the caller's `connect`.
import type { ConnectionState, DaemonClient } from "../../client/types.js";
import type { EventType } from "../../protocol/api.js";
import type { Rig } from "../../fleet/rigs-file.js";
import { summarize, unreachableSummary, type RigSummary } from "../../fleet/summary.js";
import { DaemonStore } from "../state/daemon-store.js";

/** The event types a rig's summary is made of (the first snapshot and `bye` always come). */
export const FLEET_EVENT_TYPES: readonly EventType[] = ["service", "identities", "findings", "node"];

export type RigLink =
  | { kind: "resolving" } // finding how to reach it (reading its config, for a rig on this machine)
  | { kind: "failed"; error: string } // cannot even be asked (its config is unreadable)
  | ConnectionState;

export interface FleetRig {
  rig: Rig;
  link: RigLink;
  summary: RigSummary; // from the last snapshot (kept while the rig is away: stale), or why unreachable
  staleSince: number | null; // the connection dropped at this time and the summary is the last one seen
  bye: string | null; // the daemon said it stops
}

interface Entry {
  rig: Rig;
  store: DaemonStore;
  client: DaemonClient | null;
  unsubscribe: (() => void) | null;
  link: RigLink;
  lostAt: number | null;
  generation: number; // a reconnect starts a new one; late answers of an older one are dropped
}

export interface FleetStoreOptions {
  connect: (r: Rig) => Promise<DaemonClient>;
  now?: () => number;
}

export class FleetStore {
  private readonly entries: Entry[];
  private readonly now: () => number;
  private closed = false;
  /** Bumped on every change that can alter a row (not on a service's CPU/RSS sample). */
  version = 0;

  constructor(
    rigs: readonly Rig[],
    private readonly o: FleetStoreOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.entries = rigs.map((rig) => ({ rig, store: new DaemonStore(), client: null, unsubscribe: null, link: { kind: "resolving" }, lostAt: null, generation: 0 }));
  }

  /** Connects every rig at once; each follows its stream and reconnects by itself. */
  start(): void {
    for (const e of this.entries) this.open(e);
  }

  names(): string[] {
    return this.entries.map((e) => e.rig.name);
  }

  /** The client of a connected (or reconnecting) rig, for its console; null while it cannot be asked. */
  client(name: string): DaemonClient | null {
    return this.entry(name)?.client ?? null;
  }

  rows(now: number = this.now()): FleetRig[] {
    return this.entries.map((e) => {
      const snap = e.store.state.snapshot;
      const why = e.link.kind === "failed" || e.link.kind === "disconnected" ? e.link.error : "connecting";
      return {
        rig: e.rig,
        link: e.link,
        summary: snap ? summarize(e.rig, snap, now) : unreachableSummary(e.rig, why),
        staleSince: snap && e.link.kind !== "connected" ? e.lostAt : null,
        bye: e.store.state.bye,
      };
    });
  }

  /** Drops the rig's connection and connects again at once (the `r` key). */
  reconnect(name: string): void {
    const e = this.entry(name);
    if (!e || this.closed) return;
    this.drop(e);
    this.open(e);
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries) this.drop(e);
  }

  private entry(name: string): Entry | undefined {
    return this.entries.find((e) => e.rig.name === name);
  }

  private drop(e: Entry): void {
    e.generation++;
    e.unsubscribe?.();
    e.client?.close();
    e.unsubscribe = null;
    e.client = null;
  }

  private setLink(e: Entry, link: RigLink): void {
    if (link.kind === "connected") e.lostAt = null;
    else if (e.lostAt === null && e.store.state.snapshot) e.lostAt = this.now();
    e.link = link;
    if (link.kind !== "resolving" && link.kind !== "failed") e.store.setConnection(link); // "connected" clears a bye
    this.version++;
  }

  private open(e: Entry): void {
    const gen = ++e.generation;
    this.setLink(e, { kind: "resolving" });
    this.o.connect(e.rig).then(
      (client) => {
        if (gen !== e.generation || this.closed) return client.close();
        e.client = client;
        e.unsubscribe = client.subscribe(
          (ev) => {
            if (gen !== e.generation) return;
            const quiet = e.store.isBackground(ev); // a CPU/RSS sample: no row changes
            e.store.apply(ev);
            if (ev.type === "snapshot") this.setLink(e, { kind: "connected" });
            if (!quiet) this.version++;
          },
          (s) => {
            if (gen !== e.generation) return;
            // the client says "connected" only with the first snapshot; until then the row keeps its state
            this.setLink(e, s.kind === "connecting" && e.link.kind === "disconnected" ? e.link : s);
          },
          { types: FLEET_EVENT_TYPES },
        );
      },
      (err: unknown) => {
        if (gen !== e.generation) return;
        this.setLink(e, { kind: "failed", error: err instanceof Error ? err.message : String(err) });
      },
    );
  }
}
