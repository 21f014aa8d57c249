// What the node log has told us so far, folded from recognised events (node-log-events.ts): the
// last node start, and since then which identities the ATX builder registered, which post-services
// connected, which the node waited for, the failures it logged. Each node start clears the per-run
// facts. The per-identity history (events keyed by node id or short id) survives starts.
//
// Lines that name no identity (`starting/finished post execution`, `failed to generate initial
// proof`) are attributed only by evidence: the caller's `attribute(at)` answers with the one
// identity it knows to be proving at that moment (PostStates), or null; unattributed ones are kept
// as rig-level facts (`postRuns`), and the join may still attribute them through AdminService events.
import type { IdentityEvent } from "../../protocol/model.js";
import type { LineIds, NodeLogEvent, StartupErrorCode } from "./node-log-events.js";
import { NodeLogRecogniser } from "./node-log-events.js";
import { parseNodeLog } from "./node-log-parser.js";

/** One logged failure with the line as the node printed it. */
export interface LoggedFailure extends LineIds {
  at: number;
  kind: "atx-publish-failed" | "initial-post-invalid" | "post-verification-failed" | "initial-proof-failed" | "node-fatal" | "node-exit-error";
  message: string;
  raw: string;
}

/** A `starting/finished post execution` line: rig-level unless evidence names its identity. */
export interface PostRun {
  kind: "start" | "finish";
  at: number;
  durationMs: number | null;
  nodeId: string | null; // attributed identity, null = not known
  raw: string;
}

export interface NodeLogFacts {
  startedAt: number | null; // last node start seen in the log
  version: string | null; // from the `App version:` banner
  registered: Map<string, number>; // short id (6 hex) → when, since the last start
  connected: Map<string, number>; // node id (64 hex) → last `post service registered`, since the last start
  notConnected: Map<string, number>; // node id → last `post service not connected` warning
  loaded: { filename: string; publicKey: string; at: number }[]; // `Loaded existing identity` lines of the last start
  startupErrors: { code: StartupErrorCode; message: string; at: number }[]; // since the last start
  initialProofFailed: { at: number; error: string; nodeId: string | null } | null;
  coinbaseNotSetAt: number | null;
  smeshingNotStartedAt: number | null; // since the last start
  failures: LoggedFailure[]; // newest last, bounded; fatal/exit errors since the last start only
  postRuns: PostRun[]; // newest last, bounded
  events: Map<string, IdentityEvent[]>; // node id (64 hex) or short id → events, oldest first
}

const MAX_EVENTS = 30;
const MAX_FAILURES = 50;
const MAX_POST_RUNS = 200;

export function emptyNodeLogFacts(): NodeLogFacts {
  return {
    startedAt: null,
    version: null,
    registered: new Map(),
    connected: new Map(),
    notConnected: new Map(),
    loaded: [],
    startupErrors: [],
    initialProofFailed: null,
    coinbaseNotSetAt: null,
    smeshingNotStartedAt: null,
    failures: [],
    postRuns: [],
    events: new Map(),
  };
}

function pushEvent(facts: NodeLogFacts, key: string, ev: IdentityEvent): void {
  const list = facts.events.get(key) ?? [];
  if (list.some((x) => x.kind === ev.kind && x.at === ev.at && x.text === ev.text)) return;
  list.push(ev);
  if (list.length > MAX_EVENTS) list.splice(0, list.length - MAX_EVENTS);
  facts.events.set(key, list);
}

function bounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** The key an id-bearing line files its event under: the full id when known, else the short id. */
function keyOf(ids: LineIds): string | null {
  return ids.nodeId ?? ids.shortId;
}

/** Answers which identity (64 hex) was proving at `at`, when exactly one was; null otherwise. */
export type Attributor = (at: number) => string | null;

