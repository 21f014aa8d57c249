// NodeMonitor: the sources of node-side truth, each optional, joined per identity with findings.
// Sources: the identities dir (chokidar + periodic rescan), each service's PoS dir (metadata and
// init state), the node's JSON config, node gRPC (public/private/post listeners, EventsStream),
// and what the daemon feeds in: node-log lines, post-service log lines, the supervisor's service
// views, disk usage and the supervised node process. An unreachable source reports its error and
// leaves the others working. Emits 'node' | 'identities' | 'findings' (debounced, on change only).
import { EventEmitter } from "node:events";
import { promises as fs } from "node:fs";
import path from "node:path";
import chokidar, { type FSWatcher } from "chokidar";
import type { ResolvedConfig } from "../../config/schema.js";
import type { Finding, IdentityView, NodeView, ServiceState, ServiceView, SourceStatus } from "../../protocol/model.js";
import { readIdentitiesDir } from "./key-file.js";
import { METADATA_FILE, posDataState, readPosMetadata } from "./pos-metadata.js";
import { NODE_LISTENER_DEFAULTS, readNodeConfig, type NodeJsonConfig } from "./node-config.js";
import { dialTarget } from "./listen-address.js";
import {
  NodeGrpc,
  type NodeEvent,
  type NodeGrpcAddresses,
  type NodeGrpcClient,
  type NodeStatusInfo,
  type PostConfigInfo,
  type PostStateInfo,
} from "./node-grpc.js";
import { NodeLogTracker } from "./node-log-state.js";
import { IdentityStatesTracker, statesAddresses } from "./node-grpc-states.js";
import { applyServiceLogLines, emptyServiceLogFacts, type ServiceLogFacts } from "./service-log-state.js";
import { joinIdentities, type JoinInput, type KeyInput, type PosDirInput } from "./join.js";
import { attachFindings, computeFindings, diskFindings, type DiskUsage } from "./findings.js";
import { FEW_PEERS, type RigFindingsInput } from "./rig-findings.js";
import type { ClockView, IdentityTimeline } from "../../protocol/model.js";
import { buildClockView, timingFromView } from "./clock-view.js";
import { readClock } from "../../clock/epoch-clock.js";
import { clockSkewFinding } from "./node-signal-findings.js";
import { findingsEventKey, withNodeFigures } from "../../presentation/node-figure-findings.js";
import { IdentityHistory, type ProofRecord } from "../history/identity-history.js";
import { proofRecords, stepsFromSources } from "../history/steps.js";
import { buildTimeline, mergeSteps } from "../history/timeline.js";
import { sharedShortIds } from "./join.js";
import { postServiceArg } from "../supervisor/post-service-argv.js";
import { CostSpacing } from "../cost-spacing.js";

export interface ServiceDir {
  name: string;
  dir: string;
  operatorAddress: string | null;
}

export interface NodeProcessInfo {
  state: ServiceState;
  pid: number | null;
  restarts: number;
  startedAt: number | null;
}

export interface NodeMonitorOptions {
  config: ResolvedConfig;
  clock?: () => number;
  /** Status and PostStates poll interval (default 2000 ms). */
  pollMs?: number;
  /** SmesherIDs / PostConfig / Coinbase / Version and file rescans (default 30000 ms). */
  slowPollMs?: number;
  /**
   * Whether the node is wanted at the fast pace now (a client shows the node, a proof may start or
   * runs). While it says no, no identity is PROVING by the last PostStates and the cycle gap is
   * neither open nor within restPollMs by the epoch clock, the node is at rest: Status/PostStates
   * come every restPollMs and the slow poll's gRPC calls every restSlowPollMs, and anything that
   * says the node's answers may have changed (an AdminService event but for rewards, the stream
   * breaking, a node log line postdeck recognises, the supervised node's state) asks them at once,
   * then every pollMs for LIVELY_MS. Default: always.
   */
  pollUrgent?: () => boolean;
  /** Status and PostStates poll interval at rest (default REST_POLL_MS). */
  restPollMs?: number;
  /** The slow poll's gRPC calls at rest (default REST_SLOW_POLL_MS; its file rescans keep their pace). */
  restSlowPollMs?: number;
  /** Delay before recomputing after an input changed (default 150 ms). */
  debounceMs?: number;
  /** gRPC client factory (tests inject fakes); default: NodeGrpc. */
  grpcFactory?: (addresses: NodeGrpcAddresses) => NodeGrpcClient;
  /** Watch files with chokidar (default true); periodic rescans run either way. */
  watch?: boolean;
  /** Where the per-identity history is kept (the daemon's state dir); null/absent = in memory only. */
  historyDir?: string | null;
}

/**
 * Findings that depend on time alone (a service DoneProving for 30 s, a node starting for 90 s, a
 * warning ageing out) say when they change (FindingsInput.expires): the views are recomputed then.
 * Besides, at least this often although nothing changed, as a safety net (it was every 30 s for all
 * of them: ~19 ms at 64 identities, and the views it replaced were garbage for the old space).
 */
export const RECOMPUTE_IDLE_MS = 600_000;

/** Status/PostStates at rest (see pollUrgent): a node that stops is seen by its events stream at once. */
export const REST_POLL_MS = 60_000;
/** SmesherIDs / Coinbase / PostConfig / IsSmeshing / Version at rest: they change when the node restarts. */
export const REST_SLOW_POLL_MS = 300_000;
/** A sign of change asks the node this soon (signs coalesce), and no sooner than pollMs after the last poll. */
export const WAKE_MS = 200;
/** paceChanged() calls this close together are acted on once, this long after the first (polls are every pollMs). */
export const PACE_COALESCE_MS = 1000;
/** After a sign of change the node is asked every pollMs for this long (a restart, then PROVING, come in a burst). */
export const LIVELY_MS = 30_000;

/**
 * While chokidar watches the files (the identities dir, each PoS dir's metadata, the node config)
 * the slow poll re-reads them all only this often, as a safety net: every 30 s it read every key
 * file and listed every PoS dir (64 services: ~400 file operations for nothing at rest).
 */
