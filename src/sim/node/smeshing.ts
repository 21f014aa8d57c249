// The simulated node's smeshing side: post-service connections (PostService.Register, node = server),
// per-identity IDLE/PROVING state (PostInfoService.PostStates) and the epoch on the network's clock
// (network.ts): the initial proof at start for identities that never proved, then in every cycle
// gap (after the PoET proof is fetched) a proof for every identity, the ATX broadcast after each
// proof, the registration for the next PoET round, and eligibilities and proposals in the ATX's
// target epoch. While PROVING the node sends GenProofRequest every 2 s to the identity's post-service;
// a post-service that registers meanwhile is asked at the next of these 2-s looks, not at once
// (go-spacemesh: NIPostBuilder.Proof retries postService.Client(nodeID) every 2 s).
import crypto from "node:crypto";
import fs from "node:fs";
import type * as grpc from "@grpc/grpc-js";
import { writeFileAtomicSync } from "../atomic-write.js";
import { goDuration, type ZapLogger } from "../zap-logger.js";
import type { EventBus } from "./events.js";
import type { Identity } from "./identities.js";
import { cycleGap, epochNow, epochStartMs, layerNow, type Network } from "./network.js";

export const QUERY_INTERVAL_MS = 2000;
export const POET_URL = "https://poet-110.spacemesh.network";

interface ServiceResponse {
  kind?: "metadata" | "genProof";
  metadata?: { meta?: { nodeId: Buffer } | null };
  genProof?: {
    status: string;
    proof?: { nonce: number; indices: Buffer; pow: string } | null;
    metadata?: { challenge: Buffer; meta?: unknown } | null;
  };
}

interface Conn {
  call: grpc.ServerDuplexStream<ServiceResponse, unknown>;
  pending: { resolve: (r: ServiceResponse) => void; reject: (e: Error) => void } | null;
  closed: boolean;
}

interface IdState {
  identity: Identity;
  hex: string;
  short: string; // first 3 bytes, as v1.6+ logs ids
  state: "IDLE" | "PROVING";
  challenge: Buffer;
  initial: boolean;
  gapEpoch: number | null; // the epoch whose cycle gap this proof is for (null = the initial proof)
  startedAt: number | null;
  busy: boolean;
  retryAt: number;
  lastWarn: number;
}

interface Persisted {
  initialDone?: Record<string, true>;
  atxs?: Record<string, { epoch: number; atx: string }>; // last ATX per identity: publish epoch
  gaps?: Record<string, number>; // the last cycle gap (its epoch) each identity proved in
}

export interface Timing {
  network: Network;
  warnMs: number;
  /** The looks while PROVING (ask, fetch the proof): QUERY_INTERVAL_MS unless POSTDECK_SIM_NODE_QUERY_MS says otherwise. */
  queryMs?: number;
}

/** A share of the cycle gap after the round end before the PoET proof is fetched (the node waits 2–4 %). */
const POET_JITTER_MIN = 0.02;
const POET_JITTER_MAX = 0.04;

export class Smesher {
  private readonly conns = new Map<string, Conn>();
  private readonly ids: IdState[];
  private readonly timers: NodeJS.Timeout[] = [];
  private persisted: Persisted;
  private readonly nipost: ZapLogger;
  private readonly atxBuilder: ZapLogger;
  private readonly postService: ZapLogger;
  private readonly poetEpochs = new Set<number>(); // gaps whose PoET proof download was announced
  private readonly eligible = new Map<string, { epoch: number; layers: number[]; sent: Set<number> }>();

  constructor(
    identities: Identity[],
    private readonly timing: Timing,
    private readonly coinbase: string,
    private readonly stateFile: string,
    log: ZapLogger,
    private readonly events: EventBus,
    /** false while smeshing has not started: nothing is asked, PostStates and SmesherIDs are empty */
    readonly smeshing = true,
  ) {
    this.nipost = log.named("nipostBuilder");
    this.atxBuilder = log.named("atxBuilder");
    this.postService = log.named("postService");
    try {
      this.persisted = JSON.parse(fs.readFileSync(stateFile, "utf8")) as Persisted;
    } catch {
      this.persisted = {};
    }
    const done = this.persisted.initialDone ?? {};
    const atxs = this.persisted.atxs ?? {};
    this.ids = identities.map((identity) => {
      const hex = identity.id.toString("hex");
      const initial = !done[hex] && atxs[hex] === undefined;
      return {
        identity,
        hex,
        short: hex.slice(0, 6),
        state: initial ? "PROVING" : "IDLE",
        challenge: Buffer.alloc(32),
        initial,
        gapEpoch: null,
        startedAt: null,
        busy: false,
        retryAt: 0,
        lastWarn: Date.now(), // the node waits its warn interval before the first "not connected"
      } satisfies IdState;
    });
  }

