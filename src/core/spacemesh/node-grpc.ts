// A gRPC client for the node on top of postdeck's minimal proto
// (spacemeshV1()). One channel per listener: public (NodeService, ActivationService), private
// (SmesherService, AdminService) and post (PostInfoService). Every unary call has a deadline;
// keep-alive stays within the node's enforcement policy (MinTime 1 min, no pings without calls).
// Ids come back as Buffers and leave here as lowercase hex.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1, spacemeshV2beta1 } from "../../spacemesh-wire/spacemesh-proto.js";
import { normaliseIdentityState, statesRequest, type IdentityStateInfo, type IdentityStatesQuery } from "./node-grpc-states.js";

export interface NodeGrpcAddresses {
  public: string | null; // host:port to dial
  private: string | null;
  post: string | null;
  /** mTLS for the post channel (the node's grpc-tls-listener serves PostService and PostInfoService). */
  tls?: NodeTls | null;
  /** Where to ask SmeshingIdentitiesService.States (node-split), in order; absent = the private listener. */
  states?: string[];
}

/** Paths of the PEM files postdeck presents to the node's TLS listener, and the server name to check. */
export interface NodeTls {
  ca: string;
  cert: string;
  key: string;
  domain?: string | null; // the name in the node's certificate, when it is not the dialled host
}

export type Listener = "public" | "private" | "post";

export interface NodeStatusInfo {
  peers: number;
  synced: boolean;
  syncedLayer: number;
  topLayer: number;
  verifiedLayer: number;
}

export interface PostStateInfo {
  nodeId: string; // 64 hex
  state: "IDLE" | "PROVING" | "UNUSED";
  name: string; // key file base name
}

export interface PostConfigInfo {
  bitsPerLabel: number;
  labelsPerUnit: number;
  minNumUnits: number;
  maxNumUnits: number;
  k1: number;
  k2: number;
}

/** One AdminService event, normalised: deprecated twins carry their successor's kind. */
export interface NodeEvent {
  kind: string; // snake_case member name: post_start, post_complete, atx_published, registered_in_poet, …
  at: number; // epoch ms
  smesher: string | null; // 64 hex
  failure: boolean;
  help: string;
  details: Record<string, unknown>;
}

export interface EventsStreamStatus {
  live: boolean;
  error: string | null;
}

/** The node client as NodeMonitor uses it (tests inject fakes). */
export interface NodeGrpcClient {
  status(): Promise<NodeStatusInfo>;
  version(): Promise<string>;
  epochSize(): Promise<number>;
  postStates(): Promise<PostStateInfo[]>;
  smesherIds(): Promise<string[]>;
  /** SmesherService.IsSmeshing (optional: test fakes may leave it out). */
  isSmeshing?(): Promise<boolean>;
  postConfig(): Promise<PostConfigInfo>;
  coinbase(): Promise<string>;
  highest(): Promise<string>;
  followEvents(onEvent: (e: NodeEvent) => void, onStatus: (s: EventsStreamStatus) => void): () => void;
  /** SmeshingIdentitiesService.States; null when no listener implements it (optional: fakes may leave it out). */
  identityStates?(q: IdentityStatesQuery): Promise<IdentityStateInfo[] | null>;
  close(): void;
}

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.keepalive_time_ms": 600_000, // node: MinTime 1 min; it pings every 10 min itself
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.keepalive_permit_without_calls": 0,
  "grpc.max_receive_message_length": 10 * 1024 * 1024,
  // Reconnects while the node is down or restarting: grpc-js waits 1 s after the first refused
  // connect and ×1.6 after each, up to 120 s, so a node that took a minute to open its listeners was
  // seen up to ~2 min late (its PostStates with it: on-demand provers started that late). The first
  // retries come fast (250 ms, then x1.6: a node restarting is seen within a second or two); a node
  // that stays down is tried every 10 s at most. grpc-js reconnects a channel that failed in the
  // background, calls or not, so every 2 s (the earlier cap) was a connect per listener every 2 s
  // for as long as the node was down or absent (a rig without a node: ~6 % of the daemon's CPU with
  // 16 services writing bursts). A node that opens its listeners after a long while is seen at
  // most 10 s late; the backoff starts over once a connection succeeds.
  "grpc.initial_reconnect_backoff_ms": 250,
  "grpc.max_reconnect_backoff_ms": 10_000,
};

