// post-service's gRPC client side of spacemesh.v1.PostService/Register (post-rs client.rs): dial the node,
// answer MetadataRequest and GenProofRequest lock-step, log `disconnected: …` and reconnect forever
// (or give up after --max-retries failed connection attempts).
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1 } from "../../spacemesh-wire/spacemesh-proto.js";
import type { EnvLogger } from "../env-logger.js";
import type { PostMetadata } from "../post-data.js";
import type { Prover } from "./prover.js";

const TONIC_CODE = [
  "Ok", "Cancelled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
  "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
  "Internal", "Unavailable", "DataLoss", "Unauthenticated",
];

const ERRNO: Record<string, [number, string, string]> = {
  ECONNREFUSED: [111, "ConnectionRefused", "Connection refused"],
  EHOSTUNREACH: [113, "HostUnreachable", "No route to host"],
  ENETUNREACH: [101, "NetworkUnreachable", "Network is unreachable"],
  ETIMEDOUT: [110, "TimedOut", "Connection timed out"],
};

function tonicConnectError(err: NodeJS.ErrnoException): string {
  const e = ERRNO[err.code ?? ""];
  if (e) return `tonic::transport::Error(Transport, ConnectError("tcp connect error", Os { code: ${e[0]}, kind: ${e[1]}, message: "${e[2]}" }))`;
  if (err.code === "ENOTFOUND" || err.code === "EAI_AGAIN") {
    return `tonic::transport::Error(Transport, ConnectError("dns error", Custom { kind: Uncategorized, error: "failed to lookup address information: Name or service not known" }))`;
  }
  return `tonic::transport::Error(Transport, ConnectError(${JSON.stringify(err.message)}))`;
}

function probe(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" }));
    }, 5000);
    s.once("connect", () => {
      clearTimeout(t);
      s.destroy();
      resolve(null);
    });
    s.once("error", (e) => {
      clearTimeout(t);
      resolve(e);
    });
  });
}

export function debugPostMetadata(m: PostMetadata): string {
  const bytes = (b: Buffer) => `[${[...b].join(", ")}]`;
  return (
    `PostMetadata { node_id: ${bytes(m.NodeId)}, commitment_atx_id: ${bytes(m.CommitmentAtxId)}, ` +
    `labels_per_unit: ${m.LabelsPerUnit}, num_units: ${m.NumUnits}, max_file_size: ${m.MaxFileSize}, ` +
    `nonce: ${m.Nonce === undefined ? "None" : `Some(${m.Nonce})`}, last_position: ${m.LastPosition === undefined ? "None" : `Some(${m.LastPosition})`} }`
  );
}

export function metadataMessage(m: PostMetadata): Record<string, unknown> {
  const msg: Record<string, unknown> = {
    nodeId: m.NodeId,
    commitmentAtxId: m.CommitmentAtxId,
    numUnits: m.NumUnits,
    labelsPerUnit: m.LabelsPerUnit.toString(),
  };
  if (m.Nonce !== undefined) msg["nonce"] = m.Nonce.toString();
  return msg;
}

/** The channel's credentials: plain, or TLS from the --ca-cert, --key and --cert files' contents. */
export function channelCredentials(tls: { ca: Buffer; key: Buffer; cert: Buffer } | null): grpc.ChannelCredentials {
  return tls ? grpc.credentials.createSsl(tls.ca, tls.key, tls.cert) : grpc.credentials.createInsecure();
}

export interface ClientOptions {
  uri: URL;
  credentials: grpc.ChannelCredentials;
  domain: string | null;
  meta: PostMetadata;
  prover: Prover;
  log: EnvLogger;
  reconnectIntervalS: number;
  maxRetries: number | null;
}

interface NodeRequest {
  kind?: "metadata" | "genProof";
  genProof?: { challenge: Buffer };
}

