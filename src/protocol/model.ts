// The shared model: every view the daemon publishes and the client consumes.
// One zod definition, imported by both sides (daemon validates what it sends in tests,
// client validates what it receives).
import * as z from "zod";
import { RestartPolicySchema } from "./restart-policy.js";

export { RestartPolicySchema, type RestartPolicy } from "./restart-policy.js";

export const ServiceStateSchema = z.enum(["stopped", "starting", "running", "stopping", "backoff", "failed"]);
export type ServiceState = z.infer<typeof ServiceStateSchema>;

/** Result of polling a post-service's operator API (`GET /status`, docs/spacemesh-interfaces.md §1.2). */
export const OperatorStatusSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }), // not polled: service not running or no operator address
  z.object({ kind: z.literal("idle") }),
  z.object({
    kind: z.literal("proving"),
    nonces: z.object({ start: z.number(), end: z.number() }),
    position: z.number(),
    pass: z.number().int(), // nonces.start / noncesPerPass + 1
    percent: z.number().nullable(), // position / (NumUnits × LabelsPerUnit × 16); null when metadata unknown
  }),
  z.object({ kind: z.literal("done") }), // "DoneProving"
  z.object({ kind: z.literal("unreachable"), error: z.string() }),
]);
export type OperatorStatus = z.infer<typeof OperatorStatusSchema>;

export const ExitInfoSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  at: z.number(), // epoch ms
});
export type ExitInfo = z.infer<typeof ExitInfoSchema>;

/** What the proving orchestrator (on-demand mode) is doing with a service; null in `always` mode. */
export const OrchestrationViewSchema = z.object({
  // queued: its identity must prove but its disk or the RAM budget is taken; proving: started by the
  // orchestrator for a proof; idle: not needed now (stopped between proofs); hand: started or stopped by
  // the user, theirs until handed back
  state: z.enum(["queued", "proving", "idle", "hand"]),
  reason: z.string().nullable(), // for people: "disk sdb busy with post3", "taken by hand 12:04"
  since: z.number().nullable(), // epoch ms the state began
});
export type OrchestrationView = z.infer<typeof OrchestrationViewSchema>;

export const ServiceViewSchema = z.object({
  name: z.string(),
  dir: z.string(),
  state: ServiceStateSchema,
  pid: z.number().int().nullable(),
  startedAt: z.number().nullable(), // epoch ms of the current run
  restarts: z.number().int(),
  cpuPercent: z.number().nullable(),
  rssBytes: z.number().nullable(),
  operatorAddress: z.string().nullable(),
  operator: OperatorStatusSchema,
  lastExit: ExitInfoSchema.nullable(),
  reason: z.string().nullable(), // why failed / why in backoff, for people
  nextRestartAt: z.number().nullable(),
  autostart: z.boolean(),
  restartPolicy: RestartPolicySchema,
  argv: z.array(z.string()),
  logFile: z.string(),
  adopted: z.boolean(), // re-adopted from a previous daemon
  orchestration: OrchestrationViewSchema.nullable(),
});
export type ServiceView = z.infer<typeof ServiceViewSchema>;

export const SeveritySchema = z.enum(["error", "warning", "info"]);
export type Severity = z.infer<typeof SeveritySchema>;

export const FindingSchema = z.object({
  id: z.string(), // stable code, e.g. "proving-service-down"
  severity: SeveritySchema,
  subject: z.string().nullable(), // identity key file name or service name, null = rig-wide
  title: z.string(), // one line: what is wrong
  detail: z.string(), // where / evidence
  fix: z.string(), // what to do
});
export type Finding = z.infer<typeof FindingSchema>;

export const IdentityEventSchema = z.object({
  kind: z.string(), // post_start, post_complete, atx_published, registered_in_poet, registered, connected, ...
  at: z.number(),
  text: z.string(),
  failure: z.boolean().default(false),
});
export type IdentityEvent = z.infer<typeof IdentityEventSchema>;

export const IdentityViewSchema = z.object({
  keyFile: z.string(), // base name in identities/, e.g. post1.key
  path: z.string(),
  nodeId: z.string().nullable(), // 64 hex, null when the key file is unreadable/invalid
  shortId: z.string().nullable(), // first 6 hex, as the node logs it
  keyProblem: z.string().nullable(), // node's own wording of why it would refuse the key
  posDir: z.string().nullable(),
  units: z.number().int().nullable(),
  sizeBytes: z.number().nullable(), // NumUnits × LabelsPerUnit × 16
  initState: z.enum(["complete", "initialising", "missing", "unknown"]),
  service: z.string().nullable(),
  registered: z.enum(["yes", "not-yet", "restart-needed", "unknown"]),
  registeredAt: z.number().nullable(),
  postState: z.enum(["IDLE", "PROVING"]).nullable(),
  connected: z.boolean().nullable(),
  connectedAt: z.number().nullable(),
  events: z.array(IdentityEventSchema),
  findings: z.array(z.string()), // Finding ids that concern this identity
});
export type IdentityView = z.infer<typeof IdentityViewSchema>;

