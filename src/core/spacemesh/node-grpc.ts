// A gRPC client for the node on top of postdeck's minimal proto
// (spacemeshV1()). One channel per listener: public (NodeService, ActivationService), private
// (SmesherService, AdminService) and post (PostInfoService). Every unary call has a deadline;
// keep-alive stays within the node's enforcement policy (MinTime 1 min, no pings without calls).
// Ids come back as Buffers and leave here as lowercase hex.
//
// The gRPC library itself (node-grpc-wire.ts) is loaded when the node is first reached: until
// then each call first tries a TCP connection to its listener, and a refused or timed-out one is
// the call's UNAVAILABLE error, as grpc-js gives it. A daemon whose node is absent (the test
// suite's, a rig set up before its node) never loads it: ~0.2 CPU-s of its start and ~16 MB of
// RSS. Once loaded it serves every call, the node up or down.
import { readFileSync } from "node:fs";
import net from "node:net";
import type * as grpc from "@grpc/grpc-js";
import type { TlsPem } from "./node-grpc-wire.js";
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

/** The mTLS PEM files' contents; an unreadable file is an error naming it. */
export function readTlsFiles(tls: NodeTls): TlsPem {
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`node.grpc.tls.${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { ca: read("ca", tls.ca), key: read("key", tls.key), cert: read("cert", tls.cert), domain: tls.domain ?? null };
}

/** grpc.status.UNAVAILABLE and UNIMPLEMENTED (the library's enum is not loaded before the node is reached). */
const UNAVAILABLE = 14;
const UNIMPLEMENTED = 12;

/** A listener that refused the TCP connection tried before the gRPC library is loaded: the call's error, shaped as grpc-js's. */
export class NodeUnreachable extends Error {
  readonly code = UNAVAILABLE;
  constructor(
    readonly address: string,
    readonly details: string,
  ) {
    super(`${UNAVAILABLE} UNAVAILABLE: ${details}`);
  }
}

/** `host:port` or `[v6]:port` as grpc-js dials it; null for other targets (`unix:`, `dns:///…`), which are not tried first. */
function tcpTarget(address: string): { host: string; port: number } | null {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(address) ?? /^([^:/\s[\]]+):(\d{1,5})$/.exec(address);
  return m ? { host: m[1]!, port: Number(m[2]) } : null;
}

/** Resolves once a TCP connection to `address` is accepted (and closes it); NodeUnreachable otherwise. */
function reach(address: string, timeoutMs: number): Promise<void> {
  const t = tcpTarget(address);
  if (!t) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: t.host, port: t.port });
    const done = (err: string | null) => {
      clearTimeout(timer);
      sock.destroy();
      if (err === null) resolve();
      else reject(new NodeUnreachable(address, `No connection established. Last error: Error: ${err}`)); // grpc-js's words
    };
    const timer = setTimeout(() => done(`connect ETIMEDOUT ${address}`), timeoutMs);
    sock.once("connect", () => done(null));
    sock.once("error", (err) => done(err.message));
  });
}

type Wire = typeof import("./node-grpc-wire.js");

export interface NodeGrpcOptions {
  deadlineMs?: number; // per unary call, default 2000
  backoffMs?: { initial: number; max: number }; // EventsStream reconnects, default 1 s … 30 s
  /** the reconnect timer (default: an unref'd setTimeout); returns what cancels it */
  setTimer?: (fn: () => void, ms: number) => () => void;
}

function unrefTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