  private get net(): Network {
    return this.timing.network;
  }
  get layer(): number {
    return layerNow(this.net);
  }
  get layersPerEpoch(): number {
    return this.net.layersPerEpoch;
  }
  get epoch(): number {
    return epochNow(this.net);
  }

  postStates(): { id: Buffer; state: string; name: string }[] {
    if (!this.smeshing) return [];
    return this.ids.map((s) => ({ id: s.identity.id, state: s.state, name: s.identity.name }));
  }

  /** The signers the ATX builder registered: none until smeshing starts. */
  smesherIds(): Buffer[] {
    return this.smeshing ? this.ids.map((s) => s.identity.id) : [];
  }

  start(): void {
    if (!this.smeshing) return;
    this.timers.push(setInterval(() => this.tick(), this.timing.queryMs ?? QUERY_INTERVAL_MS));
    setImmediate(() => this.tick());
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.conns.values()) c.call.end();
  }

  private persist(): void {
    try {
      writeFileAtomicSync(this.stateFile, JSON.stringify(this.persisted, null, 2));
    } catch {
      /* the data folder may be read-only: state then lasts for this run */
    }
  }

  /** The epoch whose cycle gap is open now, or null. */
  private openGap(now: number): number | null {
    const e = epochNow(this.net, now);
    for (const x of [e, e + 1]) {
      const g = cycleGap(this.net, x);
      if (now >= g.opens && now < g.closes) return x;
    }
    return null;
  }

  /** Gap open: after the PoET round ended (plus the node's jitter) every identity wants its proof. */
  private gapTick(now: number): void {
    const gapEpoch = this.openGap(now);
    if (gapEpoch === null) return;
    const g = cycleGap(this.net, gapEpoch);
    const jitter = this.net.cycleGapMs * (POET_JITTER_MIN + (POET_JITTER_MAX - POET_JITTER_MIN) * 0.5);
    if (now < g.opens + jitter) return;
    const roundId = String(gapEpoch);
    if (!this.poetEpochs.has(gapEpoch)) {
      this.poetEpochs.add(gapEpoch);
      this.events.emit("proofDownloadedFromPoet", { url: POET_URL, roundId, ticks: "1234567" }, "Node downloaded the PoET proof.");
    }
    for (const s of this.ids) {
      if (s.state === "PROVING" || s.gapEpoch === gapEpoch) continue;
      if (this.persisted.gaps?.[s.hex] === gapEpoch) {
        s.gapEpoch = gapEpoch; // proved for this gap before a restart
        continue;
      }
      s.state = "PROVING";
      s.initial = false;
      s.gapEpoch = gapEpoch;
      s.challenge = crypto.createHash("sha256").update(`challenge-${gapEpoch}`).update(s.identity.id).digest();
      s.startedAt = null;
      s.retryAt = 0;
      s.lastWarn = now;
      this.nipost.info("building nipost", [
        ["poet round start", new Date(cycleGap(this.net, gapEpoch - 1).closes).toISOString()],
        ["poet round end", new Date(g.opens).toISOString()],
        ["publish epoch end", new Date(epochStartMs(this.net, gapEpoch + 1)).toISOString()],
        ["publish epoch", gapEpoch],
        ["smesherID", s.short],
      ]);
      this.events.emit("bestProofSelected", { url: POET_URL, roundId, ticks: "1234567", smesher: s.identity.id }, "Node selected the best PoET proof.");
    }
  }

  /** From the target epoch on, an identity with an ATX is eligible in a few layers and proposes in them. */
  private eligibilityTick(now: number): void {
    const epoch = epochNow(this.net, now);
    const layer = layerNow(this.net, now);
    for (const s of this.ids) {
      const atx = this.persisted.atxs?.[s.hex];
      if (!atx || atx.epoch + 1 !== epoch) continue;
      let el = this.eligible.get(s.hex);
      if (!el || el.epoch !== epoch) {
        const seed = crypto.createHash("sha256").update(`eligible-${epoch}`).update(s.identity.id).digest();
        const first = epoch * this.net.layersPerEpoch;
        const layers = [...new Set([seed[0]! % this.net.layersPerEpoch, seed[1]! % this.net.layersPerEpoch])].map((x) => first + x).sort((a, b) => a - b);
        el = { epoch, layers, sent: new Set() };
        this.eligible.set(s.hex, el);
        this.events.emit(
          "eligibilities",
          { epoch, beacon: seed.subarray(0, 4), atx: Buffer.from(atx.atx, "hex"), activeSetSize: 1000 + this.ids.length, eligibilities: layers.map((l) => ({ layer: l, count: 1 })), smesher: s.identity.id },
          "Computed eligibilities for the epoch. Rewards will be received after publishing proposals at specified layers. Rewards actually received will be based on the number of other participants in each layer.",
        );
      }
      for (const l of el.layers) {
        if (l > layer || el.sent.has(l)) continue;
        el.sent.add(l);
        const proposal = crypto.createHash("sha256").update(`proposal-${l}`).update(s.identity.id).digest().subarray(0, 20);
        this.events.emit("proposal", { layer: l, proposal, smesher: s.identity.id }, "Published proposal. Rewards will be received, once proposal is included into the block.");
      }
    }
  }

  private tick(): void {
    const now = Date.now();
    this.gapTick(now);
    this.eligibilityTick(now);
    for (const s of this.ids) {
      if (s.state !== "PROVING" || s.busy || now < s.retryAt) continue;
      const conn = this.conns.get(s.hex);
      if (!conn) {
        if (now - s.lastWarn >= this.timing.warnMs) {
          s.lastWarn = now;
          this.nipost.warn("post service not connected - waiting for reconnection", [
            ["smesherID", s.hex],
            ["error", "post service not registered"],
          ]);
        }
        continue;
      }
      void this.query(s, conn);
    }
  }

  private async query(s: IdState, conn: Conn): Promise<void> {
    s.busy = true;
    try {
      if (s.startedAt === null) {
        s.startedAt = Date.now();
        this.nipost.info("starting post execution", [["challenge", s.challenge.toString("base64")]]);
        this.events.emit("postStart", { challenge: s.challenge, smesher: s.identity.id }, "Node started PoST execution using the challenge from PoET.");
      }
      const resp = await this.request(conn, { genProof: { challenge: s.challenge } });
      const gp = resp.kind === "genProof" ? resp.genProof : undefined;
      if (!gp) throw new Error("unexpected response");
      if (gp.status === "GEN_PROOF_STATUS_OK" && !gp.proof) return; // in progress
      if (gp.status === "GEN_PROOF_STATUS_OK" && gp.proof && gp.metadata && Buffer.from(gp.metadata.challenge).equals(s.challenge) && gp.metadata.meta) {
        this.succeed(s);
        return;
      }
      const why =
        gp.status === "GEN_PROOF_STATUS_OK"
          ? "post execution: invalid proof metadata"
          : gp.status === "GEN_PROOF_STATUS_ERROR"
            ? "post execution: error generating proof: status:GEN_PROOF_STATUS_ERROR"
            : "post execution: unspecified error generating proof: status:GEN_PROOF_STATUS_UNSPECIFIED";
      this.fail(s, why);
    } catch {
      // stream closed: the next tick waits for a new registration
    } finally {
      s.busy = false;
    }
  }

  private fail(s: IdState, error: string): void {
    if (s.initial) this.atxBuilder.error("failed to generate initial proof:", [["error", error]]);
    else this.atxBuilder.error("failed to build ATX", [["smesherID", s.short], ["error", error]]);
    this.events.emit("postComplete", { challenge: Buffer.alloc(0), smesher: s.identity.id }, "Node failed PoST execution.", true);
    s.startedAt = null;
    s.retryAt = Date.now() + this.net.layerMs; // retried every layer
  }

  private succeed(s: IdState): void {
    const duration = Date.now() - (s.startedAt ?? Date.now());
    this.nipost.info("finished post execution", [["duration", goDuration(duration)]]);
    this.events.emit("postComplete", { challenge: s.challenge, smesher: s.identity.id }, "Node finished PoST execution using PoET challenge.");
    this.nipost.info("finished nipost construction");
    const publish = s.gapEpoch ?? this.epoch;
    const atxId = crypto.createHash("sha256").update(`atx-${publish}`).update(s.identity.id).update(s.challenge).digest();
    const atxShort = atxId.toString("hex").slice(0, 6);
    this.atxBuilder.info("atx challenge is ready", [["smesherID", s.short], ["current epoch", this.epoch], ["publish epoch", publish]]);
    this.atxBuilder.info("broadcasting ATX", [["atx_id", atxShort], ["smesherID", s.short]]);
    this.atxBuilder.info("atx published", [["atx_id", atxShort], ["size", 660]]);
    const untilMs = epochStartMs(this.net, publish + 1);
    const wait = Math.max(0, untilMs - Date.now());
    this.events.emit(
      "atxPublished",
      {
        current: publish,
        target: publish + 1,
        id: atxId,
        wait: { seconds: String(Math.floor(wait / 1000)), nanos: (wait % 1000) * 1e6 },
        until: { seconds: String(Math.floor(untilMs / 1000)), nanos: 0 },
        smesher: s.identity.id,
      },
      "Published activation. Tick count will be available after the target epoch has started.",
    );
    // the challenge for the next PoET round (the one starting when this gap closes)
    const nextRound = publish + 1;
    this.nipost.info("challenge submitted to poet proving service", [["smesherID", s.short], ["poet", POET_URL], ["round", String(nextRound)]]);
    this.events.emit("registeredInPoet", { url: POET_URL, smesher: s.identity.id, roundId: String(nextRound) }, "Registered in PoET.");
    // v1.7.x emits the deprecated twin and the new event back to back; the round ends when the next gap opens
    const roundEnd = cycleGap(this.net, publish + 1).opens;
    const ts = { seconds: String(Math.floor(roundEnd / 1000)), nanos: 0 };
    const w = Math.max(0, roundEnd - Date.now());
    const help = "Waiting for the PoET round to end.";
    this.events.emit("poetWaitProof", { publish: publish + 1, target: publish + 2, wait: { seconds: String(Math.floor(w / 1000)), nanos: (w % 1000) * 1e6 }, until: ts, smesher: s.identity.id }, help);
    this.events.emit("waitingForPoetRoundEnd", { publish: publish + 1, target: publish + 2, roundEnd: ts, smesher: s.identity.id }, help);
    s.state = "IDLE";
    s.initial = false;
    s.startedAt = null;
    this.persisted.initialDone = { ...(this.persisted.initialDone ?? {}), [s.hex]: true };
    this.persisted.atxs = { ...(this.persisted.atxs ?? {}), [s.hex]: { epoch: publish, atx: atxId.toString("hex") } };
    if (s.gapEpoch !== null) this.persisted.gaps = { ...(this.persisted.gaps ?? {}), [s.hex]: s.gapEpoch };
    this.persist();
  }

  private request(conn: Conn, req: unknown): Promise<ServiceResponse> {
    if (conn.closed) return Promise.reject(new Error("closed"));
    return new Promise((resolve, reject) => {
      conn.pending = { resolve, reject };
      conn.call.write(req);
    });
  }

  /** The PostService.Register handler; `fail` ends the call with that gRPC status (grpc.ts). */
  register(call: grpc.ServerDuplexStream<ServiceResponse, unknown>, fail: (code: "FAILED_PRECONDITION" | "UNKNOWN", details: string) => void): void {
    if (!this.coinbase) {
      fail("FAILED_PRECONDITION", "connection not allowed: node has no coinbase set in config");
      return;
    }
    let conn: Conn | null = null;
    let hex = "";
    const close = () => {
      if (!conn || conn.closed) return;
      conn.closed = true;
      if (this.conns.get(hex) === conn) this.conns.delete(hex);
      conn.pending?.reject(new Error("closed"));
      conn.pending = null;
    };
    call.on("data", (resp: ServiceResponse) => {
      if (!conn) {
        if (resp.kind !== "metadata") {
          fail("UNKNOWN", `expected metadata response, got ${resp.kind === "genProof" ? "*v1.ServiceResponse_GenProof" : "<nil>"}`);
          return;
        }
        const meta = resp.metadata?.meta;
        if (!meta) {
          fail("UNKNOWN", "expected metadata, got empty response");
          return;
        }
        const id = Buffer.from(meta.nodeId);
        hex = id.toString("hex");
        if (this.conns.has(hex)) {
          fail("UNKNOWN", "post service already registered");
          return;
        }
        conn = { call, pending: null, closed: false };
        this.conns.set(hex, conn);
        this.postService.info("post service registered", [["node_id", hex]]);
        // not asked now: as go-spacemesh's NIPostBuilder.Proof, an identity waiting for its
        // post-service looks for it every 2 s (QUERY_INTERVAL_MS) and asks at the next look
        return;
      }
      const p = conn.pending;
      conn.pending = null;
      p?.resolve(resp);
    });
    call.on("end", () => {
      close();
      call.end();
    });
    call.on("error", close);
    call.on("cancelled", close);
    call.on("close", close);
    call.write({ metadata: {} });
  }
}