export const SourceStatusSchema = z.object({
  name: z.string(), // "identities", "node-log", "grpc-public", "grpc-private", "grpc-post", "node-config", "events"
  live: z.boolean(),
  error: z.string().nullable(),
  updatedAt: z.number().nullable(),
});
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

/** The epoch clock as the daemon reads it (src/clock): network timing, where it came from, and
 * the current/next cycle gap. Clients recompute countdowns from these numbers and their own time
 * (src/clock/epoch-clock.ts), so a view a minute old still counts down right. */
export const ClockViewSchema = z.object({
  source: z.enum(["node-config", "mainnet-fallback"]),
  notes: z.array(z.string()), // for people: keys that fell back to mainnet, node layer disagreeing, ...
  genesisMs: z.number(),
  layerMs: z.number(),
  layersPerEpoch: z.number().int(),
  phaseShiftMs: z.number(),
  cycleGapMs: z.number(),
  gracePeriodMs: z.number(),
  nodeLayer: z.number().int().nullable(), // NodeService.Status top layer when known
  skewLayers: z.number().int().nullable(), // nodeLayer − the clock's layer at the time it was read
});
export type ClockView = z.infer<typeof ClockViewSchema>;

export const NodeViewSchema = z.object({
  reachable: z.boolean(),
  synced: z.boolean().nullable(),
  syncedLayer: z.number().nullable(),
  topLayer: z.number().nullable(),
  epoch: z.number().nullable(),
  peers: z.number().nullable(),
  version: z.string().nullable(),
  startedAt: z.number().nullable(), // node start seen in its log / supervised start
  supervised: z
    .object({ state: ServiceStateSchema, pid: z.number().int().nullable(), restarts: z.number().int() })
    .nullable(),
  sources: z.array(SourceStatusSchema),
  clock: ClockViewSchema.nullable(), // null until the node's config (or the fallback) is read
});
export type NodeView = z.infer<typeof NodeViewSchema>;

export const VolumeSchema = z.object({
  mount: z.string(),
  device: z.string().nullable(),
  paths: z.array(z.string()), // PoS dirs / data folder on this volume
  totalBytes: z.number(),
  freeBytes: z.number(),
  readBytesPerSec: z.number().nullable(),
});
export type Volume = z.infer<typeof VolumeSchema>;

export const ProviderSchema = z.object({
  id: z.number(),
  model: z.string(),
  type: z.enum(["GPU", "CPU"]),
});
export type Provider = z.infer<typeof ProviderSchema>;

export const HardwareViewSchema = z.object({
  sampledAt: z.number(),
  cpu: z.object({
    percent: z.number(),
    cores: z.number().int(),
    load: z.tuple([z.number(), z.number(), z.number()]),
    model: z.string().nullable(),
  }),
  memory: z.object({ totalBytes: z.number(), usedBytes: z.number(), availableBytes: z.number() }),
  volumes: z.array(VolumeSchema),
  providers: z.array(ProviderSchema),
  providersSource: z.enum(["postcli", "systeminformation", "none"]),
  // Why providers is empty/partial, for people (e.g. "… exited with code 1: failed to get OpenCL
  // providers …"); null/absent when fine. Added by the hardware sampler (additive).
  providersError: z.string().nullable().optional(),
  temperatures: z.object({ cpu: z.number().nullable(), gpus: z.array(z.number()) }),
});
export type HardwareView = z.infer<typeof HardwareViewSchema>;

export const LogLevelSchema = z.enum(["ERROR", "WARN", "INFO", "DEBUG", "TRACE"]);
export type LogLevel = z.infer<typeof LogLevelSchema>;

