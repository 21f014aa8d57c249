// The simulated node's smeshing side: post-service connections (PostService.Register, node = server),
// per-identity IDLE/PROVING state (PostInfoService.PostStates) and a time-compressed epoch: the initial
// proof at start for identities without an ATX, then at every cycle gap a proof for every identity.
// While PROVING the node sends GenProofRequest every 2 s (lock-step) to the identity's post-service.
import crypto from "node:crypto";
import fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { writeFileAtomicSync } from "../atomic-write.js";
import { goDuration, type ZapLogger } from "../zap-logger.js";
import type { EventBus } from "./events.js";
import type { Identity } from "./identities.js";

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
  state: "IDLE" | "PROVING";
  challenge: Buffer;
  initial: boolean;
  publishEpoch: number;
  startedAt: number | null;
  busy: boolean;
  retryAt: number;
  lastWarn: number;
}

export interface Timing {
  layerMs: number;
  everyMs: number;
  lengthMs: number;
  firstGapMs: number;
  warnMs: number;
}

export class Smesher {
  private readonly conns = new Map<string, Conn>();
  private readonly ids: IdState[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly t0 = Date.now();
  private gapIndex = 0;
  private gapTimer: NodeJS.Timeout | null = null;
  private atxs: Record<string, { epoch: number; atx: string }> = {};
  private readonly nipost: ZapLogger;
  private readonly atxBuilder: ZapLogger;
  private readonly postService: ZapLogger;

  constructor(
    identities: Identity[],
    private readonly timing: Timing,
    private readonly coinbase: string,
    private readonly stateFile: string,
    log: ZapLogger,
    private readonly events: EventBus,
  ) {
    this.nipost = log.named("nipostBuilder");
    this.atxBuilder = log.named("atxBuilder");
    this.postService = log.named("postService");
    try {
      this.atxs = (JSON.parse(fs.readFileSync(stateFile, "utf8")) as { atxs?: Record<string, { epoch: number; atx: string }> }).atxs ?? {};
    } catch {
      this.atxs = {};
    }
    this.ids = identities.map((identity) => {
      const hex = identity.id.toString("hex");
      const hasAtx = this.atxs[hex] !== undefined;
      return {
        identity,
        hex,
        state: hasAtx ? "IDLE" : "PROVING",
        challenge: Buffer.alloc(32),
        initial: !hasAtx,
        publishEpoch: hasAtx ? this.atxs[hex]!.epoch : 0,
        startedAt: null,
        busy: false,
        retryAt: 0,
        lastWarn: 0,
      } satisfies IdState;
    });
  }

  get layer(): number {
    return Math.floor((Date.now() - this.t0) / this.timing.layerMs);
  }
  get layersPerEpoch(): number {
    return Math.max(1, Math.round(this.timing.everyMs / this.timing.layerMs));
  }
  get epoch(): number {
    return Math.floor(this.layer / this.layersPerEpoch);
  }

  /** Wall-clock time (ms) at which the next cycle gap opens. */
  nextGapAt(): number {
    const first = this.t0 + this.timing.firstGapMs;
    const now = Date.now();
    if (now < first) return first;
    return first + (Math.floor((now - first) / this.timing.everyMs) + 1) * this.timing.everyMs;
  }

  postStates(): { id: Buffer; state: string; name: string }[] {
    return this.ids.map((s) => ({ id: s.identity.id, state: s.state, name: s.identity.name }));
  }

  start(): void {
    this.timers.push(setInterval(() => this.tick(), QUERY_INTERVAL_MS));
    const scheduleGap = (delay: number) => {
      this.gapTimer = setTimeout(() => {
        this.openCycleGap();
        scheduleGap(this.timing.everyMs);
      }, delay);
    };
    scheduleGap(this.timing.firstGapMs);
    setImmediate(() => this.tick());
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    for (const c of this.conns.values()) c.call.end();
  }

  private openCycleGap(): void {
    this.gapIndex++;
    const publish = this.epoch + 1;
    const roundId = String(100 + this.gapIndex);
    this.events.emit("proofDownloadedFromPoet", { url: POET_URL, roundId, ticks: "1234567" }, "Node downloaded the PoET proof.");
    for (const s of this.ids) {
      if (s.state === "PROVING") continue; // still on a previous proof
      s.state = "PROVING";
      s.initial = false;
      s.publishEpoch = publish;
      s.challenge = crypto.createHash("sha256").update(`challenge-${publish}-${this.gapIndex}`).update(s.identity.id).digest();
      s.startedAt = null;
      s.retryAt = 0;
      s.lastWarn = 0;
      this.nipost.info("building nipost", [
        ["poet round start", new Date().toISOString()],
        ["poet round end", new Date(Date.now() + this.timing.lengthMs).toISOString()],
        ["publish epoch end", new Date(Date.now() + this.timing.everyMs).toISOString()],
        ["publish epoch", publish],
        ["smesherID", s.hex],
      ]);
      this.nipost.info("got poet proof", [["smesherID", s.hex]]);
      this.events.emit(
        "bestProofSelected",
        { url: POET_URL, roundId, ticks: "1234567", smesher: s.identity.id },
        "Node selected the best PoET proof.",
      );
    }
  }

  private tick(): void {
    const now = Date.now();
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
    else this.atxBuilder.error("failed to build ATX", [["smesherID", s.hex], ["error", error]]);
    this.events.emit("postComplete", { challenge: Buffer.alloc(0), smesher: s.identity.id }, "Node failed PoST execution.", true);
    s.startedAt = null;
    s.retryAt = Date.now() + this.timing.layerMs; // retried every layer
  }

  private succeed(s: IdState): void {
    const duration = Date.now() - (s.startedAt ?? Date.now());
    this.nipost.info("finished post execution", [["duration", goDuration(duration)]]);
    this.events.emit("postComplete", { challenge: s.challenge, smesher: s.identity.id }, "Node finished PoST execution using PoET challenge.");
    if (!s.initial) this.nipost.info("finished nipost construction", [["smesherID", s.hex]]);
    const publish = Math.max(s.publishEpoch, this.epoch + 1);
    const atxId = crypto.createHash("sha256").update(`atx-${publish}`).update(s.identity.id).update(s.challenge).digest();
    this.atxBuilder.info("atx challenge is ready", [["smesherID", s.hex], ["current epoch", this.epoch], ["publish epoch", publish]]);
    this.atxBuilder.info("broadcasting ATX", [["atx_id", atxId.toString("hex").slice(0, 10)], ["smesherID", s.hex]]);
    this.atxBuilder.info("atx published", [["atx_id", atxId.toString("hex").slice(0, 10)], ["size", 660]]);
    const untilMs = this.t0 + (publish + 1) * this.layersPerEpoch * this.timing.layerMs;
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
    this.events.emit("registeredInPoet", { url: POET_URL, smesher: s.identity.id, roundId: String(101 + this.gapIndex) }, "Registered in PoET.");
    // v1.7.x emits the deprecated twin and the new event back to back; the round ends when the next gap opens.
    const roundEnd = this.nextGapAt();
    const ts = { seconds: String(Math.floor(roundEnd / 1000)), nanos: 0 };
    const w = Math.max(0, roundEnd - Date.now());
    const help = "Waiting for the PoET round to end.";
    this.events.emit("poetWaitProof", { publish: publish + 1, target: publish + 2, wait: { seconds: String(Math.floor(w / 1000)), nanos: (w % 1000) * 1e6 }, until: ts, smesher: s.identity.id }, help);
    this.events.emit("waitingForPoetRoundEnd", { publish: publish + 1, target: publish + 2, roundEnd: ts, smesher: s.identity.id }, help);
    s.state = "IDLE";
    s.initial = false;
    s.startedAt = null;
    this.atxs[s.hex] = { epoch: publish, atx: atxId.toString("hex") };
    try {
      writeFileAtomicSync(this.stateFile, JSON.stringify({ atxs: this.atxs }, null, 2));
    } catch {
      /* the data folder may be read-only: state then lasts for this run */
    }
  }

  private request(conn: Conn, req: unknown): Promise<ServiceResponse> {
    if (conn.closed) return Promise.reject(new Error("closed"));
    return new Promise((resolve, reject) => {
      conn.pending = { resolve, reject };
      conn.call.write(req);
    });
  }

  /** The PostService.Register handler. */
  register(call: grpc.ServerDuplexStream<ServiceResponse, unknown>): void {
    const fail = (code: grpc.status, details: string) => {
      call.emit("error", { code, details, metadata: new grpc.Metadata() });
    };
    if (!this.coinbase) {
      fail(grpc.status.FAILED_PRECONDITION, "connection not allowed: node has no coinbase set in config");
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
          fail(grpc.status.UNKNOWN, `expected metadata response, got ${resp.kind === "genProof" ? "*v1.ServiceResponse_GenProof" : "<nil>"}`);
          return;
        }
        const meta = resp.metadata?.meta;
        if (!meta) {
          fail(grpc.status.UNKNOWN, "expected metadata, got empty response");
          return;
        }
        const id = Buffer.from(meta.nodeId);
        hex = id.toString("hex");
        if (this.conns.has(hex)) {
          fail(grpc.status.UNKNOWN, "post service already registered");
          return;
        }
        conn = { call, pending: null, closed: false };
        this.conns.set(hex, conn);
        this.postService.info("post service registered", [["node_id", hex]]);
        setImmediate(() => this.tick());
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
