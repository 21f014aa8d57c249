// Rig: the daemon's in-memory model. Composes the config, the Supervisor and the LogHub, produces
// the Snapshot (src/protocol/model.ts) and emits typed change events ("event": DaemonEvent).
//
// Injection points for the parts other modules own:
//   rig.setNodeSide({ node(), identities(), findings(), fresh? })  node/identity/finding views (src/core/spacemesh)
//   rig.publish(type, payload)                             emit "node" | "identities" | "findings" |
//                                                           "hardware" | "task" events (hardware is
//                                                           kept for the snapshot)
//   rig.setTaskSource(() => tasks)                         the running and ended tasks, owned by the
//                                                           IdentityManager (src/core/identity)
//   rig.logs.onLines((source, lines) => ...)               raw node/service log lines as they are read
//   new Rig({ processSampler })                            per-pid CPU%/RSS (src/core/hardware)
import { EventEmitter } from "node:events";
import type { ResolvedConfig } from "../config/schema.js";
import type { EventPayload, EventType, ActionResult } from "../protocol/api.js";
import type { DaemonInfo, Finding, HardwareView, IdentityView, NodeView, OrchestrationView, ServiceView, Snapshot, TaskView } from "../protocol/model.js";
import { version } from "../version.js";
import { LogHub } from "./logs/hub.js";
import { NODE_SOURCE, Supervisor, type SupervisorOptions } from "./supervisor/supervisor.js";

export interface NodeSide {
  /** Includes the supervised node (the NodeMonitor is told of it: src/daemon/attach-node-monitor.ts). */
  node(): NodeView;
  identities(): IdentityView[];
  findings(): Finding[];
  /** Brings the node's answers up to at most `maxAgeMs` old (a client asks for a snapshot). */
  fresh?(maxAgeMs: number): Promise<void>;
}

export type RigEvent = { [T in EventType]: { type: T; data: EventPayload<T> } }[EventType];

export interface RigOptions extends Omit<SupervisorOptions, "config"> {
  config: ResolvedConfig;
  logPollMs?: number;
  logBatchMs?: number;
  /** Bytes of history loaded from the node log when following starts. */
  nodeLogBackfillBytes?: number;
}

/** The fast pace of the CPU/RSS and hardware samplers (a watching client's, by default). */
const SAMPLE_TICK_MS = 2000;
/**
 * A snapshot a client asks for (`postdeck status`) carries the node's answers and the services'
 * CPU/RSS at most this old: at rest the node is asked every minute and CPU/RSS are read only for
 * a client, so they are read for it when older.
 */
export const SNAPSHOT_FRESH_MS = 5000;
/** …waiting at most this long for them (a node that does not answer does not hold up the snapshot). */
export const SNAPSHOT_WAIT_MS = 1000;

export function emptyNodeView(): NodeView {
  return {
    reachable: false, synced: null, syncedLayer: null, topLayer: null, epoch: null, peers: null,
    version: null, startedAt: null, supervised: null, sources: [], clock: null,
  };
}

/** What the Rig emits (Node's typed EventEmitter): every change for clients, the operator's own actions (the orchestrator leaves those services to them), a re-read config, a client that began or stopped watching. */
export type RigEvents = { event: [RigEvent]; act: [kind: "start" | "stop" | "restart", names: string[]]; config: [ResolvedConfig]; watch: [] };

export class Rig extends EventEmitter<RigEvents> {
  config: ResolvedConfig;
  readonly supervisor: Supervisor;
  readonly logs: LogHub;
  readonly startedAt = Date.now();
  private nodeSide: NodeSide | null = null;
  private hardware: HardwareView | null = null;
  private taskSource: () => TaskView[] = () => [];
  /** Clients watching the event stream, per event type (what is sampled fast, what is made at all, depends on it). */
  private readonly watchers = new Map<string, number>();
  /** The paces (ms) of clients that take hardware samples no faster than that (`watch(types, { sampleMs })`). */
  private readonly hardwarePaces: number[] = [];
  /** When the last hardware view was published, and when a paced client last asked for CPU/RSS. */
  private hardwareAt = 0;
  private usagePulsedAt = 0;

  constructor(readonly opts: RigOptions) {
    super();
    this.setMaxListeners(0);
    this.config = opts.config;
    this.supervisor = new Supervisor(opts);
    this.logs = new LogHub({ ringLines: opts.config.logs.ringLines, pollMs: opts.logPollMs, batchMs: opts.logBatchMs });
    this.supervisor.on("service", (v) => this.send({ type: "service", data: this.withOrchestration(v) }));
    // once a node side is plugged in, its view carries the supervised node: one event per change
    this.supervisor.on("node", () => {
      if (!this.nodeSide) this.send({ type: "node", data: this.node() });
    });
    this.logs.on("lines", (lines) => this.send({ type: "log", data: lines }));
  }

