// The per-identity join (pure): key file → node id → PoS dir (by metadata NodeId, across the
// configured services' dirs) → post-service → node post state (PostStates) → registration seen in
// the node log (`registered signing key` from node.atxBuilder, by the 6-hex short id) → connection
// (`post service registered` node_id, or the service's own log) → last events with times.
import type { IdentityEvent, IdentityView, ServiceView } from "../../protocol/model.js";
import type { KeyFileInfo } from "./key-file.js";
import type { MetadataResult, PosDataState } from "./pos-metadata.js";
import { posSizeBytes } from "./pos-metadata.js";
import type { NodeEvent, PostStateInfo } from "./node-grpc.js";
import type { IdentityStateName } from "./node-grpc-states.js";
import type { NodeLogFacts } from "./node-log-state.js";
import type { ServiceLogFacts } from "./service-log-state.js";
import { serviceLogConnected } from "./service-log-state.js";

export interface KeyInput extends KeyFileInfo {
  /** When the file appeared: max(mtime, ctime, time the watcher saw it added); null = unknown. */
  appearedAt: number | null;
}

export interface PosDirInput {
  service: string; // the service whose --dir this is
  dir: string;
  metadata: MetadataResult | null; // null = not read yet
  data: PosDataState | null; // null = metadata unusable or not checked yet
}

export interface JoinInput {
  now: number;
  keys: KeyInput[];
  posDirs: PosDirInput[];
  services: ServiceView[];
  postStates: PostStateInfo[] | null; // null = post listener not reachable
  smesherIds: string[] | null; // null = private listener not reachable
  nodeLog: NodeLogFacts | null; // null = no node log followed
  serviceLogs: Record<string, ServiceLogFacts>;
  events: NodeEvent[]; // AdminService events, any order
  nodeStartedAt: number | null; // last node start (supervisor or log)
  /** SmesherService.IsSmeshing where the node answers it; null/absent = unknown. */
  isSmeshing?: boolean | null;
  /** The latest SmeshingIdentitiesService.States state per node id (node-split); null/absent = not answered. */
  identityStates?: Record<string, IdentityStateName> | null;
}

export const MAX_IDENTITY_EVENTS = 20;

const EVENT_TEXT: Record<string, string> = {
  post_start: "Node started PoST execution",
  post_complete: "Node finished PoST execution",
  atx_published: "ATX published",
  registered_in_poet: "Registered in PoET",
  best_proof_selected: "Best PoET proof selected",
  waiting_for_poet_registration_window: "Waiting for the PoET registration window",
  waiting_for_poet_round_end: "Waiting for the PoET round end",
  eligibilities: "Eligibilities computed",
  proposal: "Proposal published",
  malfeasance: "Malfeasance: identity will be canceled",
  init_start: "PoST init started",
  init_complete: "PoST init complete",
  init_failed: "PoST init failed",
};

/** The PoS dirs whose metadata names `nodeId`. */
export function posDirsOf(nodeId: string | null, posDirs: PosDirInput[]): PosDirInput[] {
  if (!nodeId) return [];
  return posDirs.filter((p) => p.metadata?.ok === true && p.metadata.meta.nodeId === nodeId);
}

export function isServiceUp(s: ServiceView | undefined): boolean {
  return s !== undefined && s.state === "running";
}

/** Short ids (6 hex) that more than one key file shares: log lines naming them cannot be attributed. */
export function sharedShortIds(keys: KeyInput[]): Set<string> {
  const seen = new Map<string, number>();
  for (const k of keys) if (k.check.ok) seen.set(k.check.nodeId.slice(0, 6), (seen.get(k.check.nodeId.slice(0, 6)) ?? 0) + 1);
  return new Set([...seen].filter(([, n]) => n > 1).map(([id]) => id));
}

/**
 * Whether the node smeshes: SmesherIDs lists the signers the ATX builder registered and is empty
 * until smeshing starts (a supervised node waiting for StartSmeshing, or a remote node without a
 * coinbase); `smeshing not started, waiting to be triggered via smesher api` and IsSmeshing say the
 * same. null = unknown.
 */
export function nodeSmeshing(input: Pick<JoinInput, "smesherIds" | "nodeLog" | "isSmeshing">): boolean | null {
  if (input.isSmeshing === true || (input.smesherIds && input.smesherIds.length > 0)) return true;
  if (input.isSmeshing === false || (input.smesherIds && input.smesherIds.length === 0)) return false;
  if (input.nodeLog?.smeshingNotStartedAt != null) return false;
  return null;
}

function registration(
  key: KeyInput,
  nodeId: string | null,
  input: JoinInput,
  shared: Set<string>,
): { registered: IdentityView["registered"]; at: number | null } {
  const shortId = nodeId?.slice(0, 6) ?? null;
  const logAt = shortId && !shared.has(shortId) ? (input.nodeLog?.registered.get(shortId) ?? null) : null;
  if (logAt !== null) return { registered: "yes", at: logAt };
  if (nodeId && input.postStates?.some((s) => s.nodeId === nodeId)) return { registered: "yes", at: null };
  if (nodeId && input.smesherIds?.includes(nodeId)) return { registered: "yes", at: null };
  if (nodeId && input.identityStates?.[nodeId]) return { registered: "yes", at: null }; // the smeshing service runs it
  // Keys are read only at start: a key file newer than the node's start is not loaded.
  const start = input.nodeStartedAt;
  const appearedAfterStart = start !== null && key.appearedAt !== null && key.appearedAt > start;
  if (appearedAfterStart) return { registered: "restart-needed", at: null };
  // Missing from SmesherIDs means "not loaded" only while the node smeshes (the list is empty before).
  if (nodeId && input.smesherIds && nodeSmeshing(input) === true && (start === null || key.appearedAt === null))
    return { registered: "restart-needed", at: null };
  if (input.nodeLog || input.postStates || input.smesherIds) return { registered: "not-yet", at: null };
  return { registered: "unknown", at: null };
}