/** Folds events into `facts` (mutated). `now` stands in for lines without a parsable time. */
export function applyNodeLogEvents(
  facts: NodeLogFacts,
  events: NodeLogEvent[],
  now: number,
  atxOwners: Map<string, string>,
  attribute: Attributor = () => null,
): void {
  for (const e of events) {
    const at = e.at ?? now;
    switch (e.kind) {
      case "node-start":
        facts.startedAt = at;
        facts.registered.clear();
        facts.connected.clear();
        facts.notConnected.clear();
        facts.loaded = [];
        facts.startupErrors = [];
        facts.initialProofFailed = null;
        facts.coinbaseNotSetAt = null;
        facts.smeshingNotStartedAt = null;
        facts.failures = facts.failures.filter((x) => x.kind !== "node-fatal" && x.kind !== "node-exit-error");
        break;
      case "node-version":
        facts.version = e.version;
        break;
      case "identity-loaded":
        facts.loaded.push({ filename: e.filename, publicKey: e.publicKey, at });
        break;
      case "registered":
        facts.registered.set(e.shortId, at);
        pushEvent(facts, e.shortId, { kind: "registered", at, text: `atxBuilder registered signing key {"id": "${e.shortId}"}`, failure: false });
        break;
      case "post-connected":
        facts.connected.set(e.nodeId, at);
        facts.notConnected.delete(e.nodeId);
        pushEvent(facts, e.nodeId, { kind: "connected", at, text: "post service registered", failure: false });
        break;
      case "post-not-connected":
        facts.notConnected.set(e.nodeId, at);
        facts.connected.delete(e.nodeId);
        break;
      case "post-start":
      case "post-finish": {
        const nodeId = e.nodeId ?? attribute(at);
        const durationMs = e.kind === "post-finish" ? e.durationMs : null;
        bounded(facts.postRuns, { kind: e.kind === "post-start" ? "start" : "finish", at, durationMs, nodeId, raw: e.raw }, MAX_POST_RUNS);
        break;
      }
      case "poet-registered":
      case "poet-proof": {
        const key = keyOf(e);
        if (key)
          pushEvent(facts, key, {
            kind: e.kind === "poet-registered" ? "poet_registered_log" : "poet_proof_log",
            at,
            text: e.kind === "poet-registered" ? "challenge submitted to poet proving service" : "got the PoET proof",
            failure: false,
          });
        break;
      }
      case "atx-broadcast": {
        const key = keyOf(e);
        if (key) {
          atxOwners.set(e.atxId, key);
          pushEvent(facts, key, { kind: "atx_broadcast", at, text: `broadcasting ATX ${e.atxId}`, failure: false });
        }
        break;
      }
      case "atx-published": {
        const owner = keyOf(e) ?? atxOwners.get(e.atxId);
        if (owner) pushEvent(facts, owner, { kind: "atx_published", at, text: `atx published ${e.atxId}`, failure: false });
        break;
      }
      case "initial-proof-failed": {
        const nodeId = e.nodeId ?? attribute(at);
        facts.initialProofFailed = { at, error: e.error, nodeId };
        bounded(facts.failures, { kind: e.kind, at, message: `failed to generate initial proof: ${e.error}`, raw: e.raw, nodeId, shortId: nodeId?.slice(0, 6) ?? null }, MAX_FAILURES);
        if (nodeId) pushEvent(facts, nodeId, { kind: "initial_proof_failed", at, text: `failed to generate initial proof: ${e.error}`, failure: true });
        break;
      }
      case "atx-publish-failed":
      case "initial-post-invalid":
      case "post-verification-failed": {
        const message = e.kind === "atx-publish-failed" ? `failed to publish atx: ${e.error}` : e.message;
        bounded(facts.failures, { kind: e.kind, at, message, raw: e.raw, nodeId: e.nodeId, shortId: e.shortId }, MAX_FAILURES);
        const key = keyOf(e);
        if (key) pushEvent(facts, key, { kind: e.kind.replaceAll("-", "_"), at, text: message, failure: true });
        break;
      }
      case "node-fatal":
      case "node-exit-error":
        bounded(facts.failures, { kind: e.kind, at, message: e.message, raw: e.raw, nodeId: null, shortId: null }, MAX_FAILURES);
        break;
      case "smeshing-not-started":
        facts.smeshingNotStartedAt = at;
        break;
      case "coinbase-not-set":
        facts.coinbaseNotSetAt = at;
        break;
      case "startup-error":
        facts.startupErrors.push({ code: e.code, message: e.message, at });
        if (facts.startupErrors.length > 20) facts.startupErrors.shift();
        break;
      case "already-registered":
      case "identities-loaded":
        break;
    }
  }
}

/** Parser + recogniser + facts for one followed node log. */
export class NodeLogTracker {
  readonly facts = emptyNodeLogFacts();
  private readonly recogniser = new NodeLogRecogniser();
  private readonly atxOwners = new Map<string, string>();
  linesSeen = 0;

  /** Feeds raw lines (no newline); returns true when any recognised fact changed. */
  ingest(lines: string[], now: number, attribute?: Attributor): boolean {
    this.linesSeen += lines.length;
    const events = this.recogniser.recognise(parseNodeLog(lines));
    if (events.length === 0) return false;
    applyNodeLogEvents(this.facts, events, now, this.atxOwners, attribute);
    while (this.atxOwners.size > 1000) {
      const first = this.atxOwners.keys().next().value;
      if (first === undefined) break;
      this.atxOwners.delete(first);
    }
    return true;
  }
}