function serve(o: ClientOptions, host: string, port: number): Promise<string> {
  const Ctor = spacemeshV1()["PostService"]!;
  const options: grpc.ChannelOptions = {
    "grpc.keepalive_time_ms": 600_000,
    "grpc.keepalive_timeout_ms": 20_000,
  };
  if (o.domain) options["grpc.ssl_target_name_override"] = o.domain;
  const client = new Ctor(`${host.includes(":") ? `[${host}]` : host}:${port}`, o.credentials, options);
  const call = (client as unknown as { Register(): grpc.ClientDuplexStream<unknown, NodeRequest> }).Register();
  return new Promise((resolve) => {
    call.on("data", (req: NodeRequest) => {
      if (req.kind === "metadata") {
        o.log.info("post_service::client", `obtained metadata: ${debugPostMetadata(o.meta)}`);
        call.write({ metadata: { meta: metadataMessage(o.meta) } });
      } else if (req.kind === "genProof" && req.genProof) {
        const challenge = Buffer.from(req.genProof.challenge);
        const r = o.prover.genProof(challenge);
        if (r.kind === "in-progress") {
          o.log.debug("post_service::client", "proof generation in progress"); // DEBUG in post-service 0.8
          call.write({ genProof: { status: "GEN_PROOF_STATUS_OK" } });
        } else if (r.kind === "finished") {
          o.log.info("post_service::client", "proof generation finished");
          o.log.info("post_service::client", "verifying proof");
          const t0 = performance.now();
          const err = o.prover.verifyProof(challenge);
          const took = (performance.now() - t0) / 1000 + 0.25; // light RandomX verifier set-up of the real one
          if (err) {
            o.log.error("post_service::client", `failed proof verification: ${err} (verification took: ${took}s)`);
            call.write({ genProof: { status: "GEN_PROOF_STATUS_ERROR" } });
            return;
          }
          o.log.info("post_service::client", `proof is valid (verification took: ${took}s)`);
          call.write({
            genProof: {
              status: "GEN_PROOF_STATUS_OK",
              proof: { nonce: r.proof.nonce, indices: r.proof.indices, pow: r.proof.pow },
              metadata: { challenge, meta: metadataMessage(o.meta) },
            },
          });
        } else {
          o.log.error("post_service::client", `failed to generate proof: ${r.error}`);
          call.write({ genProof: { status: "GEN_PROOF_STATUS_ERROR" } });
        }
      } else {
        o.log.warn("post_service::client", "Got a request with no kind");
      }
    });
    call.on("error", () => undefined); // reported through 'status'
    call.on("end", () => call.end());
    call.on("status", (st: grpc.StatusObject) => {
      client.close();
      if (st.code === grpc.status.OK) resolve("Ok(())");
      else {
        resolve(
          `Err(status: ${TONIC_CODE[st.code] ?? "Unknown"}, message: ${JSON.stringify(st.details)}, details: [], metadata: MetadataMap { headers: {} })`,
        );
      }
    });
  });
}

/** Runs until --max-retries is exhausted (returns the error message); otherwise never returns. */
export async function runClient(o: ClientOptions): Promise<string> {
  const host = o.uri.hostname.replace(/^\[|\]$/g, "");
  const port = Number(o.uri.port || (o.uri.protocol === "https:" ? 443 : 80));
  for (;;) {
    let attempt = 1;
    for (;;) {
      o.log.debug("post_service::client", `connecting to the node on ${o.uri.toString()} (attempt ${attempt})`);
      const err = await probe(host, port);
      if (!err) break;
      o.log.info("post_service::client", `could not connect to the node: ${tonicConnectError(err)}`);
      if (o.maxRetries !== null && attempt > o.maxRetries) return `max retries (${o.maxRetries}) reached`;
      await sleep(o.reconnectIntervalS * 1000);
      attempt++;
    }
    const res = await serve(o, host, port);
    o.log.info("post_service::client", `disconnected: ${res}`);
    await sleep(o.reconnectIntervalS * 1000);
  }
}