export const WATCHED_RESCAN_MS = 300_000;
/** After an event on the node config or a metadata file, that long until they are read once more. */
export const SETTLE_REREAD_MS = 1000;

/** A value as text for "did it change" (Maps and Sets by their entries: JSON alone shows them as {}). */
function valueKey(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Map || x instanceof Set ? [...x] : x)) ?? "";
}

/** PostStates polls remembered for attributing log lines that name no identity. */
const PROVING_MEMORY_MS = 30_000;
/** A log line is attributed from PostStates polls this close before it (the node polls every 2 s). */
const ATTRIBUTE_BEFORE_MS = 10_000;

/** What the NodeMonitor emits, each with its one argument (Node's typed EventEmitter). */
export type NodeMonitorEvents = { node: [NodeView]; identities: [IdentityView[]]; findings: [Finding[]] };
export type NodeMonitorEvent = keyof NodeMonitorEvents;

const SOURCE_NAMES = ["identities", "pos-data", "node-config", "node-log", "grpc-public", "grpc-private", "grpc-post", "events"] as const;
type SourceName = (typeof SOURCE_NAMES)[number];

const MAX_EVENTS = 500;

/**
 * Events about rewards (eligibilities per epoch, a proposal per eligible layer) say nothing about
 * what Status and PostStates answer: recorded and recomputed for, but no sign that asks the node
 * (a node sends every identity's eligibilities at once when an epoch starts and when it syncs).
 */
const QUIET_EVENTS: ReadonlySet<string> = new Set(["eligibilities", "proposal"]);

export class NodeMonitor extends EventEmitter<NodeMonitorEvents> {
  private readonly config: ResolvedConfig;
  private readonly clock: () => number;
  private readonly pollMs: number;
  private readonly slowPollMs: number;
  private readonly restPollMs: number;
  private readonly restSlowPollMs: number;
  private readonly debounceMs: number;
  private readonly grpcFactory: (a: NodeGrpcAddresses) => NodeGrpcClient;
  private readonly watchFiles: boolean;

  private running = false;
  private stopped = false; // after stop(): late poll results no longer recompute
  /** The next Status/PostStates poll (armPoll: asleep until it is due). */
  private pollTimer: NodeJS.Timeout | null = null;
  /** The next slow poll or file rescan (armSlow). */
  private slowTimer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  /** The next recompute a time-dependent finding (or the safety net) asks for. */
  private due: NodeJS.Timeout | null = null;
  /** A sign that the node's answers may have changed: both polls soon (wake). */
  private wakeTimer: NodeJS.Timeout | null = null;
  private paceTimer: NodeJS.Timeout | null = null;
  private keysRescan: NodeJS.Timeout | null = null;
  private settleReread: NodeJS.Timeout | null = null;
  private readonly settleKinds = new Set<"node-config" | "pos-data">();
  private watcher: FSWatcher | null = null;
  private grpc: NodeGrpcClient | null = null;
  private grpcKey = "";
  private stopEvents: (() => void) | null = null;
  private polling = false;
  private slowPolling = false;
  private rescanning = false;

  private readonly sourceState = new Map<SourceName, SourceStatus>();
  private keys: KeyInput[] = [];
  private readonly firstSeen = new Map<string, number>();
  private identitiesDirMode: number | null = null;
  private posDirs = new Map<string, PosDirInput>(); // by service name
  private nodeConfig: NodeJsonConfig | null = null;
  private nodeConfigProblems: string[] = [];
  private status: NodeStatusInfo | null = null;
  private version: string | null = null;
  private epochSize: number | null = null;
  private postStates: PostStateInfo[] | null = null;
  private smesherIds: string[] | null = null;
  private coinbaseValue: string | null = null;
  private postConfigValue: PostConfigInfo | null = null;
  private events: NodeEvent[] = [];
  private readonly nodeLog = new NodeLogTracker();
  private nodeLogSeen = false;
  private readonly serviceLogs = new Map<string, ServiceLogFacts>();
  private services: ServiceView[] = [];
  private serviceDirs: ServiceDir[];
  private readonly doneSince = new Map<string, number>();
  private disk: DiskUsage[] = [];
  private nodeProcess: NodeProcessInfo | null = null;
  private findingsExtras: RigFindingsInput = {};
  private readonly history: IdentityHistory;
  private provingPolls: { at: number; proving: string[] }[] = [];
  private isSmeshingValue: boolean | null = null;
  private clockValue: ClockView | null = null;
  private lastProofs: Record<string, ProofRecord> = {};
  /** SmeshingIdentitiesService.States (node-split); log-derived steps stand alone while it is unimplemented. */
  private readonly identityStates = new IdentityStatesTracker();

  private nodeValue: NodeView;
  private identitiesValue: IdentityView[] = [];
  private findingsValue: Finding[] = [];
  private findingsText = "";
  private readonly lastKeys: Record<NodeMonitorEvent, string> = { node: "", identities: "", findings: "" };
  /** What the last gRPC poll returned (a poll that returns the same changes nothing but time: no recompute). */
  private pollKey = "";
  /** The last Status answer (its layers and peer count move the node view alone: refreshNode). */
  private statusKey = "";
  private postStatesKey = "";
  /** The clock-skew finding as of the last recompute (refreshNode recomputes when the node's layer changes it). */
  private skewKey = "";
  /** Each identity view's JSON → the view (a view that comes out the same keeps its object). */
  private viewsByKey = new Map<string, IdentityView>();
  private diskKey = "";
  private recomputedAt = 0;
  /** Spaces debounced recomputes by their cost (schedule()). */
  private readonly spacing: CostSpacing;
  /** The earliest time a finding that depends on time alone changes (Infinity: none does). */
  private expiresAt = Infinity;
  private polledAt = 0;
  private slowPolledAt = 0;
  /** Until when a sign of change keeps the node off rest. */
  private livelyUntil = 0;
  private filesReadAt = 0;
  private slowKey = "";