type Unary = (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export class NodeGrpc implements NodeGrpcClient {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly deadlineMs: number;
  private closed = false;
  private readonly stops = new Set<() => void>();
  private statesAt: string | null = null; // the listener that answered States last
  private wire: Wire | null = null;
  private loading: Promise<Wire> | null = null;

  constructor(
    readonly addresses: NodeGrpcAddresses,
    private readonly opts: NodeGrpcOptions = {},
  ) {
    this.deadlineMs = opts.deadlineMs ?? 2000;
  }

  /** Whether the gRPC library is loaded (the node was reached once). */
  loaded(): boolean {
    return this.wire !== null;
  }

  /** The gRPC library: loaded once a TCP connection to `address` is accepted (NodeUnreachable until then). */
  private async load(address: string): Promise<Wire> {
    if (this.wire) return this.wire;
    if (!this.loading) {
      await reach(address, this.deadlineMs);
      this.loading ??= import("./node-grpc-wire.js").then(
        (w) => (this.wire = w),
        (err: unknown) => {
          this.loading = null;
          throw err;
        },
      );
    }
    const wire = await this.loading;
    if (this.closed) throw new Error("the node client is closed");
    return wire;
  }

  private async client(service: string): Promise<{ client: grpc.Client; address: string }> {
    const listener = SERVICE_LISTENER[service]!;
    const address = this.addresses[listener];
    if (!address) throw new Error(`no address for the node's ${listener} gRPC listener`);
    const key = `${service}@${address}`;
    const had = this.clients.get(key);
    if (had) return { client: had, address };
    const tls = listener === "post" ? (this.addresses.tls ?? null) : null;
    const pem = tls ? readTlsFiles(tls) : null; // a file it cannot read is named, node or not
    const wire = await this.load(address);
    let c = this.clients.get(key); // made by another call meanwhile
    if (!c) {
      c = wire.v1Client(service, address, pem);
      this.clients.set(key, c);
    }
    return { client: c, address };
  }

  private async unary<T>(service: string, method: string, req: object = {}): Promise<T> {
    let target: { client: grpc.Client; address: string };
    try {
      target = await this.client(service);
    } catch (err) {
      throw err instanceof NodeUnreachable ? new Error(`${service}.${method} on ${err.address}: ${err.details}`) : err;
    }
    return new Promise((resolve, reject) => {
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
    const answers = await Promise.all(all.map((address) => this.statesCall(address, req).then((r) => ({ address, r, err: null }), (err: grpc.ServiceError | NodeUnreachable) => ({ address, r: null, err }))));
    const ok = answers.find((a) => a.r !== null);
    if (ok) {
      this.statesAt = ok.address;
      return ok.r.states.map(normaliseIdentityState).filter((x): x is IdentityStateInfo => x !== null);
    }
    this.statesAt = null;
    const failed = answers.find((a) => a.err!.code !== UNIMPLEMENTED);
    if (!failed) return null;
    throw new Error(`SmeshingIdentitiesService.States on ${failed.address}: ${failed.err!.details || failed.err!.message}`);
  }

  private async statesCall(address: string, req: object): Promise<{ states: Record<string, unknown>[] }> {
    const key = `SmeshingIdentitiesService@${address}`;
    let c = this.clients.get(key);
    if (!c) {
      const wire = await this.load(address);
      c = this.clients.get(key) ?? wire.statesClient(address);
      this.clients.set(key, c);
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
    const setTimer = this.opts.setTimer ?? unrefTimer;
    let delay = backoff.initial;
    let call: grpc.ClientReadableStream<unknown> | null = null;
    let cancelTimer: (() => void) | null = null;
    let stopped = false;
    let attempt = 0;

    /** Tries again after the backoff (a stream that failed or ended, a node not reached yet). */
    const later = (address: string, why: string): void => {
      call = null;
      if (stopped || this.closed) return;
      onStatus({ live: false, error: `AdminService.EventsStream on ${address}: ${why}` });
      cancelTimer = setTimer(() => {
        cancelTimer = null;
        connect();
      }, delay);
      delay = Math.min(backoff.max, delay * 2);
    };

    const open = (target: { client: grpc.Client; address: string }, my: number): void => {
      const stream = (target.client as unknown as Record<string, (req: object) => grpc.ClientReadableStream<unknown>>)
        .EventsStream!.call(target.client, {});
      call = stream;
      let failed = false;
      const retry = (why: string): void => {
        if (failed || my !== attempt) return;
        failed = true;
        later(target.address, why);
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

    const connect = (): void => {
      if (stopped || this.closed) return;
      const my = ++attempt;
      this.client("AdminService").then(
        (target) => {
          if (!stopped && !this.closed && my === attempt) open(target, my);
        },
        (err: unknown) => {
          if (stopped || this.closed || my !== attempt) return;
          if (err instanceof NodeUnreachable) later(err.address, err.details);
          else onStatus({ live: false, error: (err as Error).message });
        },
      );
    };

    connect();
    const stop = (): void => {
      stopped = true;
      cancelTimer?.();
      cancelTimer = null;
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
