// The supervisor: one ManagedProcess per configured post-service (and one for the node when
// postdeck supervises it), their state file, operator API polling, resource sampling and log
// rotation. Headless: emits "service" (ServiceView) and "node" (NodeView["supervised"]) events.
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { ResolvedConfig, ResolvedService } from "../../config/schema.js";
import { RestartSchema } from "../../config/schema.js";
import type { NodeView, OperatorStatus, ServiceView } from "../../protocol/model.js";
import { posSizeBytes, readPosMetadata, type PosMetadata } from "../spacemesh/pos-metadata.js";
import { LogSizeGuard } from "../logs/size-guard.js";
import { faultPoint } from "../../fs/fault-point.js";
import { resolveExecutable } from "./executable.js";
import { freeLoopbackPort } from "./free-port.js";
import { ManagedProcess, type ActionOutcome, type PrepareResult } from "./managed-process.js";
import { fetchOperatorStatus, OPERATOR_POLL, operatorNextPollAt, type OperatorPace, type OperatorPollIntervals } from "./operator-status.js";
import { buildPostServiceArgs, NODE_POST_UNSET, postServiceArg } from "./post-service-argv.js";
import { preflightPostService } from "./preflight.js";
import { spawnTurn, type Spawner } from "./spawn-detached.js";
import { loadStateFile, StateWriter, type StateFile } from "./state-file.js";
import { findProcessesWithArgPair, type KnownProcess } from "./proc-stat.js";

export type ProcessUsage = { cpuPercent: number; rssBytes: number };
export type ProcessSampler = (pids: number[]) => Promise<Map<number, ProcessUsage>>;
export const noProcessSampler: ProcessSampler = async () => new Map();

export const NODE_SOURCE = "node";
/** How old a full /proc scan a look for a process on a service's dir may reuse during a start burst. */
export const BURST_SCAN_REUSE_MS = 2000;
/**
 * At most this many /status asks leave in one turn of the event loop; the others due with them
 * leave in the turns that follow. Asks due together (64 services while the gap is open, or warming
 * up after a start) went out in one turn, and their answers came back together: ~0.5 ms of CPU
 * each, up to 40 ms in one turn.
 */
export const OPERATOR_ASKS_PER_TURN = 8;
/**
 * A run this supervisor has just spawned is first asked this long after its start, not at once: a
 * program exec'd a moment ago does not listen yet (at a start of 64 services, 80-105 of the first
 * ~150 asks were refused, each a connection and an error for nothing).
 */
export const OPERATOR_FIRST_ASK_MS = 1000;

export interface SupervisorOptions {
  config: ResolvedConfig;
  /** Per-pid CPU%/RSS (src/core/hardware/process-usage.ts sampleProcesses); default: none. */
  processSampler?: ProcessSampler;
  spawner?: Spawner;
  now?: () => number;
  random?: () => number;
  envPath?: string;
  /**
   * Intervals (ms); tests may shorten them. rotate: how often a quiet log file's size is checked (at
   * most every 200 ms; a growing one: every 10 ms). sample: CPU/RSS while a client watches the
   * services (watchUsage); while none does they are read only when a snapshot asks (freshUsage).
   */
  intervals?: Partial<{ adoptPoll: number; operatorPoll: number; operatorSlowPoll: number; operatorRestPoll: number; sample: number; rotate: number }>;
  operatorTimeoutMs?: number;
  /** One `GET /status` (tests count them); default fetchOperatorStatus. */
  fetchStatus?: typeof fetchOperatorStatus;
}

interface Entry {
  svc: ResolvedService;
  proc: ManagedProcess;
  operatorAddress: string | null;
  operator: OperatorStatus;
  meta: PosMetadata | null;
  usage: ProcessUsage | null;
  /** The usage the last "service" event of a sample carried. */
  usageSent: ProcessUsage | null;
  polling: boolean;
  polledAt: number | null; // last /status request (operatorPollDue)
}

/** What the Supervisor emits (Node's typed EventEmitter): a service's view, the supervised node's, a service dropped by a reload, a warning for the daemon log. */
export type SupervisorEvents = { service: [ServiceView]; node: [NodeView["supervised"]]; removed: [name: string]; warning: [message: string] };