const SERVICE_LISTENER: Record<string, Listener> = {
  NodeService: "public",
  ActivationService: "public",
  SmesherService: "private",
  AdminService: "private",
  PostInfoService: "post",
};

const TWINS: Record<string, string> = {
  poet_wait_round: "waiting_for_poet_registration_window",
  poet_wait_proof: "waiting_for_poet_round_end",
};

function hex(v: unknown): string | null {
  return Buffer.isBuffer(v) && v.length > 0 ? v.toString("hex") : null;
}

function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v !== "") return Number(v);
  return 0;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Timestamp {seconds, nanos} → epoch ms. */
export function timestampMs(ts: unknown): number | null {
  if (!ts || typeof ts !== "object") return null;
  const t = ts as { seconds?: unknown; nanos?: unknown };
  return num(t.seconds) * 1000 + Math.floor(num(t.nanos) / 1e6);
}

/** Normalises a decoded Event; null for events whose kind our proto does not know. */
export function normaliseEvent(raw: Record<string, unknown>): NodeEvent | null {
  const member = typeof raw.details === "string" ? raw.details : null;
  if (!member) return null;
  const details = (raw[member] ?? {}) as Record<string, unknown>;
  const kind0 = snake(member);
  const kind = TWINS[kind0] ?? kind0;
  let smesher = hex(details.smesher);
  if (!smesher && kind === "malfeasance") {
    const proof = details.proof as { smesherId?: { id?: unknown } } | null | undefined;
    smesher = hex(proof?.smesherId?.id);
  }
  return {
    kind,
    at: timestampMs(raw.timestamp) ?? 0,
    smesher,
    failure: raw.failure === true,
    help: typeof raw.help === "string" ? raw.help : "",
    details,
  };
}