function connection(
  nodeId: string | null,
  service: ServiceView | undefined,
  serviceLog: ServiceLogFacts | undefined,
  input: JoinInput,
): { connected: boolean | null; at: number | null } {
  if (service && !isServiceUp(service)) return { connected: false, at: service.lastExit?.at ?? null };
  const signals: { connected: boolean; at: number }[] = [];
  if (serviceLog) {
    const s = serviceLogConnected(serviceLog);
    // a connection made before the current run of the service does not count
    if (s && (service?.startedAt == null || s.at >= service.startedAt)) signals.push(s);
  }
  if (nodeId && input.nodeLog) {
    const c = input.nodeLog.connected.get(nodeId);
    if (c !== undefined) signals.push({ connected: true, at: c });
    const n = input.nodeLog.notConnected.get(nodeId);
    if (n !== undefined) signals.push({ connected: false, at: n });
  }
  // A running service with no signal yet (e.g. its log was not read from the start): unknown.
  if (signals.length === 0) return { connected: null, at: null };
  const last = signals.reduce((a, b) => (b.at >= a.at ? b : a));
  return last;
}

function eventsOf(
  nodeId: string | null,
  input: JoinInput,
  shared: Set<string>,
  conn: { connected: boolean | null; at: number | null },
  reg: { registered: IdentityView["registered"]; at: number | null },
): IdentityEvent[] {
  if (!nodeId) return [];
  const out: IdentityEvent[] = [];
  const log = input.nodeLog;
  if (log) {
    out.push(...(log.events.get(nodeId) ?? []));
    // lines that name only the short id: credited when no other key shares it
    if (!shared.has(nodeId.slice(0, 6))) out.push(...(log.events.get(nodeId.slice(0, 6)) ?? []));
    const nc = log.notConnected.get(nodeId);
    if (nc !== undefined)
      out.push({ kind: "not_connected", at: nc, text: "post service not connected - waiting for reconnection", failure: true });
  }
  for (const e of input.events) {
    if (e.smesher !== nodeId) continue;
    const base = EVENT_TEXT[e.kind] ?? e.kind;
    out.push({ kind: e.kind, at: e.at, text: e.failure && e.help ? e.help : base, failure: e.failure });
  }
  if (reg.at !== null && !out.some((e) => e.kind === "registered" && e.at === reg.at))
    out.push({ kind: "registered", at: reg.at, text: `atxBuilder registered signing key {"id": "${nodeId.slice(0, 6)}"}`, failure: false });
  if (conn.connected === true && conn.at !== null && !out.some((e) => e.kind === "connected" && e.at === conn.at))
    out.push({ kind: "connected", at: conn.at, text: "post-service obtained metadata (connected)", failure: false });
  out.sort((a, b) => a.at - b.at);
  return out.slice(-MAX_IDENTITY_EVENTS);
}

/** Without PostStates, the smeshing service's latest state says whether the identity proves now. */
function postStateOfStates(nodeId: string | null, input: JoinInput): IdentityView["postState"] {
  const state = nodeId ? input.identityStates?.[nodeId] : undefined;
  return state ? (state === "GENERATING_POST_PROOF" ? "PROVING" : "IDLE") : null;
}

/** One IdentityView per key file, in key-file order. `findings` is left empty (filled by findings.ts). */
export function joinIdentities(input: JoinInput): IdentityView[] {
  const shared = sharedShortIds(input.keys);
  return input.keys.map((key) => {
    const nodeId = key.check.ok ? key.check.nodeId : null;
    const pos = posDirsOf(nodeId, input.posDirs)[0] ?? null;
    const meta = pos?.metadata?.ok ? pos.metadata.meta : null;
    const service = pos ? input.services.find((s) => s.name === pos.service) : undefined;
    const ps =
      input.postStates?.find((s) => nodeId !== null && s.nodeId === nodeId) ??
      (nodeId === null ? input.postStates?.find((s) => s.name === key.name) : undefined);
    const reg = registration(key, nodeId, input, shared);
    const conn = connection(nodeId, service, pos ? input.serviceLogs[pos.service] : undefined, input);
    return {
      keyFile: key.name,
      path: key.path,
      nodeId,
      shortId: nodeId ? nodeId.slice(0, 6) : null,
      keyProblem: key.check.ok ? null : key.check.problem,
      posDir: pos?.dir ?? null,
      units: meta?.numUnits ?? null,
      sizeBytes: meta ? posSizeBytes(meta) : null,
      initState: pos === null ? "unknown" : pos.data ? pos.data.state : pos.metadata && !pos.metadata.ok && pos.metadata.missing ? "missing" : "unknown",
      service: pos?.service ?? null,
      registered: reg.registered,
      registeredAt: reg.at,
      postState: ps && (ps.state === "IDLE" || ps.state === "PROVING") ? ps.state : postStateOfStates(nodeId, input),
      connected: conn.connected,
      connectedAt: conn.connected ? conn.at : null,
      events: eventsOf(nodeId, input, shared, conn, reg),
      findings: [],
    };
  });
}