export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly stateFile: string;
  readonly logDir: string;
  private readonly entries = new Map<string, Entry>();
  private node: ManagedProcess | null = null;
  private timers: NodeJS.Timeout[] = [];
  private saveQueued = false;
  private readonly writer: StateWriter;
  private closed = false;
  /** Post-services between their start and their spawn (preparePostService under way): a start burst while > 1. */
  private preparing = 0;
  /** One queue per service: start, stop and restart of one service never overlap. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private guard: LogSizeGuard | null = null;
  private readonly sampler: ProcessSampler;
  private readonly iv: { adoptPoll: number; operatorPoll: number; operatorSlowPoll: number; operatorRestPoll: number; sample: number; rotate: number };
  /** The operator poll's intervals (fixed: made once, not per service per tick). */
  private readonly operatorIntervals: OperatorPollIntervals;
  private usageWatchers = 0;
  private sampledAt: number | null = null;
  /** The CPU/RSS sample in progress (a snapshot that asks for one waits for it). */
  private sampling: Promise<void> | null = null;
  /** The CPU/RSS timer: on only while a client watches the services. */
  private sampleTimer: NodeJS.Timeout | null = null;
  /** The next look at which services' /status is due (set for the earliest; see scheduleOperators). */
  private operatorTimer: NodeJS.Timeout | null = null;
  private operatorTimerAt = Infinity;
  /** A look in the next turn is set (asks were left for it: OPERATOR_ASKS_PER_TURN). */
  private operatorsNextTurn: NodeJS.Immediate | null = null;
  /** The check of adopted processes (not our children: no exit event), on only while there are some. */
  private adoptTimer: NodeJS.Timeout | null = null;
  /** init() has set up its timers (before, a process adopted from the state file waits for them). */
  private ticking = false;

  constructor(readonly opts: SupervisorOptions) {
    super();
    const c = opts.config;
    this.stateFile = path.join(c.stateDir, "state.json");
    this.writer = new StateWriter(this.stateFile);
    this.logDir = path.join(c.stateDir, "logs");
    this.sampler = opts.processSampler ?? noProcessSampler;
    this.iv = { adoptPoll: 1000, operatorPoll: OPERATOR_POLL.fastMs, operatorSlowPoll: OPERATOR_POLL.slowMs, operatorRestPoll: OPERATOR_POLL.restMs, sample: 2000, rotate: 2000, ...opts.intervals };
    this.operatorIntervals = { fastMs: this.iv.operatorPoll, slowMs: this.iv.operatorSlowPoll, restMs: this.iv.operatorRestPoll, warmupMs: OPERATOR_POLL.warmupMs };
    for (const svc of c.services) this.addEntry(svc);
    if (c.node.log.command) {
      const cmd = c.node.log.command;
      const restart = RestartSchema.parse({ policy: "on-failure" });
      this.node = new ManagedProcess({
        name: NODE_SOURCE,
        logFile: this.logFile(NODE_SOURCE),
        restart,
        stopGraceS: Math.max(c.services[0]?.stopGraceS ?? 10, 30),
        spawner: opts.spawner,
        now: opts.now,
        random: opts.random,
        prepare: async () => {
          this.guard?.armBackstop(); // a child flooding from its first write meets the backstop's thread
          const exe = resolveExecutable(cmd[0]!, opts.envPath);
          if (!exe.ok) return { ok: false, reason: `node.log.command: ${exe.problem}` };
          await spawnTurn();
          return {
            ok: true,
            spec: { command: exe.path, args: cmd.slice(1), env: { ...process.env, ...c.node.log.env }, cwd: c.node.log.cwd },
          };
        },
      });
      this.node.on("spawned", () => this.saveNow()); // no look on a dir finds a node a killed daemon started: on disk at once
      this.node.on("change", () => {
        this.watchAdopted();
        this.queueSave();
        this.emit("node", this.supervisedNode());
      });
    }
  }

  private addEntry(svc: ResolvedService): Entry {
    const entry: Entry = {
      svc,
      operatorAddress: svc.operatorAddress,
      operator: { kind: "none" },
      meta: null,
      usage: null,
      usageSent: null,
      polling: false,
      polledAt: null,
      proc: undefined as unknown as ManagedProcess,
    };
    entry.proc = new ManagedProcess({
      name: svc.name,
      logFile: this.logFile(svc.name),
      restart: svc.restart,
      stopGraceS: svc.stopGraceS,
      spawner: this.opts.spawner,
      now: this.opts.now,
      random: this.opts.random,
      prepare: () => {
        this.preparing++;
        return this.preparePostService(entry).finally(() => this.preparing--);
      },
    });
    entry.proc.on("change", () => this.onServiceChange(entry));
    entry.proc.on("spawned", () => this.queueSave()); // its intent was on disk before the spawn (preparePostService)
    this.entries.set(svc.name, entry);
    return entry;
  }

  /**
   * Applies an edited config's services (identity add/import/retire/rename, or a reload): new
   * services are added (and started when autostart), removed ones are stopped and dropped, changed
   * ones take their restart settings now and the others at their next start. Returns what changed,
   * and when it applies (changedHow), for people.
   */
  async applyServices(config: ResolvedConfig): Promise<{ added: string[]; removed: string[]; changed: string[]; changedHow: string }> {
    const next = new Map(config.services.map((s) => [s.name, s]));
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const how: string[] = [];
    for (const [name, e] of [...this.entries]) {
      if (next.has(name)) continue;
      await this.serial(name, () => e.proc.stop());
      e.proc.detach();
      this.entries.delete(name);
      removed.push(name);
      this.emit("removed", name);
    }
    (this.opts as { config: ResolvedConfig }).config = config;
    for (const svc of config.services) {
      const e = this.entries.get(svc.name);
      if (e) {
        if (JSON.stringify(e.svc) !== JSON.stringify(svc)) {
          changed.push(svc.name);
          how.push(describeChange(e.svc, svc, e.proc.isActive()));
        }
        // restart settings govern the running process's next exit: applied now
        e.proc.updateSettings({ restart: svc.restart, stopGraceS: svc.stopGraceS });
        e.svc = svc;
        if (svc.operatorAddress) e.operatorAddress = svc.operatorAddress;
        continue;
      }
      const ne = this.addEntry(svc);
      added.push(svc.name);
      this.emit("service", this.viewOf(ne));
      if (svc.autostart) await this.serial(svc.name, () => ne.proc.start());
    }
    this.guard?.setLimits(config.logs.maxBytes, config.logs.keep);
    this.watchAdopted(); // a removed service may have been the last adopted one
    this.guard?.setFiles(this.logSources().map((s) => s.file));
    this.queueSave();
    return { added, removed, changed, changedHow: how.join("; ") };
  }

  /** Runs `op` after every earlier operation on this service has finished (one queue per service). */
  private serial<T>(name: string, op: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(name) ?? Promise.resolve();
    const run = prev.then(op, op);
    const tail = run.catch(() => undefined);
    this.queues.set(name, tail);
    void tail.then(() => {
      if (this.queues.get(name) === tail) this.queues.delete(name);
    });
    return run;
  }

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** Log sources postdeck writes: each service, plus "node" when it supervises the node. */
  logSources(): { source: string; file: string }[] {
    const out = [...this.entries.keys()].map((n) => ({ source: n, file: this.logFile(n) }));
    if (this.node) out.push({ source: NODE_SOURCE, file: this.logFile(NODE_SOURCE) });
    return out;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name) || (name === NODE_SOURCE && this.node !== null);
  }

  /** Loads the state file, re-adopts live processes (same pid and start time), then autostarts. */
  async init(): Promise<{ warnings: string[]; adopted: string[] }> {
    mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
    const { state, warning } = await loadStateFile(this.stateFile);
    this.writer.loaded(state);
    const warnings = warning ? [warning] : [];
    const adopted: string[] = [];
    const toStart: ManagedProcess[] = [];
    for (const e of this.entries.values()) {
      const rec = state.services[e.svc.name];
      if (rec) {
        if (!e.svc.operatorAddress && rec.operatorAddress) e.operatorAddress = rec.operatorAddress;
        if (e.proc.restore(rec)) {
          adopted.push(e.svc.name);
          // progress % needs the PoS size, which preflight would have read
          const m = await readPosMetadata(e.svc.dir);
          if (m.ok) e.meta = m.meta;
        }
        else if (rec.wanted) toStart.push(e.proc);
      } else if (e.svc.autostart) toStart.push(e.proc);
    }
    warnings.push(...(await this.stopRemovedWhileDown(state)));
    if (this.node) {
      const rec = state.services[NODE_SOURCE];
      if (rec && this.node.restore(rec)) adopted.push(NODE_SOURCE);
      else if (!rec || rec.wanted) toStart.push(this.node);
    }
    this.queueSave();
    this.ticking = true;
    this.watchAdopted();
    const { maxBytes, keep } = this.opts.config.logs;
    this.guard = new LogSizeGuard({
      maxBytes,
      keep,
      quietMs: Math.min(this.iv.rotate, 200),
      onError: (file, err) => this.emit("warning", `cannot rotate ${file}: ${err.message}`),
      onCut: (file, bytes) => this.emit("warning", `${path.basename(file)}: ${(bytes / (1 << 20)).toFixed(1)} MiB of log cut (written faster than it can be kept); see the first line of ${path.basename(file)}.1`),
    });
    this.guard.setFiles(this.logSources().map((s) => s.file));
    // its thread watching the files before anything is started (or the daemon answers): a child
    // flooding from its first write while this thread is busy starting things is cut by that one
    await this.guard.backstopReady();
    for (const t of this.timers) t.unref();
    this.watchSamples();
    await Promise.all(toStart.map((p) => this.serial(p.name, () => p.start())));
    await this.persist(); // every pid it started on disk before it says it is up
    this.pollOperators();
    return { warnings, adopted };
  }

  /**
   * Services in the state file that the config no longer has (removed while the daemon was down)
   * and whose process still runs: stopped, as a reload stops a removed service. Not when a
   * configured service has the same PoS dir (a rename): that one adopts the running process.
   */
  private async stopRemovedWhileDown(state: StateFile): Promise<string[]> {
    const dirs = new Set([...this.entries.values()].map((e) => path.resolve(e.svc.dir)));
    const said: string[] = [];
    for (const [name, rec] of Object.entries(state.services)) {
      if (name === NODE_SOURCE || this.entries.has(name)) continue;
      const dir = postServiceArg(rec.argv, "--dir");
      if (dir !== undefined && dirs.has(path.resolve(dir))) continue;
      const p = new ManagedProcess({
        name,
        logFile: this.logFile(name),
        restart: { ...RestartSchema.parse({}), policy: "never" },
        stopGraceS: Math.max(10, ...[...this.entries.values()].map((e) => e.svc.stopGraceS)),
        prepare: () => Promise.reject(new Error(`${name} is no longer configured`)),
      });
      if (!p.restore(rec)) continue;
      const poll = setInterval(() => p.checkAdopted(), this.iv.adoptPoll); // not our child: its exit is polled
      const r = await p.stop().finally(() => clearInterval(poll));
      p.detach();
      said.push(`${name} (pid ${rec.pid}) is no longer in the config: ${r.message}, as a reload would have`);
    }
    return said;
  }

  private async preparePostService(e: Entry): Promise<PrepareResult> {
    this.guard?.armBackstop(); // a child flooding from its first write meets the backstop's thread
    const c = this.opts.config;
    if (!c.node.grpc.post) return { ok: false as const, reason: NODE_POST_UNSET };
    const before = this.alreadyOnDir(e, c.node.grpc.post);
    if (before) return before;
    const pre = await preflightPostService(e.svc, c.services, c.node.identitiesDir, this.opts.envPath);
    if (!pre.ok) return pre;
    e.meta = pre.meta;
    if (!e.operatorAddress) {
      // assigned once and kept in the state file; never one another service is configured or assigned to use
      const taken = new Set([...this.entries.values()].map((x) => x.operatorAddress).filter((a): a is string => a !== null));
      let addr = "";
      for (let i = 0; i < 20 && (addr === "" || taken.has(addr)); i++) addr = `127.0.0.1:${await freeLoopbackPort()}`;
      e.operatorAddress = addr;
      this.queueSave();
    }
    const built = buildPostServiceArgs(e.svc, c.node.grpc.post, e.operatorAddress);
    if (!built.ok) return { ok: false as const, reason: built.problem };
    // a daemon killed once it is spawned, before its pid is written, must start it again (and so
    // find it on its dir and adopt it): the intent to run is on disk first
    if (!this.startsFromDisk(e)) await this.persist();
    // the checks above waited on the disk: look again, right before the spawn (in its turn: no await
    // between); a process started since the first look is seen even where a burst's scan is reused
    await spawnTurn();
    const after = this.alreadyOnDir(e, c.node.grpc.post);
    if (after) return after;
    return {
      ok: true as const,
      spec: { command: pre.binary, args: built.args, env: { ...process.env, ...e.svc.env } },
    };
  }

  /**
   * Never a duplicate: a post-service already running on this dir (e.g. started by a daemon that
   * was killed before it saved its state) is adopted if it is ours, refused otherwise. Null: none.
   */
  private alreadyOnDir(e: Entry, nodePost: string): PrepareResult | null {
    // in a start burst (other services between their start and their spawn) a full scan of up to
    // BURST_SCAN_REUSE_MS ago is reused: only the command lines of processes new since it are read
    // (and those of its matches, again), where a scan per look read every process's 64 times at a
    // start of 64; a lone start scans afresh (proc-stat.ts findProcessesWithArgPair)
    const reuseMs = this.preparing > 1 ? BURST_SCAN_REUSE_MS : 0;
    const running = findProcessesWithArgPair("--dir", e.svc.dir, undefined, { reuseMs, known: this.ownChildren() }).filter((p) => p.argv.includes("--address"));
    if (running.length === 0) return null;
    const p = running[0]!;
    const op = e.operatorAddress ?? postServiceArg(p.argv, "--operator-address");
    const built = op ? buildPostServiceArgs(e.svc, nodePost, op) : null;
    if (built?.ok && !e.operatorAddress) e.operatorAddress = op!;
    const ours = running.length === 1 && built?.ok === true && p.argv.slice(-built.args.length).join("\0") === built.args.join("\0");
    if (ours) return { ok: "adopt", pid: p.pid, startTime: p.startTime, argv: p.argv, note: `adopted the already running post-service on ${e.svc.dir} (pid ${p.pid})` };
    const pids = running.map((x) => x.pid).join(", ");
    return { ok: false, reason: `${running.length === 1 ? `another post-service (pid ${pids}) already runs` : `${running.length} post-services (pids ${pids}) already run`} on ${e.svc.dir}${running.length === 1 ? " with other settings" : ""}; stop ${running.length === 1 ? "it" : "them"} first (two post-services on one PoS dir are refused by the node)` };
  }

  /**
   * The processes this supervisor spawned and still tracks (not adopted ones: those are not its
   * children, their pids may be reused unseen), with what it exec'd: a look on a dir matches them on
   * these arguments instead of reading their command lines (proc-stat.ts KnownProcess).
   */
  private ownChildren(): Map<number, KnownProcess> {
    const own = new Map<number, KnownProcess>();
    for (const p of [...[...this.entries.values()].map((e) => e.proc), this.node]) {
      if (p && p.pid !== null && !p.adopted && p.startTime !== null) own.set(p.pid, { argv: p.argv, startTime: p.startTime });
    }
    return own;
  }

  private onServiceChange(e: Entry): void {
    this.watchAdopted();
    if (this.ticking) this.scheduleOperators(0); // a new run is asked (OPERATOR_FIRST_ASK_MS after its start if spawned here), a stopped one no more
    if (e.proc.state !== "running") {
      e.operator = { kind: "none" };
      e.usage = null;
      e.usageSent = null;
    }
    this.queueSave();
    this.emit("service", this.viewOf(e));
  }

  private viewOf(e: Entry): ServiceView {
    const p = e.proc;
    return {
      name: e.svc.name,
      dir: e.svc.dir,
      state: p.state,
      pid: p.pid,
      startedAt: p.startedAt,
      restarts: p.restarts,
      cpuPercent: e.usage?.cpuPercent ?? null,
      rssBytes: e.usage?.rssBytes ?? null,
      operatorAddress: e.operatorAddress,
      operator: e.operator,
      lastExit: p.lastExit,
      reason: p.reason,
      nextRestartAt: p.nextRestartAt,
      autostart: e.svc.autostart,
      restartPolicy: e.svc.restart.policy,
      argv: p.argv,
      logFile: this.logFile(e.svc.name),
      adopted: p.adopted,
      orchestration: null, // the rig overlays what its orchestrator is doing
    };
  }

  views(): ServiceView[] {
    return [...this.entries.values()].map((e) => this.viewOf(e));
  }

  view(name: string): ServiceView | null {
    const e = this.entries.get(name);
    return e ? this.viewOf(e) : null;
  }

  supervisedNode(): NodeView["supervised"] {
    if (!this.node) return null;
    return { state: this.node.state, pid: this.node.pid, restarts: this.node.restarts };
  }

  private proc(name: string): ManagedProcess | null {
    if (name === NODE_SOURCE) return this.node;
    return this.entries.get(name)?.proc ?? null;
  }

  private unknown(name: string): ActionOutcome {
    return { ok: false, message: `no service named '${name}' (configured: ${this.names().join(", ") || "none"})` };
  }

  async start(name: string): Promise<ActionOutcome> {
    const p = this.proc(name);
    if (!p) return this.unknown(name);
    const r = await this.serial(name, () => p.start());
    await this.persist(); // the pid on disk before the answer
    return r;
  }

  async stop(name: string): Promise<ActionOutcome> {
    const p = this.proc(name);
    if (!p) return this.unknown(name);
    const r = await this.serial(name, () => p.stop());
    await this.persist(); // stopped on disk before the answer: a daemon killed now does not start it again
    return r;
  }

  async restart(name: string): Promise<ActionOutcome> {
    const p = this.proc(name);
    if (!p) return this.unknown(name);
    return this.serial(name, async () => {
      // the intent is the end state: "running" is on disk before the stop, so a daemon killed
      // between the stop and the start starts it again
      p.wanted = true;
      await this.persist();
      await p.stop({ keepWanted: true });
      faultPoint("restart-after-stop");
      const r = await p.start();
      await this.persist();
      return r.ok ? { ok: true, message: `${name} restarted (pid ${p.pid})` } : r;
    });
  }

  /** Is any service in the middle of a proof (operator says Proving)? */
  anyProving(): boolean {
    for (const e of this.entries.values()) if (e.operator.kind === "proving") return true;
    return false;
  }

  /** Is this service in the middle of a proof (operator says Proving)? */
  isProving(name: string): boolean {
    return this.entries.get(name)?.operator.kind === "proving";
  }

  private pollAdopted(): void {
    for (const e of this.entries.values()) e.proc.checkAdopted();
    this.node?.checkAdopted();
  }

  /**
   * Adopted processes (re-adopted at a start, or found running on their dir) are not our children:
   * their exit is seen by checking /proc every adoptPoll ms. The timer runs only while there are
   * some: the children the daemon spawned report their exit themselves (an idle rig of its own
   * children woke the daemon every second to look at none).
   */
  private watchAdopted(): void {
    const any = this.node?.adopted === true || [...this.entries.values()].some((e) => e.proc.adopted);
    if (any && !this.adoptTimer && this.ticking && !this.closed) {
      this.adoptTimer = setInterval(() => this.pollAdopted(), this.iv.adoptPoll);
      this.adoptTimer.unref();
    } else if (!any && this.adoptTimer) {
      clearInterval(this.adoptTimer);
      this.adoptTimer = null;
    }
  }

  /**
   * Which services' /status can change now (node side: PROVING identities, the cycle gap); those
   * are asked every operatorPoll ms, the ones at rest (the node says IDLE, no gap) every
   * operatorRestPoll ms, the others every operatorSlowPoll ms (operator-status.ts operatorNextPollAt).
   * The node side calls operatorPaceChanged() when its word changes.
   */
  setOperatorUrgency(fn: () => OperatorPace): void {
    this.operatorUrgency = fn;
    this.operatorPaceChanged();
  }
  private operatorUrgency: () => OperatorPace = () => ({ urgent: new Set(), resting: new Set() });

  /** The node's word on its identities changed (PROVING, IDLE): the services it concerns are looked at now. */
  operatorPaceChanged(): void {
    if (this.ticking) this.scheduleOperators(0);
  }

  /**
   * Asks the services whose /status is due, then sets one timer for the next that will be (or
   * when the pace changes by time alone: the gap); none while no service runs. An idle rig's
   * services are next due in minutes: the daemon is not woken every 2 s to find none due (a
   * tick that found none allocated nothing, but each woke the process).
   */
  private pollOperators(): void {
    const now = (this.opts.now ?? Date.now)();
    let pace: OperatorPace | null = null;
    let next = Infinity;
    let asks = 0;
    let left = false; // due, left for the next turn
    for (const e of this.entries.values()) {
      if (e.proc.state !== "running" || !e.operatorAddress || e.polling) continue;
      pace ??= this.operatorUrgency();
      const startedAt = e.proc.startedAt;
      const polledAt = e.polledAt !== null && startedAt !== null && e.polledAt < startedAt ? null : e.polledAt; // a new run: ask at once…
      if (polledAt === null && startedAt !== null && !e.proc.adopted && now < startedAt + OPERATOR_FIRST_ASK_MS) {
        next = Math.min(next, startedAt + OPERATOR_FIRST_ASK_MS); // …or, spawned a moment ago, once it may listen
        continue;
      }
      const urgent = pace.urgent === "all" || pace.urgent.has(e.svc.name);
      const facts = { now, polledAt, startedAt, status: e.operator, urgent, resting: pace.resting.has(e.svc.name) };
      const at = operatorNextPollAt(facts, this.operatorIntervals);
      if (at - this.operatorIntervals.fastMs / 2 <= now) {
        if (asks === OPERATOR_ASKS_PER_TURN) {
          left = true;
          continue;
        }
        asks++;
        void this.pollOperator(e, e.operatorAddress, now);
        next = Math.min(next, operatorNextPollAt({ ...facts, polledAt: now }, this.operatorIntervals));
      } else next = Math.min(next, at);
    }
    if (pace?.until !== undefined && pace.until > now) next = Math.min(next, pace.until);
    this.operatorTimerAt = Infinity;
    if (Number.isFinite(next)) this.scheduleOperators(Math.max(next - now, this.iv.operatorPoll / 2));
    if (left && !this.operatorsNextTurn && !this.closed) {
      this.operatorsNextTurn = setImmediate(() => {
        this.operatorsNextTurn = null;
        if (!this.closed) this.pollOperators();
      });
    }
  }

  /** The next look in `ms` (an earlier one already set stands). */
  private scheduleOperators(ms: number): void {
    if (this.closed) return;
    const at = (this.opts.now ?? Date.now)() + ms;
    if (this.operatorTimer && this.operatorTimerAt <= at) return;
    if (this.operatorTimer) clearTimeout(this.operatorTimer);
    this.operatorTimerAt = at;
    this.operatorTimer = setTimeout(() => {
      this.operatorTimer = null;
      // asks left for the next turn: that turn asks what is due and sets this timer again (a timer
      // that came due first on a loaded machine asked another batch in the same stretch of the loop)
      if (!this.operatorsNextTurn) this.pollOperators();
    }, ms);
    this.operatorTimer.unref();
  }

  private async pollOperator(e: Entry, address: string, now: number): Promise<void> {
    e.polledAt = now;
    e.polling = true;
    // the run asked: a service restarted while the ask was in flight is another run (new pid),
    // and the old one's answer or refusal says nothing of it
    const { pid, startedAt } = e.proc;
    try {
      const posBytes = e.meta ? posSizeBytes(e.meta) : null;
      const s = await (this.opts.fetchStatus ?? fetchOperatorStatus)(address, { posBytes }, this.opts.operatorTimeoutMs ?? 1500);
      if (e.proc.state !== "running" || this.closed || e.proc.pid !== pid || e.proc.startedAt !== startedAt) return;
      if (JSON.stringify(s) !== JSON.stringify(e.operator)) {
        e.operator = s;
        this.emit("service", this.viewOf(e));
      }
    } finally {
      e.polling = false;
      // its next ask (an answer that says Proving is asked again soon)
      if (!this.closed && e.proc.state === "running") this.scheduleOperators(0);
    }
  }

  /**
   * A client shows the services' CPU/RSS: they are sampled every `sample` ms (at once now) until
   * the returned function is called. With nobody watching they are not read at all (nothing but
   * people reads them: 64 /proc reads every 30 s were for nobody); a snapshot asks for figures
   * (freshUsage), and the CPU % is then the average since the previous sample.
   */
  watchUsage(): () => void {
    this.usageWatchers++;
    this.watchSamples();
    let done = false;
    return () => {
      if (!done) {
        this.usageWatchers--;
        this.watchSamples();
      }
      done = true;
    };
  }

  /** The CPU/RSS timer runs while a client watches (and sampling has begun: init); its first watcher's sample is taken at once. */
  private watchSamples(): void {
    const on = this.usageWatchers > 0 && this.ticking && !this.closed;
    if (on && !this.sampleTimer) {
      this.sampleTimer = setInterval(() => void this.sample(true), this.iv.sample);
      this.sampleTimer.unref();
      void this.sample(true);
    } else if (!on && this.sampleTimer) {
      clearInterval(this.sampleTimer);
      this.sampleTimer = null;
    }
  }

  /**
   * CPU/RSS figures at most `maxAgeMs` old in the views (a snapshot is asked for): sampled now when
   * the last sample is older (or one under way is waited for). Emits no event.
   */
  async freshUsage(maxAgeMs: number): Promise<void> {
    if (this.sampling) return this.sampling;
    const now = (this.opts.now ?? Date.now)();
    if (this.closed || !this.ticking || (this.sampledAt !== null && now - this.sampledAt < maxAgeMs)) return;
    return this.sample(false);
  }

  /** announce: a client watches: changed figures are emitted. */
  private sample(announce: boolean): Promise<void> {
    if (this.sampling) return this.sampling;
    const run = this.sampleOnce(announce).finally(() => {
      this.sampling = null;
    });
    this.sampling = run;
    return run;
  }

  private async sampleOnce(announce: boolean): Promise<void> {
    this.sampledAt = (this.opts.now ?? Date.now)();
    const running = [...this.entries.values()].filter((e) => e.proc.pid !== null);
    if (running.length === 0) return;
    let m: Map<number, ProcessUsage>;
    try {
      m = await this.sampler(running.map((e) => e.proc.pid!));
    } catch {
      return;
    }
    for (const e of running) {
      const u = e.proc.pid !== null ? m.get(e.proc.pid) : undefined;
      if (!u) continue;
      e.usage = u;
      // compared with the figures last sent (unwatched samples in between were not)
      const prev = e.usageSent;
      if (announce && (!prev || Math.abs(prev.cpuPercent - u.cpuPercent) >= 0.5 || Math.abs(prev.rssBytes - u.rssBytes) >= 1 << 20)) {
        e.usageSent = u;
        this.emit("service", this.viewOf(e));
      }
    }
  }

  private snapshotState(): StateFile {
    const services: StateFile["services"] = {};
    for (const e of this.entries.values()) services[e.svc.name] = e.proc.record(e.operatorAddress);
    if (this.node) services[NODE_SOURCE] = this.node.record(null);
    return { version: 1, savedAt: Date.now(), services };
  }

  /**
   * Would a daemon started from the state file on disk start this service (or adopt it)? Its
   * record says it is wanted, or it has none and starts by itself; so says the write under way.
   */
  private startsFromDisk(e: Entry): boolean {
    const starts = (st: StateFile): boolean => {
      const rec = st.services[e.svc.name];
      return rec ? rec.wanted : e.svc.autostart;
    };
    const { onDisk, underWay } = this.writer;
    return onDisk !== null && starts(onDisk) && (underWay === null || starts(underWay));
  }

  /** Coalesces state writes: one per event-loop turn at most, and one at a time (StateWriter). */
  private queueSave(): void {
    if (this.saveQueued) return;
    this.saveQueued = true;
    setImmediate(() => {
      if (this.saveQueued) void this.persist();
    });
  }

  /** Writes the state as it is when the write begins (off the main thread); resolves once it is in place. */
  private async persist(): Promise<void> {
    this.saveQueued = false;
    const err = await this.writer.save(() => this.snapshotState());
    if (err) this.emit("warning", `cannot save ${this.stateFile}: ${err.message}`);
  }

  /** Writes the state file now, on this thread (right after the supervised node's spawn). */
  private saveNow(): void {
    this.saveQueued = false;
    try {
      this.writer.saveSync(this.snapshotState());
    } catch (err) {
      this.emit("warning", `cannot save ${this.stateFile}: ${(err as Error).message}`);
    }
  }

  /** Waits for pending state writes. */
  async flush(): Promise<void> {
    if (this.saveQueued) await this.persist();
    await this.writer.idle();
  }

  /** Daemon going away: services keep running unless stopServices. State is saved either way. */
  async shutdown(o: { stopServices: boolean }): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.operatorTimer) clearTimeout(this.operatorTimer);
    this.operatorTimer = null;
    if (this.operatorsNextTurn) clearImmediate(this.operatorsNextTurn);
    this.operatorsNextTurn = null;
    this.watchSamples();
    if (this.adoptTimer) clearInterval(this.adoptTimer);
    this.adoptTimer = null;
    if (o.stopServices) {
      // every service it owns, adopted ones included (their exit is polled by stop itself)
      await Promise.all([...this.entries.values()].map((e) => this.serial(e.svc.name, () => e.proc.stop())));
      const node = this.node;
      if (node) await this.serial(NODE_SOURCE, () => node.stop());
      // the user's stop is recorded as "wanted: false"; a later daemon wants them back if autostart
      for (const e of this.entries.values()) e.proc.wanted = e.svc.autostart;
      if (this.node) this.node.wanted = true;
    }
    for (const e of this.entries.values()) e.proc.detach();
    this.node?.detach();
    this.guard?.close();
    this.queueSave();
    await this.flush();
  }
}

/** What a reload changed in a service, and when it applies (restart settings: now). */
function describeChange(was: ResolvedService, now: ResolvedService, running: boolean): string {
  const keys = (Object.keys(now) as (keyof ResolvedService)[]).filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k]));
  const applied: (keyof ResolvedService)[] = ["restart", "stopGraceS"];
  const live = keys.filter((k) => applied.includes(k));
  const later = keys.filter((k) => !applied.includes(k) && k !== "name" && k !== "autostart");
  const parts = [];
  if (live.length) parts.push(`${live.join(", ")} applied now`);
  if (keys.includes("autostart")) parts.push("autostart applies when the daemon next starts");
  if (later.length) parts.push(`${later.join(", ")} ${running ? "apply when it is next started (restart it)" : "apply at its next start"}`);
  return `${now.name} (${parts.join("; ")})`;
}
