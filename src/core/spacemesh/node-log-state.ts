// What the node log has told us so far, folded from recognised events (node-log-events.ts): the
// last node start, and since then which identities the ATX builder registered, which post-services
// connected, which the node waited for, startup errors. Each node start clears the per-run facts.
import type { IdentityEvent } from "../../protocol/model.js";
import type { NodeLogEvent, StartupErrorCode } from "./node-log-events.js";
import { NodeLogRecogniser } from "./node-log-events.js";
import { parseNodeLog } from "./node-log-parser.js";

export interface NodeLogFacts {
  startedAt: number | null; // last node start seen in the log
  registered: Map<string, number>; // short id (6 hex) → when, since the last start
  connected: Map<string, number>; // node id (64 hex) → last `post service registered`, since the last start
  notConnected: Map<string, number>; // node id → last `post service not connected` warning
  loaded: { filename: string; publicKey: string }[]; // `Loaded existing identity` lines of the last start
  startupErrors: { code: StartupErrorCode; message: string; at: number }[]; // since the last start
  initialProofFailed: { at: number; error: string; nodeId: string | null } | null;
  coinbaseNotSetAt: number | null;
  events: Map<string, IdentityEvent[]>; // node id (64 hex) or short id → events, oldest first
}

const MAX_EVENTS = 30;

export function emptyNodeLogFacts(): NodeLogFacts {
  return {
    startedAt: null,
    registered: new Map(),
    connected: new Map(),
    notConnected: new Map(),
    loaded: [],
    startupErrors: [],
    initialProofFailed: null,
    coinbaseNotSetAt: null,
    events: new Map(),
  };
}

function pushEvent(facts: NodeLogFacts, key: string, ev: IdentityEvent): void {
  const list = facts.events.get(key) ?? [];
  list.push(ev);
  if (list.length > MAX_EVENTS) list.splice(0, list.length - MAX_EVENTS);
  facts.events.set(key, list);
}

/** Folds events into `facts` (mutated). `now` stands in for lines without a parsable time. */
export function applyNodeLogEvents(facts: NodeLogFacts, events: NodeLogEvent[], now: number, atxOwners: Map<string, string>): void {
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
        break;
      case "identity-loaded":
        facts.loaded.push({ filename: e.filename, publicKey: e.publicKey });
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
        if (e.nodeId) pushEvent(facts, e.nodeId, { kind: "post_start", at, text: "starting post execution", failure: false });
        break;
      case "post-finish":
        if (e.nodeId) pushEvent(facts, e.nodeId, { kind: "post_complete", at, text: "finished post execution", failure: false });
        break;
      case "atx-broadcast":
        if (e.nodeId) {
          atxOwners.set(e.atxId, e.nodeId);
          pushEvent(facts, e.nodeId, { kind: "atx_broadcast", at, text: `broadcasting ATX ${e.atxId}`, failure: false });
        }
        break;
      case "atx-published": {
        const owner = atxOwners.get(e.atxId);
        if (owner) pushEvent(facts, owner, { kind: "atx_published", at, text: `atx published ${e.atxId}`, failure: false });
        break;
      }
      case "initial-proof-failed":
        facts.initialProofFailed = { at, error: e.error, nodeId: e.nodeId };
        if (e.nodeId)
          pushEvent(facts, e.nodeId, { kind: "initial_proof_failed", at, text: `failed to generate initial proof: ${e.error}`, failure: true });
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
  ingest(lines: string[], now: number): boolean {
    this.linesSeen += lines.length;
    const events = this.recogniser.recognise(parseNodeLog(lines));
    if (events.length === 0) return false;
    applyNodeLogEvents(this.facts, events, now, this.atxOwners);
    if (this.atxOwners.size > 1000) {
      const first = this.atxOwners.keys().next().value;
      if (first !== undefined) this.atxOwners.delete(first);
    }
    return true;
  }
}
