// An in-memory DaemonClient for console tests: records every call, answers from handlers,
// and lets the test push events and connection states.
import type { ConnectionState, DaemonClient, DaemonEvent, SubscribeOptions } from "../../src/client/types.js";
import type { RouteKey, RouteRequest, RouteResponse } from "../../src/protocol/api.js";
import type { LogLine, Snapshot, TaskView } from "../../src/protocol/model.js";

export interface Call {
  route: RouteKey;
  body: unknown;
}

/** Answers route K as the daemon would (a changed route schema breaks the fake too). */
type Handlers = { [K in RouteKey]?: (body: RouteRequest<K>) => RouteResponse<K> | Promise<RouteResponse<K>> };

export class FakeClient implements DaemonClient {
  readonly calls: Call[] = [];
  readonly handlers: Handlers = {};
  private listeners: { onEvent: (e: DaemonEvent) => void; onState?: (s: ConnectionState) => void }[] = [];
  /** The options of every subscribe call, in order. */
  readonly subscribeOptions: (SubscribeOptions | undefined)[] = [];
  closed = false;
  readonly tasks = new Map<string, TaskView>(); // the tasks emitted so far, by id

  constructor(
    private snapshot: Snapshot | null,
    private readonly history: Record<string, LogLine[]> = {},
  ) {
    this.handlers.logs = ({ source, lines = 200 }) => ({ lines: (this.history[source] ?? []).slice(-lines) });
    const ok = ({ names = [], all = false }: RouteRequest<"start">) => {
      const list = all ? (this.snapshot?.services.map((s) => s.name) ?? []) : names;
      return { results: list.map((name) => ({ name, ok: true, message: "done" })) };
    };
    this.handlers.start = ok;
    this.handlers.stop = ok;
    this.handlers.restart = ok;
    this.handlers.doctor = () => ({ findings: this.snapshot?.findings ?? [] });
    this.handlers.reload = () => ({ ok: true, message: "config reloaded" });
    // identity lifecycle: plausible answers; tests replace them to refuse or to plan otherwise
    this.handlers.providers = () => ({
      providers: this.snapshot?.hardware?.providers ?? [],
      source: this.snapshot?.hardware?.providersSource ?? "none",
      error: null,
    });
    // 4 units of the demo geometry on a 100 GiB volume, half full: nothing against it
    this.handlers.identityAddCheck = ({ dir, units, labelsPerUnit = 4294967296 }) => ({
      dir,
      sizeBytes: units * labelsPerUnit * 16,
      needBytes: units * labelsPerUnit * 16,
      freeBytes: 50 * 2 ** 30,
      totalBytes: 100 * 2 ** 30,
      problems: [],
      warnings: [],
    });
    this.handlers.identityAdd = ({ name }) => ({ task: this.task({ id: `add-${name}`, name }) });
    this.handlers.taskCancel = ({ id }) => {
      return { task: this.task({ ...this.tasks.get(id), id, state: "cancelled", message: "cancelled; the PoS data written so far is kept" }) };
    };
    this.handlers.identityRollback = () => ({ batch: null, steps: [] });
    this.handlers.identityRetire = ({ name }) => ({ ok: true, message: `key moved to identities/retired/${name}; PoS data kept` });
    this.handlers.identityRename = ({ to }) => ({ ok: true, message: `renamed to identities/${to}.key` });
    this.handlers.identityPermissions = () => ({ problems: [] });
  }

  /** A task view with defaults (running, nothing written yet). */
  task(t: Partial<TaskView>): TaskView {
    return {
      id: "add-x",
      kind: "identity-add",
      name: "x",
      state: "running",
      startedAt: 0,
      bytesDone: 0,
      bytesTotal: null,
      rateBytesPerSec: null,
      etaSeconds: null,
      message: "starting postcli",
      ...t,
    };
  }

  /** Pushes a task event, as the daemon does while an init runs. */
  emitTask(t: Partial<TaskView>): void {
    const task = this.task(t);
    this.tasks.set(task.id, task);
    this.emit({ type: "task", data: task });
  }

  /** Calls to one route, bodies only. */
  bodies(route: RouteKey): unknown[] {
    return this.calls.filter((c) => c.route === route).map((c) => c.body);
  }

  async call<K extends RouteKey>(route: K, body: RouteRequest<K>): Promise<RouteResponse<K>> {
    this.calls.push({ route, body });
    const h: Handlers[K] = this.handlers[route];
    if (!h) throw new Error(`no handler for ${route}`);
    return h(body);
  }

  /** Calls other than the log backfill the console makes on attach. */
  actionCalls(): Call[] {
    return this.calls.filter((c) => c.route !== "logs");
  }

  subscribe(onEvent: (e: DaemonEvent) => void, onState?: (s: ConnectionState) => void, o?: SubscribeOptions): () => void {
    this.subscribeOptions.push(o);
    const l = { onEvent, onState };
    this.listeners.push(l);
    if (this.snapshot) {
      onState?.({ kind: "connected" });
      onEvent({ type: "snapshot", data: this.snapshot });
    } else onState?.({ kind: "connecting" });
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  emit(e: DaemonEvent): void {
    if (e.type === "snapshot") this.snapshot = e.data;
    for (const l of this.listeners) l.onEvent(e);
  }

  setState(s: ConnectionState): void {
    for (const l of this.listeners) l.onState?.(s);
  }

  get subscribers(): number {
    return this.listeners.length;
  }

  close(): void {
    this.closed = true;
  }
}