/** Remembers the last `capacity` (timestamp, kind, smesher) keys: replays and twins pass once. */
export class EventDeduper {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity = 2000) {}
  firstTime(e: NodeEvent): boolean {
    const key = `${e.at}|${e.kind}|${e.smesher ?? ""}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}

/** mTLS channel credentials from PEM files; an unreadable file is an error naming it. */
export function tlsCredentials(tls: NodeTls): grpc.ChannelCredentials {
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`node.grpc.tls.${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return grpc.credentials.createSsl(read("ca", tls.ca), read("key", tls.key), read("cert", tls.cert));
}

export interface NodeGrpcOptions {
  deadlineMs?: number; // per unary call, default 2000
  backoffMs?: { initial: number; max: number }; // EventsStream reconnects, default 1 s … 30 s
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
}

type Unary = (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export class NodeGrpc implements NodeGrpcClient {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly deadlineMs: number;
  private closed = false;
  private readonly stops = new Set<() => void>();
  private statesAt: string | null = null; // the listener that answered States last

  constructor(
    readonly addresses: NodeGrpcAddresses,
    private readonly opts: NodeGrpcOptions = {},
  ) {
    this.deadlineMs = opts.deadlineMs ?? 2000;
  }

  private client(service: string): { client: grpc.Client; address: string } {
    const listener = SERVICE_LISTENER[service]!;
    const address = this.addresses[listener];
    if (!address) throw new Error(`no address for the node's ${listener} gRPC listener`);
    let c = this.clients.get(`${service}@${address}`);
    if (!c) {
      const Ctor = spacemeshV1()[service]!;
      const tls = listener === "post" ? (this.addresses.tls ?? null) : null;
      c = tls ? new Ctor(address, tlsCredentials(tls), { ...CHANNEL_OPTIONS, ...(tls.domain ? { "grpc.ssl_target_name_override": tls.domain } : {}) }) : new Ctor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(`${service}@${address}`, c);
    }
    return { client: c, address };
  }

  private unary<T>(service: string, method: string, req: object = {}): Promise<T> {
    return new Promise((resolve, reject) => {
      let target: { client: grpc.Client; address: string };
      try {
        target = this.client(service);
      } catch (err) {
        reject(err);
        return;
      }
      const fn = (target.client as unknown as Record<string, Unary>)[method]!.bind(target.client);
      fn(req, { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err) reject(new Error(`${service}.${method} on ${target.address}: ${err.details || err.message}`));
        else resolve(res as T);
      });
    });
  }

  async status(): Promise<NodeStatusInfo> {
    const r = await this.unary<{ status: Record<string, unknown> | null }>("NodeService", "Status");
    const s = r.status ?? {};
    const layer = (v: unknown) => num((v as { number?: unknown } | null)?.number);
    return {
      peers: num(s.connectedPeers),
      synced: s.isSynced === true,
      syncedLayer: layer(s.syncedLayer),
      topLayer: layer(s.topLayer),
      verifiedLayer: layer(s.verifiedLayer),
    };
  }

  async version(): Promise<string> {
    const r = await this.unary<{ versionString: { value?: string } | null }>("NodeService", "Version");
    return r.versionString?.value ?? "";
  }

  async epochSize(): Promise<number> {
    const r = await this.unary<{ epochSize: number }>("NodeService", "NodeInfo");
    return num(r.epochSize);
  }

  async postStates(): Promise<PostStateInfo[]> {
    const r = await this.unary<{ states: { id: Buffer; state: string; name: string }[] }>("PostInfoService", "PostStates");
    return r.states.map((s) => ({
      nodeId: hex(s.id) ?? "",
      state: (s.state === "IDLE" || s.state === "PROVING" ? s.state : "UNUSED"),
      name: s.name,
    }));
  }

  async isSmeshing(): Promise<boolean> {
    const r = await this.unary<{ isSmeshing?: boolean }>("SmesherService", "IsSmeshing");
    return r.isSmeshing === true;
  }

  async smesherIds(): Promise<string[]> {
    const r = await this.unary<{ publicKeys: Buffer[] }>("SmesherService", "SmesherIDs");
    return r.publicKeys.map((b) => b.toString("hex"));
  }

  async postConfig(): Promise<PostConfigInfo> {
    const r = await this.unary<Record<string, unknown>>("SmesherService", "PostConfig");
    return {
      bitsPerLabel: num(r.bitsPerLabel),
      labelsPerUnit: num(r.labelsPerUnit),
      minNumUnits: num(r.minNumUnits),
      maxNumUnits: num(r.maxNumUnits),
      k1: num(r.k1),
      k2: num(r.k2),
    };
  }

  async coinbase(): Promise<string> {
    const r = await this.unary<{ accountId: { address?: string } | null }>("SmesherService", "Coinbase");
    return r.accountId?.address ?? "";
  }

  /** The commitment ATX id for a new identity: the highest ATX's id (the golden ATX on a fresh net), hex. */
  async highest(): Promise<string> {
    const r = await this.unary<{ atx: { id: { id: Buffer } | null } | null }>("ActivationService", "Highest");
    const id = hex(r.atx?.id?.id);
    if (!id) throw new Error(`ActivationService.Highest on ${this.addresses.public}: the answer holds no ATX id`);
    return id;
  }

  /**
   * SmeshingIdentitiesService.States: asks the listener that answered last, else every candidate at
   * once (the node's private listener, a smeshing service's) and keeps the first that answers.
   * null when every one answers UNIMPLEMENTED; an error when none answers and some is unreachable.
   */
  async identityStates(q: IdentityStatesQuery): Promise<IdentityStateInfo[] | null> {
    const all = this.statesAt ? [this.statesAt] : [...new Set(this.addresses.states ?? [this.addresses.private])].filter((a): a is string => !!a);
    if (all.length === 0) throw new Error("no address for SmeshingIdentitiesService.States");
    const req = statesRequest(q);
    const answers = await Promise.all(all.map((address) => this.statesCall(address, req).then((r) => ({ address, r, err: null }), (err: grpc.ServiceError) => ({ address, r: null, err }))));
    const ok = answers.find((a) => a.r !== null);
    if (ok) {
      this.statesAt = ok.address;
      return ok.r.states.map(normaliseIdentityState).filter((x): x is IdentityStateInfo => x !== null);
    }
    this.statesAt = null;
    const failed = answers.find((a) => a.err!.code !== grpc.status.UNIMPLEMENTED);
    if (!failed) return null;
    throw new Error(`SmeshingIdentitiesService.States on ${failed.address}: ${failed.err!.details || failed.err!.message}`);
  }

  private statesCall(address: string, req: object): Promise<{ states: Record<string, unknown>[] }> {
    let c = this.clients.get(`SmeshingIdentitiesService@${address}`);
    if (!c) {
      c = new (spacemeshV2beta1()["SmeshingIdentitiesService"]!)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(`SmeshingIdentitiesService@${address}`, c);
    }
    const fn = (c as unknown as Record<string, Unary>)["States"]!.bind(c);
    return new Promise((resolve, reject) => fn(req, { deadline: Date.now() + this.deadlineMs }, (err, res) => (err ? reject(err) : resolve(res as { states: Record<string, unknown>[] }))));
  }

  /**
   * Follows AdminService.EventsStream, reconnecting with backoff. The node replays up to 100 events
   * on every (re)connect and emits deprecated twins next to their successors: each event reaches
   * `onEvent` once. Returns a function that stops following.
   */
  followEvents(onEvent: (e: NodeEvent) => void, onStatus: (s: EventsStreamStatus) => void): () => void {
    const dedupe = new EventDeduper();
    const backoff = this.opts.backoffMs ?? { initial: 1000, max: 30_000 };
    const setTimer = this.opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    let delay = backoff.initial;
    let call: grpc.ClientReadableStream<unknown> | null = null;
    let stopped = false;
    let attempt = 0;

    const connect = (): void => {
      if (stopped || this.closed) return;
      const my = ++attempt;
      let target: { client: grpc.Client; address: string };
      try {
        target = this.client("AdminService");
      } catch (err) {
        onStatus({ live: false, error: (err as Error).message });
        return;
      }
      const stream = (target.client as unknown as Record<string, (req: object) => grpc.ClientReadableStream<unknown>>)
        .EventsStream!.call(target.client, {});
      call = stream;
      let failed = false;
      const retry = (why: string): void => {
        if (failed || my !== attempt) return;
        failed = true;
        call = null;
        if (stopped || this.closed) return;
        onStatus({ live: false, error: `AdminService.EventsStream on ${target.address}: ${why}` });
        const t = setTimer(connect, delay);
        t.unref?.();
        delay = Math.min(backoff.max, delay * 2);
      };
      stream.on("metadata", () => {
        delay = backoff.initial;
        onStatus({ live: true, error: null });
      });
      stream.on("data", (raw: unknown) => {
        delay = backoff.initial;
        const e = normaliseEvent(raw as Record<string, unknown>);
        if (e && dedupe.firstTime(e)) onEvent(e);
      });
      stream.on("error", (err: grpc.ServiceError) => retry(err.details || err.message));
      stream.on("end", () => retry("stream ended"));
    };

    connect();
    const stop = (): void => {
      stopped = true;
      call?.cancel();
      call = null;
      this.stops.delete(stop);
    };
    this.stops.add(stop);
    return stop;
  }

  close(): void {
    this.closed = true;
    for (const s of [...this.stops]) s();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