  constructor(private readonly opts: NodeMonitorOptions) {
    super();
    this.config = opts.config;
    this.clock = opts.clock ?? Date.now;
    this.spacing = new CostSpacing(this.clock);
    this.pollMs = opts.pollMs ?? 2000;
    this.slowPollMs = opts.slowPollMs ?? 30_000;
    this.restPollMs = opts.restPollMs ?? REST_POLL_MS;
    this.restSlowPollMs = opts.restSlowPollMs ?? REST_SLOW_POLL_MS;
    this.debounceMs = opts.debounceMs ?? 150;
    this.grpcFactory = opts.grpcFactory ?? ((a) => new NodeGrpc(a));
    this.watchFiles = opts.watch ?? true;
    this.history = new IdentityHistory(opts.historyDir ?? null);
    this.serviceDirs = opts.config.services.map((s) => ({ name: s.name, dir: s.dir, operatorAddress: s.operatorAddress }));
    for (const n of SOURCE_NAMES) this.sourceState.set(n, { name: n, live: false, error: null, updatedAt: null });
    if (!opts.config.node.config) this.setSource("node-config", false, "no node config in postdeck's config (node.config)");
    if (!opts.config.node.log.file && !opts.config.node.log.command)
      this.setSource("node-log", false, "no node log configured (node.log.file or node.log.command)");
    this.nodeValue = this.buildNode();
  }

