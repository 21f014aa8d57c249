// spacemesh.v2beta1.SmeshingIdentitiesService.States (node-split): the per-identity state history a
// `go-spacemesh smeshing` service keeps — PoET registered, PoET proof received, generating the PoST
// proof, proof ready, ATX broadcast, eligible, proposals, retrying. Decoding (ids → hex, timestamps →
// ms) and the tracker the NodeMonitor polls with: it pages forward from the newest state it holds,
// keeps a bounded history, and remembers a node that answers UNIMPLEMENTED (go-spacemesh v1.7.6 and
// every node without the service), asking it again only now and then — log-derived steps are then
// the timeline's only source.
import { timestampMs, type NodeGrpcClient } from "./node-grpc.js";

export const IDENTITY_STATES = [
  "UNSPECIFIED",
  "WAIT_FOR_ATX_SYNCED",
  "RETRYING",
  "WAITING_FOR_POET_REGISTRATION_WINDOW",
  "POET_CHALLENGE_READY",
  "POET_REGISTERED",
  "WAIT_FOR_POET_ROUND_END",
  "POET_PROOF_RECEIVED",
  "GENERATING_POST_PROOF",
  "POST_PROOF_READY",
  "ATX_READY",
  "ATX_BROADCASTED",
  "PROPOSAL_BUILD_FAILED",
  "PROPOSAL_PUBLISH_FAILED",
  "PROPOSAL_PUBLISHED",
  "ELIGIBLE",
] as const;
export type IdentityStateName = (typeof IDENTITY_STATES)[number];

/** One state of one identity, decoded. */
export interface IdentityStateInfo {
  smesher: string; // 64 hex
  state: IdentityStateName;
  publishEpoch: number | null;
  at: number; // epoch ms
  /** The state's metadata member (poetRegistered: {registrations}, atxBroadcasted: {atxId}, retrying: {message}, …). */
  detail: Record<string, unknown>;
}

/** What the tracker asks: newest first for a first look, then forward from a time. */
export interface IdentityStatesQuery {
  from: number | null; // epoch ms, inclusive
  order: "ASC" | "DESC";
  limit: number;
}

/** IdentityStatesRequest for a query (timestamps as {seconds, nanos}, uint64 as a decimal string). */
export function statesRequest(q: IdentityStatesQuery): Record<string, unknown> {
  const req: Record<string, unknown> = { order: q.order, limit: String(q.limit) };
  if (q.from !== null) req.from = { seconds: String(Math.floor(q.from / 1000)), nanos: (q.from % 1000) * 1e6 };
  return req;
}

/** A decoded IdentityStateInfo → IdentityStateInfo here; null without a smesher or a time. */
export function normaliseIdentityState(raw: Record<string, unknown>): IdentityStateInfo | null {
  const smesher = Buffer.isBuffer(raw.smesher) && raw.smesher.length > 0 ? raw.smesher.toString("hex") : null;
  const at = timestampMs(raw.time);
  if (!smesher || at === null || at === 0) return null;
  const state = (IDENTITY_STATES as readonly string[]).includes(String(raw.state)) ? (raw.state as IdentityStateName) : "UNSPECIFIED";
  const member = typeof raw.metadata === "string" ? raw.metadata : null;
  const epoch = raw.publishEpoch;
  return {
    smesher,
    state,
    publishEpoch: epoch === undefined || epoch === null ? null : Number(epoch),
    at,
    detail: member ? ((raw[member] ?? {}) as Record<string, unknown>) : {},
  };
}

/** A node that answered UNIMPLEMENTED is asked again this often (a smeshing service may appear). */
export const STATES_PROBE_MS = 60_000;
/** After an error (a listener unreachable, a deadline passed) States is asked again this soon. */
export const STATES_RETRY_MS = 5_000;
/** States asked at once, and kept. */
export const STATES_PAGE = 1000;
export const STATES_KEPT = 5000;

export class IdentityStatesTracker {
  /** true: the node answers States; false: it answered UNIMPLEMENTED; null: not known yet (or unreachable). */
  available: boolean | null = null;
  error: string | null = null;
  private states: IdentityStateInfo[] = [];
  private readonly keys = new Set<string>();
  private byIdentity: Map<string, IdentityStateInfo[]> | null = null; // built when asked, dropped on change
  private lastTry = -Infinity;
  private asking = false;

  /** Asks the node when due; resolves to whether the held states changed. */
  async poll(client: NodeGrpcClient, now: number): Promise<boolean> {
    if (!client.identityStates || this.asking) return false;
    if (this.available !== true && now - this.lastTry < (this.error !== null ? STATES_RETRY_MS : STATES_PROBE_MS)) return false;
    this.asking = true;
    this.lastTry = now;
    const newest = this.states.length > 0 ? this.states[this.states.length - 1]!.at : null;
    try {
      const got = await client.identityStates(newest === null ? { from: null, order: "DESC", limit: STATES_PAGE } : { from: newest, order: "ASC", limit: STATES_PAGE });
      const was = this.available;
      this.error = null;
      if (got === null) {
        this.available = false;
        const had = this.states.length > 0;
        this.states = [];
        this.keys.clear();
        this.byIdentity = null;
        return had || was !== false;
      }
      this.available = true;
      // oldest first, so states of the same millisecond keep the service's order
      return this.add(newest === null ? [...got].reverse() : got) || was !== true;
    } catch (err) {
      this.error = (err as Error).message;
      if (this.available === false) this.available = null;
      return false;
    } finally {
      this.asking = false;
    }
  }

  private add(list: IdentityStateInfo[]): boolean {
    let added = false;
    for (const s of list) {
      const key = `${s.smesher}|${s.state}|${s.at}`;
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      this.states.push(s);
      added = true;
    }
    if (!added) return false;
    this.byIdentity = null;
    this.states.sort((a, b) => a.at - b.at);
    if (this.states.length > STATES_KEPT) {
      for (const s of this.states.splice(0, this.states.length - STATES_KEPT)) this.keys.delete(`${s.smesher}|${s.state}|${s.at}`);
    }
    return true;
  }

  /** One identity's states, oldest first. */
  forIdentity(nodeId: string): IdentityStateInfo[] {
    if (!this.byIdentity) {
      this.byIdentity = new Map();
      for (const s of this.states) {
        const list = this.byIdentity.get(s.smesher);
        if (list) list.push(s);
        else this.byIdentity.set(s.smesher, [s]);
      }
    }
    return this.byIdentity.get(nodeId) ?? [];
  }

  /** The latest state of every identity States named, by node id. */
  latest(): Record<string, IdentityStateName> {
    const out: Record<string, IdentityStateName> = {};
    for (const s of this.states) out[s.smesher] = s.state;
    return out;
  }
}

/**
 * Where to ask States: the node's private and public listeners as dialled, then those the node
 * config names when postdeck's config points elsewhere (node-split: node.grpc.* name the passive
 * node, node.config the smeshing service's config, whose listeners serve States).
 */
export function statesAddresses(dialled: { private: string | null; public: string | null }, fromConfig: { private: string | null; public: string | null }): string[] {
  return [...new Set([dialled.private, dialled.public, fromConfig.private, fromConfig.public].filter((a): a is string => !!a))];
}
