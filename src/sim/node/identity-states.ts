// The simulated smeshing service's per-identity state history (spacemesh.v2beta1
// SmeshingIdentitiesService.States, node-split): every AdminService event that names an identity
// becomes the state a `go-spacemesh smeshing` service records at that moment (PoET proof received,
// generating the PoST proof, proof ready, ATX broadcast, registered in the next PoET round, waiting
// for its end, eligible, proposal published; a failed proof is RETRYING). Served with the real
// request's filters: states, smeshers, [from, to), limit and order.
import type { EventBus, NodeEvent } from "./events.js";

type Ts = { seconds: string; nanos: number };

export interface StateEntry {
  smesher: Buffer;
  state: string; // IdentityState enum name
  publishEpoch?: number;
  [metadata: string]: unknown; // the oneof member for the state (poetRegistered, atxBroadcasted, …)
}

export interface IdentityStateRecord extends StateEntry {
  time: Ts;
}

interface StatesRequest {
  states?: string[];
  smeshers?: Buffer[];
  from?: Ts | null;
  to?: Ts | null;
  limit?: string | number;
  order?: string;
}

/** States kept per service (the oldest go first). */
export const MAX_STATES = 5000;

const ms = (t: Ts | null | undefined): number | null => (t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) : null);
const epochOf = (v: unknown): number | undefined => (v === undefined || v === null || v === "" || !Number.isFinite(Number(v)) ? undefined : Number(v));

/** The states one AdminService event stands for (none when it names no identity). */
export function statesOfEvent(e: NodeEvent): StateEntry[] {
  const member = Object.keys(e).find((k) => k !== "timestamp" && k !== "failure" && k !== "help");
  if (!member) return [];
  const d = e[member] as Record<string, unknown>;
  const smesher = d.smesher;
  if (!Buffer.isBuffer(smesher)) return [];
  const at = (state: string, meta: Record<string, unknown>, publishEpoch?: number): StateEntry => ({ smesher, state, ...(publishEpoch !== undefined ? { publishEpoch } : {}), ...meta });
  switch (member) {
    case "bestProofSelected":
      return [at("POET_PROOF_RECEIVED", { poetProofReceived: { poetUrl: String(d.url ?? "") } }, epochOf(d.roundId))];
    case "postStart":
      return [at("GENERATING_POST_PROOF", { generatingPostProof: {} })];
    case "postComplete":
      return e.failure ? [at("RETRYING", { retrying: { message: String(e.help ?? "") } })] : [at("POST_PROOF_READY", { postProofReady: {} })];
    case "atxPublished":
      return [at("ATX_READY", { atxReady: {} }, epochOf(d.current)), at("ATX_BROADCASTED", { atxBroadcasted: { atxId: d.id } }, epochOf(d.current))];
    case "registeredInPoet":
      return [at("POET_REGISTERED", { poetRegistered: { registrations: [{ challengeHash: Buffer.alloc(32), address: String(d.url ?? ""), roundId: String(d.roundId ?? "") }] } }, epochOf(d.roundId))];
    case "waitingForPoetRoundEnd":
      return [at("WAIT_FOR_POET_ROUND_END", { waitForPoetRoundEnd: { roundEnd: d.roundEnd ?? null } }, epochOf(d.publish))];
    case "eligibilities": {
      const epoch = epochOf(d.epoch);
      return [at("ELIGIBLE", { eligible: { layers: d.eligibilities ?? [] } }, epoch !== undefined ? epoch - 1 : undefined)];
    }
    case "proposal":
      return [at("PROPOSAL_PUBLISHED", { proposalPublished: { proposal: d.proposal, layer: d.layer } })];
    default:
      return [];
  }
}

export class IdentityStates {
  private readonly records: IdentityStateRecord[] = [];

  /** Follows the node's events (the bus replays its recent ones first). */
  constructor(events: EventBus) {
    events.subscribe((e) => {
      const time = e.timestamp as Ts;
      for (const s of statesOfEvent(e)) this.records.push({ ...s, time });
      if (this.records.length > MAX_STATES) this.records.splice(0, this.records.length - MAX_STATES);
    });
  }

  /** IdentityStatesRequest → the matching states, oldest first (ASC) or newest first (DESC), at most `limit` (0: all). */
  query(req: StatesRequest): IdentityStateRecord[] {
    const states = new Set(req.states ?? []);
    const smeshers = new Set((req.smeshers ?? []).map((b) => Buffer.from(b).toString("hex")));
    const from = ms(req.from);
    const to = ms(req.to);
    let out = this.records.filter((r) => {
      const t = ms(r.time)!;
      return (states.size === 0 || states.has(r.state)) && (smeshers.size === 0 || smeshers.has(r.smesher.toString("hex"))) && (from === null || t >= from) && (to === null || t < to);
    });
    if (req.order === "DESC") out = out.reverse();
    const limit = Number(req.limit ?? 0);
    return limit > 0 ? out.slice(0, limit) : out;
  }
}