  // ---- public API ------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    await this.readFiles();
    this.ensureGrpc();
    if (this.watchFiles) await this.startWatcher();
    void this.poll();
    void this.slowPoll(false);
    this.recompute();
  }

  /**
   * What pollUrgent reads may have changed (a client began or stopped showing the node, a service's
   * state, the identities): the polls' timers are armed again for the pace that holds now. Between
   * polls the monitor does nothing: each timer sleeps until its poll is due. Changes within
   * PACE_COALESCE_MS are looked at once (a start of 64 services made ~200, each asking pollUrgent).
   */
  paceChanged(): void {
    if (!this.running || this.paceTimer) return;
    this.paceTimer = setTimeout(() => {
      this.paceTimer = null;
      if (!this.running) return;
      this.armPoll();
      this.armSlow();
    }, PACE_COALESCE_MS);
    this.paceTimer.unref();
  }

  /**
   * The node's answers at most `maxAgeMs` old (a client asks for a snapshot; at rest the node is
   * asked only every restPollMs): Status and PostStates asked now when the last poll is older (a
   * poll under way is waited for), and a recompute they made due is done now.
   */
  async fresh(maxAgeMs: number): Promise<void> {
    if (!this.running || !this.grpc) return;
    if (this.polling) await this.pollRun;
    else if (this.clock() - this.polledAt >= maxAgeMs) await this.poll();
    if (this.debounce && !this.stopped) {
      clearTimeout(this.debounce);
      this.debounce = null;
      this.recompute();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    for (const t of [this.debounce, this.due, this.wakeTimer, this.pollTimer, this.slowTimer, this.paceTimer]) if (t) clearTimeout(t);
    this.debounce = this.due = this.wakeTimer = this.pollTimer = this.slowTimer = this.paceTimer = null;
    if (this.keysRescan) clearTimeout(this.keysRescan);
    this.keysRescan = null;
    if (this.settleReread) clearTimeout(this.settleReread);
    this.settleReread = null;
    this.stopEvents?.();
    this.stopEvents = null;
    this.grpc?.close();
    this.grpc = null;
    this.grpcKey = "";
    await this.watcher?.close();
    this.watcher = null;
    await this.history.flush();
  }

  /** Re-reads every file source, polls gRPC once and recomputes now (tests, `doctor`). */
  async refresh(): Promise<void> {
    await this.readFiles();
    this.ensureGrpc();
    await Promise.all([this.poll(), this.slowPoll(false)]);
    this.recompute();
  }

  /**
   * Node log lines (without newlines) in either encoder, in order. Only lines postdeck recognises
   * change anything (a busy node logs every layer): they recompute, and at rest ask the node anew.
   */
  ingestNodeLog(lines: string[]): void {
    if (lines.length === 0) return;
    const first = !this.nodeLogSeen || !this.sourceState.get("node-log")!.live;
    this.nodeLogSeen = true;
    const changed = this.nodeLog.ingest(lines, this.clock(), (at) => this.provingAt(at));
    this.setSource("node-log", true, null);
    if (changed || first) this.schedule();
    if (changed) this.wake();
  }

  /** A post-service's own log lines (env_logger format), in order. */
  ingestServiceLog(service: string, lines: string[]): void {
    let facts = this.serviceLogs.get(service);
    if (!facts) this.serviceLogs.set(service, (facts = emptyServiceLogFacts()));
    if (applyServiceLogLines(facts, lines, this.clock())) this.schedule();
  }

  /** The supervisor's views and the services' dirs (they may differ from the config after edits). */
  setServices(services: ServiceView[], serviceDirs: ServiceDir[]): void {
    const now = this.clock();
    for (const s of services) {
      if (s.operator.kind === "done") {
        if (!this.doneSince.has(s.name)) this.doneSince.set(s.name, now);
      } else this.doneSince.delete(s.name);
    }
    for (const name of [...this.doneSince.keys()]) if (!services.some((s) => s.name === name)) this.doneSince.delete(name);
    this.services = services;
    // only a name or a dir makes the PoS dirs worth reading again (not an operator address being
    // assigned: at a start of 64 services each one's re-read all 64 dirs, 4,096 file reads)
    const dirsKey = (d: ServiceDir[]) => JSON.stringify(d.map((x) => [x.name, x.dir]));
    const dirsChanged = dirsKey(serviceDirs) !== dirsKey(this.serviceDirs);
    this.serviceDirs = serviceDirs;
    if (dirsChanged) {
      void this.readPosDirs().then(() => this.schedule());
      if (this.watcher) this.watchPaths();
    }
    this.schedule();
  }

  /**
   * One service's view changed, not its name or dir (a state, a pid, an operator answer): the others
   * stay as they were (a start of 64 services made 64 views per change, ~200 changes). False when
   * the monitor knows no service of that name on that dir: setServices then.
   */
  setService(view: ServiceView): boolean {
    const i = this.services.findIndex((s) => s.name === view.name);
    if (i < 0 || this.serviceDirs.find((d) => d.name === view.name)?.dir !== view.dir) return false;
    if (view.operator.kind === "done") {
      if (!this.doneSince.has(view.name)) this.doneSince.set(view.name, this.clock());
    } else this.doneSince.delete(view.name);
    this.services = this.services.with(i, view);
    this.schedule();
    return true;
  }

  setDiskUsage(entries: DiskUsage[]): void {
    this.disk = entries;
    // a volume something writes to (logs, another program's files) changes at every sample; what the
    // rig shows of it are the free-space findings, near a limit only: recomputed when they change
    const key = JSON.stringify(diskFindings({ disk: entries, dataFolder: this.config.node.dataFolder, posDirs: [...this.posDirs.values()] }));
    if (key === this.diskKey) return;
    this.diskKey = key;
    this.schedule();
  }

  /** Inputs of findings the daemon gathers itself (node log file, former keys, alert sinks, needsService). */
  setFindingsExtras(extras: RigFindingsInput): void {
    const was = this.findingsExtras;
    this.findingsExtras = { ...was, ...extras };
    const keys = Object.keys(extras) as (keyof RigFindingsInput)[];
    if (keys.some((k) => valueKey(extras[k]) !== valueKey(was[k]))) this.schedule();
  }

  /** The node process when postdeck supervises it (its start time counts as the node's start). */
  setNodeProcess(p: NodeProcessInfo | null): void {
    const was = this.nodeProcess;
    this.nodeProcess = p;
    this.schedule();
    if (was?.state !== p?.state || was?.pid !== p?.pid) this.wake();
  }

  node(): NodeView {
    return this.nodeValue;
  }
  /** The epoch clock as last computed (null before the first computation). */
  clockView(): ClockView | null {
    return this.clockValue;
  }

  /** An identity's timeline, by key file (`post1.key` or `post1`) or service name; null when unknown. */
  timeline(name: string): IdentityTimeline | null {
    const id = this.identitiesValue.find((i) => i.keyFile === name || i.keyFile === `${name}.key` || (i.service !== null && i.service === name));
    if (!id) return null;
    const timing = this.clockValue ? timingFromView(this.clockValue) : null;
    return buildTimeline({ identity: id, steps: id.nodeId ? this.history.steps(id.nodeId) : [], timing, now: this.clock() });
  }

  /** Finished proofs of an identity with their figures, oldest first (see core/history). */
  proofHistory(keyFile: string): ProofRecord[] {
    return this.history.proofHistory(keyFile);
  }
  identities(): IdentityView[] {
    return this.identitiesValue;
  }
  /** The findings, with the words that name the node's figures (its layer, peers) as of now. */
  findings(): Finding[] {
    return withNodeFigures(this.findingsValue, this.nodeValue, this.clock());
  }
  sources(): SourceStatus[] {
    return SOURCE_NAMES.map((n) => ({ ...this.sourceState.get(n)! }));
  }
  postConfig(): PostConfigInfo | null {
    return this.postConfigValue;
  }
  nodeJsonConfig(): NodeJsonConfig | null {
    return this.nodeConfig;
  }

  /** Addresses used to dial the node: postdeck's config first, else the node's JSON config, else defaults. */
  grpcAddresses(): NodeGrpcAddresses {
    const g = this.config.node.grpc;
    const l = this.nodeConfig?.listeners;
    const tls = g.tls ?? null;
    // with mTLS the post channel goes to the node's grpc-tls-listener (it serves PostInfoService too)
    const post = g.post ?? (tls && l?.tls ? dialTarget(l.tls) : l?.post ? dialTarget(l.post) : null);
    const dialled = {
      public: g.public ?? dialTarget(l?.public ?? NODE_LISTENER_DEFAULTS.public),
      private: g.private ?? dialTarget(l?.private ?? NODE_LISTENER_DEFAULTS.private),
    };
    const states = statesAddresses(dialled, { private: l?.private ? dialTarget(l.private) : null, public: l?.public ? dialTarget(l.public) : null });
    return { ...dialled, post, tls, states };
  }

  /** The node gRPC client in use (e.g. for ActivationService.Highest when adding an identity). */
  grpcClient(): NodeGrpcClient {
    this.ensureGrpc();
    return this.grpc!;
  }

  // ---- sources ---------------------------------------------------------------------------

  private setSource(name: SourceName, live: boolean, error: string | null): void {
    this.sourceState.set(name, { name, live, error, updatedAt: live ? this.clock() : (this.sourceState.get(name)?.updatedAt ?? null) });
  }

  private async readFiles(): Promise<void> {
    this.filesReadAt = this.clock();
    await Promise.all([this.readKeys(), this.readPosDirs(), this.readNodeConfigFile()]);
  }

  private async readKeys(): Promise<void> {
    const dir = this.config.node.identitiesDir;
    try {
      const st = await fs.stat(dir);
      this.identitiesDirMode = st.mode & 0o777;
      const infos = await readIdentitiesDir(dir);
      const keys: KeyInput[] = [];
      for (const k of infos) {
        let appeared = Math.max(k.mtimeMs || 0, this.firstSeen.get(k.name) ?? 0);
        try {
          appeared = Math.max(appeared, (await fs.stat(k.path)).ctimeMs);
        } catch {
          /* gone meanwhile */
        }
        keys.push({ ...k, appearedAt: appeared || null });
      }
      this.keys = keys;
      this.setSource("identities", true, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.keys = [];
      this.identitiesDirMode = null;
      this.setSource("identities", false, code === "ENOENT" ? `${dir} does not exist` : `cannot read ${dir}: ${code ?? (err as Error).message}`);
    }
  }

  private async readPosDirs(): Promise<void> {
    const read = await Promise.all(
      this.serviceDirs.map(async (s): Promise<PosDirInput> => {
        const metadata = await readPosMetadata(s.dir);
        const data = metadata.ok ? await posDataState(s.dir, metadata.meta) : null;
        return { service: s.name, dir: s.dir, metadata, data };
      }),
    );
    const problems = read.flatMap((p) => (p.metadata && !p.metadata.ok ? [p.metadata.problem] : []));
    this.posDirs = new Map(read.map((p) => [p.service, p]));
    this.setSource("pos-data", problems.length === 0, problems[0] ?? null);
  }

  private async readNodeConfigFile(): Promise<void> {
    const file = this.config.node.config;
    if (!file) return;
    const r = await readNodeConfig(file);
    this.nodeConfig = r.config;
    this.nodeConfigProblems = r.problems;
    this.setSource("node-config", r.config !== null, r.problems[0] ?? null);
    if (this.running) this.ensureGrpc();
  }

  /** Starts watching; resolves once chokidar is ready (changes before that would be missed), or after 10 s. */
  private startWatcher(): Promise<void> {
    const w = chokidar.watch(this.watchedPaths(), { ignoreInitial: true, depth: 0 });
    this.watcher = w;
    w.on("all", (event, p) => void this.onFileEvent(event, p));
    // chokidar drops a `change` when only the mode changed (mtime unchanged, file read since): a chmod
    // of a key file is seen through the raw event of the identities dir.
    w.on("raw", (_event, _name, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (watched && path.resolve(watched) === path.resolve(this.config.node.identitiesDir)) this.rescanKeysSoon();
    });
    w.on("error", () => {
      /* the periodic rescan still covers the files */
    });
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 10_000);
      t.unref();
      w.once("ready", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private rescanKeysSoon(): void {
    if (this.keysRescan || !this.running) return;
    this.keysRescan = setTimeout(() => {
      this.keysRescan = null;
      if (!this.running) return;
      void this.readKeys().then(() => this.schedule());
    }, 50);
    this.keysRescan.unref();
  }

  private watchedPaths(): string[] {
    const paths = [this.config.node.identitiesDir, ...this.serviceDirs.map((s) => path.join(s.dir, METADATA_FILE))];
    if (this.config.node.config) paths.push(this.config.node.config);
    return paths;
  }

  private watchPaths(): void {
    this.watcher?.add(this.watchedPaths());
  }

  private async onFileEvent(event: string, p: string): Promise<void> {
    if (!this.running) return;
    const idDir = path.resolve(this.config.node.identitiesDir);
    const abs = path.resolve(p);
    if (abs === idDir || path.dirname(abs) === idDir) {
      if (event === "add") this.firstSeen.set(path.basename(abs), this.clock());
      if (event === "unlink") this.firstSeen.delete(path.basename(abs));
      await this.readKeys();
    } else if (this.config.node.config && abs === path.resolve(this.config.node.config)) {
      await this.readNodeConfigFile();
      this.rereadWhenSettled("node-config");
    } else if (path.basename(abs) === METADATA_FILE) {
      await this.readPosDirs();
      this.rereadWhenSettled("pos-data");
    }
    this.schedule();
  }

  /**
   * A file written in place (truncate, then write) wakes its watch twice within a few ms, and
   * chokidar drops a single file's second event inside 5 ms: the read at the first one may have
   * found the file empty or half written, and with the watcher on the next full read is minutes
   * away (WATCHED_RESCAN_MS). So the node config and the metadata files are read once more
   * SETTLE_REREAD_MS after the last event (one read of a few small files per edit).
   */
  private rereadWhenSettled(kind: "node-config" | "pos-data"): void {
    this.settleKinds.add(kind);
    if (this.settleReread) clearTimeout(this.settleReread);
    this.settleReread = setTimeout(() => {
      this.settleReread = null;
      const kinds = new Set(this.settleKinds);
      this.settleKinds.clear();
      if (!this.running) return;
      const reads: Promise<void>[] = [];
      if (kinds.has("node-config")) reads.push(this.readNodeConfigFile());
      if (kinds.has("pos-data")) reads.push(this.readPosDirs());
      void Promise.all(reads).then(() => this.schedule());
    }, SETTLE_REREAD_MS);
    this.settleReread.unref();
  }

  private ensureGrpc(): void {
    const addrs = this.grpcAddresses();
    const key = JSON.stringify(addrs);
    if (this.grpc && key === this.grpcKey) return;
    this.stopEvents?.();
    this.grpc?.close();
    this.grpcKey = key;
    this.grpc = this.grpcFactory(addrs);
    if (!addrs.post) this.setSource("grpc-post", false, "the node's post listener address is unknown: set node.grpc.post in postdeck's config or api.grpc-post-listener in the node config");
    if (this.running) {
      // an event (but for rewards), or the stream breaking or coming back while the node did not
      // answer (it stopped or started): at rest, the node is asked at once, not at the next rest poll
      this.stopEvents = this.grpc.followEvents(
        (e) => {
          this.events.push(e);
          if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
          this.setSource("events", true, null);
          this.schedule();
          if (!QUIET_EVENTS.has(e.kind)) this.wake();
        },
        (s) => {
          const was = this.sourceState.get("events")!;
          // a reconnect that failed as the last one did is no news (an absent node's stream fails
          // every backoff step, every 30 s for good: each was a recompute)
          if (was.live === s.live && was.error === s.error) return;
          this.setSource("events", s.live, s.error);
          this.schedule();
          // the stream going down, coming up while the node did not answer the polls (it is back),
          // or failing while it answered; not a node not reached yet failing again, nor the stream
          // of a node that answers coming up (the node sends its first event with the stream's
          // headers: a daemon started beside a running node polled every pollMs for LIVELY_MS then)
          if (was.live ? !s.live : s.live ? this.status === null : this.status !== null) this.wake();
        },
      );
    }
  }

  private async call<T>(source: SourceName, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    try {
      const value = await fn();
      this.setSource(source, true, null);
      return { ok: true, value };
    } catch (err) {
      this.setSource(source, false, (err as Error).message);
      return { ok: false };
    }
  }

  /** The poll under way (fresh() waits for it). */
  private pollRun: Promise<void> | null = null;

  private poll(): Promise<void> {
    if (this.polling || !this.grpc) return this.pollRun ?? Promise.resolve();
    this.pollRun = this.pollOnce(this.grpc).finally(() => this.armPoll());
    return this.pollRun;
  }

  /** When Status/PostStates are due next: pollMs after the last poll; at rest restPollMs after it, or when the rest ends by the epoch clock. */
  private nextPollAt(): number {
    const restEnds = this.restEndsAt();
    return restEnds === null ? this.polledAt + this.pollMs : Math.min(this.polledAt + this.restPollMs, restEnds);
  }

  /** Sleeps until the next poll is due (a poll under way arms it when it ends). */
  private armPoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    if (!this.running || this.polling || !this.grpc) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      // the pace may have changed since (the rest began): not due yet, asleep again
      if (this.nextPollAt() > this.clock()) this.armPoll();
      else void this.poll();
    }, Math.max(0, this.nextPollAt() - this.clock()));
    this.pollTimer.unref();
  }

  private async pollOnce(g: NodeGrpcClient): Promise<void> {
    this.polling = true;
    this.polledAt = this.clock();
    try {
      const addrs = this.grpcAddresses();
      const [st, ps] = await Promise.all([
        this.call("grpc-public", () => g.status()),
        addrs.post ? this.call("grpc-post", () => g.postStates()) : Promise.resolve({ ok: false as const }),
      ]);
      // an answer equal to the last one keeps the last one's objects (no garbage per poll at rest)
      const statusKey = st.ok ? JSON.stringify(st.value) : "null";
      const statusChanged = statusKey !== this.statusKey;
      if (statusChanged) this.status = st.ok ? st.value : null;
      if (st.ok && (this.version === null || this.epochSize === null)) await this.readNodeInfo(g);
      const postStatesKey = ps.ok ? JSON.stringify(ps.value) : "null";
      if (postStatesKey !== this.postStatesKey) this.postStates = ps.ok ? ps.value : null;
      const statesChanged = await this.identityStates.poll(g, this.clock());
      const now = this.clock();
      const proving = ps.ok ? ps.value.filter((x) => x.state === "PROVING").map((x) => x.nodeId) : [];
      // polls that saw nobody PROVING attribute nothing (provingAt): only the others are kept
      if (proving.length > 0) this.provingPolls.push({ at: now, proving });
      if (this.provingPolls.length > 0) this.provingPolls = this.provingPolls.filter((x) => now - x.at <= PROVING_MEMORY_MS);
      // the same answers (and errors) as the last poll change nothing: no recompute (findings that
      // depend on time alone ask for theirs). A synced, well-connected node's new layer or peer
      // count changes the node view only (identities and findings do not read them then)
      const errors = (["grpc-public", "grpc-post"] as const).map((n) => this.sourceState.get(n)!.error);
      const last = this.status;
      const settled = last !== null && last.synced && last.peers >= FEW_PEERS;
      const key = JSON.stringify([settled ? "settled" : statusKey, postStatesKey, errors, this.version, this.epochSize, this.identityStates.error]);
      if (statesChanged || key !== this.pollKey) this.schedule();
      else if (statusChanged) this.refreshNode();
      this.pollKey = key;
      this.statusKey = statusKey;
      this.postStatesKey = postStatesKey;
    } finally {
      this.polling = false;
    }
  }

  /**
   * Whether the node is at rest: pollUrgent says no, no identity is PROVING by the last PostStates,
   * and the epoch clock (from the node's config) has the cycle gap neither open nor due within
   * restPollMs. Its answers then cannot matter before the next rest poll, or a sign says otherwise.
   */
  private atRest(): boolean {
    return this.restEndsAt() !== null;
  }

  /** null: not at rest (see atRest); else when the rest ends by the epoch clock (restPollMs before the gap opens; Infinity without a clock). */
  private restEndsAt(): number | null {
    if (this.opts.pollUrgent?.() !== false) return null;
    const now = this.clock();
    if (now < this.livelyUntil || this.postStates?.some((p) => p.state === "PROVING")) return null;
    const c = this.clockValue;
    if (!c) return Infinity;
    const r = readClock(timingFromView(c), now);
    const ends = r.gap.opensAt - this.restPollMs;
    return !r.gapOpen && ends > now ? ends : null;
  }

  /** A sign that the node's answers may have changed: at rest, both polls soon (coalesced), then every pollMs for LIVELY_MS. */
  private wake(): void {
    if (!this.running) return;
    const resting = this.atRest();
    this.livelyUntil = this.clock() + LIVELY_MS;
    if (!resting || this.wakeTimer) return; // polled every pollMs already, or soon
    const signAt = this.clock();
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      if (!this.running) return;
      void this.poll();
      // (the slow timer's calls may have come due and been asked since the sign: they answer it)
      if (this.slowPolledAt < signAt) void this.slowPoll(false);
    }, Math.max(WAKE_MS, this.polledAt + this.pollMs - this.clock()));
    this.wakeTimer.unref();
  }

  private async readNodeInfo(g: NodeGrpcClient): Promise<void> {
    const [v, es] = await Promise.all([this.call("grpc-public", () => g.version()), this.call("grpc-public", () => g.epochSize())]);
    if (v.ok) this.version = v.value;
    if (es.ok) this.epochSize = es.value || null;
  }

  /** The next file rescan: slowPollMs after the last; with the watcher on (its events re-read what changed) a safety net every WATCHED_RESCAN_MS. */
  private filesDueAt(): number {
    return this.filesReadAt + (this.watcher === null ? this.slowPollMs : WATCHED_RESCAN_MS);
  }

  /** The slow poll's gRPC calls: slowPollMs after the last, at rest restSlowPollMs (Infinity without a client). */
  private askDueAt(): number {
    if (this.grpc === null) return Infinity;
    return this.slowPolledAt + (this.atRest() ? this.restSlowPollMs : this.slowPollMs);
  }

  /** Sleeps until the slow poll's calls or the file rescan are due. */
  private armSlow(): void {
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.slowTimer = null;
    if (!this.running) return;
    // a part under way arms the timer again when it ends (a rescan stuck on a dead disk is no due rescan)
    const at = Math.min(this.rescanning ? Infinity : this.filesDueAt(), this.slowPolling ? Infinity : this.askDueAt());
    if (at === Infinity) return;
    this.slowTimer = setTimeout(() => {
      this.slowTimer = null;
      void this.slowPoll();
    }, Math.max(0, at - this.clock()));
    this.slowTimer.unref();
  }

  /** periodic: the slow timer's (files rescanned when due; gRPC when due, at rest every restSlowPollMs only). */
  private async slowPoll(periodic = true): Promise<void> {
    // the file rescan and the gRPC calls each at most once at a time (a slow disk holds back neither)
    const now = this.clock();
    const readFiles = periodic && !this.rescanning && now >= this.filesDueAt();
    const g = this.grpc;
    const ask = g !== null && !this.slowPolling && (!periodic || now >= this.askDueAt());
    if (!readFiles && !ask) return this.armSlow();
    // each flag is released when its own part ends: a rescan on a slow disk does not make a sign's
    // gRPC poll meanwhile look like one already under way (it was skipped)
    if (readFiles) this.rescanning = true;
    if (ask) this.slowPolling = true;
    const parts = Promise.all([
      readFiles ? this.readFiles().finally(() => ((this.rescanning = false), this.armSlow())) : null,
      ask ? this.askSlow(g).finally(() => ((this.slowPolling = false), this.armSlow())) : null,
    ]);
    this.armSlow(); // the other part's next time (this one's is armed when it ends)
    await parts;
    // answers as the last time (and no files re-read): nothing to recompute
    const key = valueKey([this.smesherIds, this.isSmeshingValue, this.coinbaseValue, this.postConfigValue, this.version, this.epochSize, this.sourceState.get("grpc-private")!.error]);
    if (readFiles || key !== this.slowKey) this.schedule();
    this.slowKey = key;
  }

  /** The slow poll's gRPC calls: SmesherIDs, Coinbase, PostConfig, IsSmeshing (and NodeInfo). */
  private async askSlow(g: NodeGrpcClient): Promise<void> {
    this.slowPolledAt = this.clock();
    const [ids, cb, pc] = await Promise.all([
      this.call("grpc-private", () => g.smesherIds()),
      this.call("grpc-private", () => g.coinbase()),
      this.call("grpc-private", () => g.postConfig()),
    ]);
    this.smesherIds = ids.ok ? ids.value : null;
    if (g.isSmeshing) {
      try {
        this.isSmeshingValue = await g.isSmeshing();
      } catch {
        this.isSmeshingValue = null; // a remote node may not answer it: other signals decide
      }
    }
    this.coinbaseValue = cb.ok ? cb.value : null;
    if (pc.ok) this.postConfigValue = pc.value;
    if (this.sourceState.get("grpc-public")!.live) await this.readNodeInfo(g);
  }

  // ---- model -----------------------------------------------------------------------------

  private schedule(): void {
    if (this.debounce || this.stopped) return;
    // changes that keep coming (a start of 64 services: ~200 in a few seconds) are recomputed for at
    // most about 1/RECOMPUTE_COST_SHARE of the time (cost-spacing.ts)
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.spacing.run(() => this.recompute());
    }, this.spacing.delay(this.debounceMs));
    this.debounce.unref();
  }

  private nodeStartedAt(): number | null {
    const a = this.nodeProcess?.startedAt ?? null;
    const b = this.nodeLog.facts.startedAt;
    if (a === null) return b;
    if (b === null) return a;
    return Math.max(a, b);
  }

  /**
   * The one identity PostStates showed PROVING around `at` (polls up to 10 s before it), or null
   * when none or several were: a log line that names nobody is then not attributed.
   */
  private provingAt(at: number): string | null {
    const polls = this.provingPolls.filter((p) => p.at <= at + 3000 && at - p.at <= ATTRIBUTE_BEFORE_MS);
    const ids = new Set(polls.flatMap((p) => p.proving));
    return polls.length > 0 && ids.size === 1 ? [...ids][0]! : null;
  }

  private buildClock(now: number): ClockView {
    const s = this.status;
    return buildClockView({
      nodeConfigFile: this.config.node.config,
      nodeConfig: this.nodeConfig,
      nodeLayer: s ? s.topLayer : null,
      nodeSynced: s ? s.synced : null,
      nodeLayersPerEpoch: this.epochSize,
      now,
    });
  }

  /** Records each identity's steps and proofs in the history; returns the last proof per key file. */
  private updateHistory(identities: IdentityView[], clock: ClockView): Record<string, ProofRecord> {
    const timing = timingFromView(clock);
    const shared = sharedShortIds(this.keys);
    const last: Record<string, ProofRecord> = {};
    for (const id of identities) {
      if (!id.nodeId) continue;
      const serviceProofs = id.service ? (this.serviceLogs.get(id.service)?.proofs ?? []) : [];
      const steps = stepsFromSources({
        nodeId: id.nodeId,
        shortIdShared: shared.has(id.nodeId.slice(0, 6)),
        nodeLog: this.nodeLogSeen ? this.nodeLog.facts : null,
        events: this.events,
        serviceProofs,
        timing,
        identityStates: this.identityStates.forIdentity(id.nodeId),
      });
      this.history.addSteps(id.nodeId, id.keyFile, steps);
      this.history.addProofs(id.nodeId, id.keyFile, proofRecords(mergeSteps(steps), serviceProofs, timing));
      const proofs = this.history.proofs(id.nodeId);
      if (proofs.length > 0) last[id.keyFile] = proofs[proofs.length - 1]!;
    }
    return last;
  }

  private buildNode(): NodeView {
    const s = this.status;
    return {
      reachable: s !== null,
      synced: s ? s.synced : null,
      syncedLayer: s ? s.syncedLayer : null,
      topLayer: s ? s.topLayer : null,
      epoch: s && this.epochSize ? Math.floor(s.topLayer / this.epochSize) : null,
      peers: s ? s.peers : null,
      version: this.version,
      startedAt: this.nodeStartedAt(),
      supervised: this.nodeProcess
        ? { state: this.nodeProcess.state, pid: this.nodeProcess.pid, restarts: this.nodeProcess.restarts }
        : null,
      sources: this.sources(),
      clock: this.clockValue,
    };
  }

  /** Recomputes the views from the current inputs and emits what changed. */
  recompute(): void {
    const now = this.clock();
    this.recomputedAt = now;
    const join: JoinInput = {
      now,
      keys: this.keys,
      posDirs: [...this.posDirs.values()],
      services: this.services,
      postStates: this.postStates,
      smesherIds: this.smesherIds,
      nodeLog: this.nodeLogSeen ? this.nodeLog.facts : null,
      serviceLogs: Object.fromEntries(this.serviceLogs),
      events: this.events,
      nodeStartedAt: this.nodeStartedAt(),
      isSmeshing: this.isSmeshingValue,
      identityStates: this.identityStates.available ? this.identityStates.latest() : null,
    };
    const joined = joinIdentities(join);
    this.clockValue = this.buildClock(now);
    this.lastProofs = this.updateHistory(joined, this.clockValue);
    const postAddress = this.config.node.grpc.post;
    let expiresAt = Infinity;
    const findings = computeFindings({
      ...join,
      ...this.findingsExtras,
      clock: this.clockValue,
      lastProofs: this.lastProofs,
      nodeProcess: this.nodeProcess,
      nodeStatus: this.status,
      sources: this.sources(),
      identities: joined,
      identitiesDir: this.config.node.identitiesDir,
      identitiesDirMode: this.identitiesDirMode,
      dataFolder: this.config.node.dataFolder,
      nodeConfig: this.nodeConfig,
      nodeConfigProblems: this.nodeConfigProblems,
      coinbase: this.coinbaseValue,
      postAddresses: this.serviceDirs.map((d) => {
        const fromArgv = postServiceArg(this.services.find((s) => s.name === d.name)?.argv ?? [], "--address");
        return { service: d.name, address: fromArgv ?? postAddress ?? "" };
      }).filter((a) => a.address !== ""),
      disk: this.disk,
      doneSince: Object.fromEntries(this.doneSince),
      nodeReachable: this.status !== null,
      expires: (at) => void (expiresAt = Math.min(expiresAt, at)),
      postListenerProblem:
        this.status !== null && this.grpcAddresses().post !== null && !this.sourceState.get("grpc-post")!.live
          ? this.sourceState.get("grpc-post")!.error
          : null,
    });
    this.expiresAt = expiresAt;
    this.skewKey = this.skewKeyAt(now);
    // what setDiskUsage compares a new sample's with (the PoS dirs may have changed since its last)
    this.diskKey = JSON.stringify(diskFindings({ disk: this.disk, dataFolder: this.config.node.dataFolder, posDirs: join.posDirs }));
    this.armDue();
    // views that come out as before keep their objects (the old ones are long-lived: replacing
    // them every recompute promoted garbage to the old space)
    const views = attachFindings(joined, findings);
    const viewKeys = views.map((v) => JSON.stringify(v));
    const byKey = new Map<string, IdentityView>();
    const kept = views.map((v, i) => {
      const old = this.viewsByKey.get(viewKeys[i]!) ?? v;
      byKey.set(viewKeys[i]!, old);
      return old;
    });
    this.viewsByKey = byKey;
    const identitiesKey = `[${viewKeys.join(",")}]`;
    if (identitiesKey !== this.lastKeys.identities) this.identitiesValue = kept;
    // findings() has the latest words; the event goes out when a client's view of them changes
    // (not when only the node figures some name move: the node event brings those)
    const findingsText = JSON.stringify(findings);
    if (findingsText !== this.findingsText) [this.findingsText, this.findingsValue] = [findingsText, findings];
    this.nodeValue = this.buildNode();
    this.emitKeyed("identities", identitiesKey, this.identitiesValue);
    this.emitKeyed("findings", findingsEventKey(findings), this.findingsValue);
    this.emitNode();
  }

  /** The next recompute: when a time-dependent finding changes, at the latest RECOMPUTE_IDLE_MS on. */
  private armDue(): void {
    if (this.due) clearTimeout(this.due);
    this.due = null;
    if (!this.running) return;
    const at = Math.min(this.expiresAt, this.recomputedAt + RECOMPUTE_IDLE_MS);
    this.due = setTimeout(() => {
      this.due = null;
      this.schedule();
    }, Math.max(0, at - this.clock()));
    this.due.unref();
  }

  /**
   * The node view (and the epoch clock) again from the last Status: a new layer or peer count alone.
   * When the clock-skew finding appears, goes or changes but for the layers it names, everything is
   * recomputed (findings() words the layers from the node view).
   */
  private refreshNode(): void {
    const now = this.clock();
    this.clockValue = this.buildClock(now);
    if (this.skewKeyAt(now) !== this.skewKey) this.schedule();
    this.nodeValue = this.buildNode();
    this.emitNode();
  }

  /** The clock-skew finding at `now` but for the layers it names (findings() words those from the node view). */
  private skewKeyAt(now: number): string {
    const skew = clockSkewFinding({ clock: this.clockValue, nodeStatus: this.status, now });
    return skew ? findingsEventKey([skew]) : "";
  }

  private emitNode(): void {
    const nodeKey = { ...this.nodeValue, sources: this.nodeValue.sources.map((s) => ({ ...s, updatedAt: null })) };
    this.emitIfChanged("node", nodeKey, this.nodeValue);
  }

  private emitIfChanged<E extends NodeMonitorEvent>(event: E, keyValue: unknown, value: NodeMonitorEvents[E][0]): void {
    this.emitKeyed(event, JSON.stringify(keyValue), value);
  }

  private emitKeyed<E extends NodeMonitorEvent>(event: E, key: string, value: NodeMonitorEvents[E][0]): void {
    if (key === this.lastKeys[event]) return;
    this.lastKeys[event] = key;
    (this.emit as (e: E, v: NodeMonitorEvents[E][0]) => boolean)(event, value);
  }
}