export const LogLineSchema = z.object({
  source: z.string(), // service name or "node"
  seq: z.number().int(), // per-source monotonically increasing
  at: z.number(), // when the daemon read it
  level: LogLevelSchema.nullable(),
  text: z.string(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

export const TaskViewSchema = z.object({
  id: z.string(),
  kind: z.enum(["identity-add", "identity-import"]),
  name: z.string(),
  state: z.enum(["running", "done", "failed", "cancelled"]),
  startedAt: z.number(),
  bytesDone: z.number().nullable(),
  bytesTotal: z.number().nullable(),
  rateBytesPerSec: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  message: z.string(),
});
export type TaskView = z.infer<typeof TaskViewSchema>;

export const DaemonInfoSchema = z.object({
  pid: z.number().int(),
  startedAt: z.number(),
  version: z.string(),
  configPath: z.string(),
  stateDir: z.string(),
  rigName: z.string(),
  demo: z.boolean(),
});
export type DaemonInfo = z.infer<typeof DaemonInfoSchema>;

export const SnapshotSchema = z.object({
  daemon: DaemonInfoSchema,
  node: NodeViewSchema,
  services: z.array(ServiceViewSchema),
  identities: z.array(IdentityViewSchema),
  findings: z.array(FindingSchema),
  hardware: HardwareViewSchema.nullable(),
  tasks: z.array(TaskViewSchema),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** One step of an identity's epoch story, with where postdeck learnt it. */
export const TimelineStepSchema = z.object({
  kind: z.enum([
    "poet-registered", // registered in a PoET round (event registered_in_poet / log)
    "poet-proof", // PoET proof received / best proof selected
    "post-start", // PoST proof started
    "post-finish", // PoST proof finished (durationMs)
    "post-failed",
    "atx-broadcast",
    "atx-published",
    "atx-failed",
    "eligibility",
    "proposal",
    "malfeasance",
  ]),
  at: z.number(), // epoch ms
  epoch: z.number().int().nullable(), // the epoch the step belongs to (by the clock), null when unknown
  source: z.enum(["log", "event", "grpc", "service-log"]),
  ok: z.boolean(),
  text: z.string(), // for people, e.g. "round 42 at poet.example.org", "atx 1a2b3c (publish epoch 12)"
  durationMs: z.number().nullable(), // post-finish: the proof's duration
  gapShare: z.number().nullable(), // post-finish: share of the cycle gap it used (0..1+)
});
export type TimelineStep = z.infer<typeof TimelineStepSchema>;

export const IdentityTimelineSchema = z.object({
  keyFile: z.string(),
  shortId: z.string().nullable(),
  epochs: z.array(z.object({ epoch: z.number().int(), steps: z.array(TimelineStepSchema) })), // newest first
  /** The first step that is missing or failed for rewards, and what to do; null when on track. */
  whyNoRewards: z.object({ step: z.string(), text: z.string(), fix: z.string() }).nullable(),
});
export type IdentityTimeline = z.infer<typeof IdentityTimelineSchema>;

/** The proving plan over one cycle gap: per physical disk a lane of identities in order. */
export const PlanEntrySchema = z.object({
  keyFile: z.string(),
  service: z.string().nullable(),
  disk: z.string(), // the lane: a physical disk id (e.g. "sda", "md0"), or a configured name
  state: z.enum(["waiting", "queued", "proving", "done", "failed", "not-needed"]),
  predictedStart: z.number().nullable(),
  predictedFinish: z.number().nullable(),
  basis: z.string(), // how the duration was predicted: "history (3 proofs)", "size ÷ disk rate", ...
  fits: z.boolean(),
  missByMs: z.number().nullable(),
  reason: z.string().nullable(), // why it would miss
  fix: z.string().nullable(), // what would fix it
  // added with the orchestrator (optional: older daemons leave them out)
  manual: z.boolean().optional(), // started/stopped by hand: the orchestrator leaves its service alone until handed back
  waitReason: z.string().nullable().optional(), // queued: which limit holds it (disk busy, at most N at once, RAM budget)
  predictedMs: z.number().nullable().optional(), // the predicted proof's whole slot (k2pow + read + start/hand-over)
});
export type PlanEntry = z.infer<typeof PlanEntrySchema>;

export const PlanSchema = z.object({
  generatedAt: z.number(),
  mode: z.enum(["always", "on-demand"]),
  window: z.object({ opensAt: z.number(), closesAt: z.number() }).nullable(), // null without a clock
  lanes: z.array(z.object({ disk: z.string(), devices: z.array(z.string()), dirs: z.array(z.string()), perDisk: z.number().int(), readBytesPerSec: z.number().nullable().optional() })),
  identities: z.array(PlanEntrySchema),
  // the orchestrator's limits (optional: added with it)
  budget: z.object({ perDisk: z.number().int(), maxConcurrent: z.number().int().nullable(), memoryBytes: z.number().nullable(), memorySource: z.string() }).optional(),
  // when the orchestrator last decided (epoch ms; the queue reasons are that decision's), null before
  // its first; a tick at rest whose inputs had not changed left the decision before it standing
  // (optional: added later)
  decidedAt: z.number().nullable().optional(),
});
export type Plan = z.infer<typeof PlanSchema>;