  /**
   * A client watches events of `types` (null: every type) until the returned function is called.
   * While one does: log lines are made and sent ("log"), CPU/RSS of the services are sampled every
   * 2 s ("service"; else every 30 s), and the hardware sampler and node monitor ask watching("hardware"), watching("node").
   * `sampleMs` (above the 2 s tick): the client takes CPU/RSS and hardware samples no faster than
   * that (the console draws them every 10 s), so for it they are taken at that pace instead.
   */
  watch(types: ReadonlySet<string> | null, o: { sampleMs?: number } = {}): () => void {
    const kinds = types === null ? ["log", "service", "hardware", "node"] : ["log", "service", "hardware", "node"].filter((t) => types.has(t));
    const pace = o.sampleMs !== undefined && o.sampleMs > SAMPLE_TICK_MS ? o.sampleMs : null;
    const offs = [
      kinds.includes("log") ? this.logs.watch() : () => undefined,
      kinds.includes("service") ? (pace === null ? this.supervisor.watchUsage() : this.paceUsage(pace)) : () => undefined,
    ];
    const counted = pace === null ? kinds : kinds.filter((k) => k !== "hardware");
    if (pace !== null && kinds.includes("hardware")) this.hardwarePaces.push(pace);
    for (const k of counted) this.watchers.set(k, (this.watchers.get(k) ?? 0) + 1);
    this.emit("watch");
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const off of offs) off();
      for (const k of counted) this.watchers.set(k, this.watchers.get(k)! - 1);
      if (pace !== null && kinds.includes("hardware")) this.hardwarePaces.splice(this.hardwarePaces.indexOf(pace), 1);
      this.emit("watch");
    };
  }

  /**
   * CPU/RSS every `pace` ms for a paced client: a moment's watch of the supervisor's usage samples
   * at once when no other client holds it (paced clients share one sample per pace).
   */
  private paceUsage(pace: number): () => void {
    const pulse = () => {
      if (Date.now() - this.usagePulsedAt < pace - SAMPLE_TICK_MS / 2) return;
      this.usagePulsedAt = Date.now();
      this.supervisor.watchUsage()();
    };
    pulse();
    const timer = setInterval(pulse, pace);
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Clients watching events of this type now. A paced hardware client counts only once its pace has
   * passed since the last hardware view (the sampler asks this at each 2 s tick; half a tick of slack).
   */
  watching(type: "log" | "service" | "hardware" | "node"): number {
    const n = this.watchers.get(type) ?? 0;
    if (type !== "hardware") return n;
    const since = Date.now() - this.hardwareAt;
    return n + this.hardwarePaces.filter((pace) => since >= pace - SAMPLE_TICK_MS / 2).length;
  }

  /** Clients watching events of this type, paced ones included whether or not their pace has come (watching() counts those only then). */
  watchedAtAll(type: "hardware"): number {
    return (this.watchers.get(type) ?? 0) + this.hardwarePaces.length;
  }

  /** The last hardware sample (null before the first): what the snapshot carries, without building one. */
  hardwareView(): HardwareView | null {
    return this.hardware;
  }

  /** Adopts/starts services and starts following logs. */
  async start(): Promise<{ warnings: string[]; adopted: string[] }> {
    const r = await this.supervisor.init();
    for (const s of this.supervisor.logSources()) this.logs.follow(s.source, s.file, { backfillBytes: s.source === NODE_SOURCE ? (this.opts.nodeLogBackfillBytes ?? 2 << 20) : undefined });
    if (this.config.node.log.file) this.logs.follow(NODE_SOURCE, this.config.node.log.file, { backfillBytes: this.opts.nodeLogBackfillBytes ?? 2 << 20 });
    return r;
  }

  /** The proving orchestrator's view of a service (null: always mode, or no orchestrator plugged in). */
  private orchestrationOf: (name: string) => OrchestrationView | null = () => null;

  /** Plugs in the orchestrator's per-service view; it is overlaid on the supervisor's views from then on. */
  setOrchestration(of: (name: string) => OrchestrationView | null): void {
    this.orchestrationOf = of;
  }

  /** Says a service's orchestration changed (no change of the service itself): one "service" event. */
  orchestrationChanged(name: string): void {
    const v = this.supervisor.views().find((x) => x.name === name);
    if (v) this.send({ type: "service", data: this.withOrchestration(v) });
  }

  private withOrchestration(v: ServiceView): ServiceView {
    return { ...v, orchestration: this.orchestrationOf(v.name) ?? v.orchestration };
  }

  private send(e: RigEvent): void {
    this.emit("event", e);
  }

  /** Plugs in the node/identity/finding views (src/core/spacemesh). Emits them at once. */
  setNodeSide(side: NodeSide): void {
    this.nodeSide = side;
    this.send({ type: "node", data: this.node() });
    this.send({ type: "identities", data: this.identities() });
    this.send({ type: "findings", data: this.findings() });
  }

  /** The snapshot's tasks come from their one owner (the IdentityManager); their changes are published as "task". */
  setTaskSource(source: () => TaskView[]): void {
    this.taskSource = source;
  }

  /** Emits an event from another part (a hardware view is kept for the snapshot). */
  publish<T extends EventType>(type: T, payload: EventPayload<T>): void {
    if (type === "hardware") {
      this.hardware = payload as HardwareView;
      this.hardwareAt = Date.now();
    }
    this.send({ type, data: payload } as RigEvent);
  }

  /** The node side's view (it includes the supervised node); without one, only the supervised node. */
  node(): NodeView {
    return this.nodeSide ? this.nodeSide.node() : { ...emptyNodeView(), supervised: this.supervisor.supervisedNode() };
  }

  identities(): IdentityView[] {
    return this.nodeSide ? this.nodeSide.identities() : [];
  }

  findings(): Finding[] {
    return this.nodeSide ? this.nodeSide.findings() : [];
  }

  daemonInfo(): DaemonInfo {
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      version,
      configPath: this.config.path,
      stateDir: this.config.stateDir,
      rigName: this.config.rig,
      demo: this.config.demo,
    };
  }

  snapshot(): Snapshot {
    return {
      daemon: this.daemonInfo(),
      node: this.node(),
      services: this.supervisor.views().map((v) => this.withOrchestration(v)),
      identities: this.identities(),
      findings: this.findings(),
      hardware: this.hardware,
      tasks: this.taskSource(),
    };
  }

  /**
   * The snapshot a client asks for: the node's answers and the CPU/RSS figures brought up to
   * SNAPSHOT_FRESH_MS old first (within SNAPSHOT_WAIT_MS; else with what there is).
   */
  async freshSnapshot(): Promise<Snapshot> {
    const fresh = Promise.all([this.nodeSide?.fresh?.(SNAPSHOT_FRESH_MS), this.supervisor.freshUsage(SNAPSHOT_FRESH_MS)]).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SNAPSHOT_WAIT_MS);
      timer.unref();
    });
    await Promise.race([fresh, late]);
    clearTimeout(timer);
    return this.snapshot();
  }

  /** The services whose post-service is generating a proof now (stopping one loses its progress). */
  provingServices(): string[] {
    return this.supervisor.views().filter((v) => this.supervisor.isProving(v.name)).map((v) => v.name);
  }

  /** start | stop | restart for names (or all services). Stopping a proving service needs force. */
  async act(kind: "start" | "stop" | "restart", req: { names: string[]; all: boolean; force: boolean }): Promise<ActionResult> {
    const names = req.all ? this.supervisor.names() : req.names;
    const known = new Set(this.supervisor.names());
    const results = await Promise.all(
      names.map(async (name) => {
        // an unknown name: the supervisor's answer says so, and which names there are
        if (kind !== "start" && !req.force && this.supervisor.isProving(name)) {
          return { name, ok: false, message: `${name} is proving; ${kind === "stop" ? "stopping" : "restarting"} it now loses this proof's progress (use --force to do it anyway)` };
        }
        // the operator's own action: the proving orchestrator leaves the service to them, from before
        // the supervisor acts (a start shows the service running before it resolves: a tick of the
        // orchestrator in between stopped a service just started by hand, its identity IDLE)
        if (known.has(name)) this.emit("act", kind, [name]);
        const r = await this.supervisor[kind](name);
        return { name, ok: r.ok, message: r.message };
      }),
    );
    return { results };
  }

  /**
   * Applies a re-read config: services added, removed or changed take effect now (see
   * Supervisor.applyServices); node settings need a daemon restart and are reported as such.
   */
  async applyConfig(next: ResolvedConfig): Promise<{ ok: boolean; message: string }> {
    const nodeChanged = JSON.stringify(next.node) !== JSON.stringify(this.config.node) || next.stateDir !== this.config.stateDir;
    const r = await this.supervisor.applyServices(next);
    await Promise.all(r.removed.map((name) => this.logs.unfollow(name)));
    for (const name of r.added) this.logs.follow(name, this.supervisor.logFile(name));
    this.config = next;
    this.emit("config", next);
    this.send({ type: "snapshot", data: this.snapshot() });
    const parts = [
      r.added.length ? `added ${r.added.join(", ")}` : "",
      r.removed.length ? `removed ${r.removed.join(", ")}` : "",
      r.changed.length ? `changed ${r.changedHow}` : "",
    ].filter(Boolean);
    const message = (parts.length ? parts.join("; ") : "no service changes") +
      (nodeChanged ? "; node settings changed: restart the daemon for them (services keep running)" : "");
    return { ok: true, message };
  }

  /** Daemon shutdown: stop following, save state; services keep running unless stopServices. */
  async stop(o: { stopServices: boolean }): Promise<void> {
    await this.supervisor.shutdown(o);
    await this.logs.close();
  }
}
