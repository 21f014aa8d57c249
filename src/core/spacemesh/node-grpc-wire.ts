// The node client's gRPC side: @grpc/grpc-js, protobufjs and postdeck's .protos (~590 kB of
// bundle, ~0.2 CPU-s and ~16 MB of RSS to load and compile the protos). NodeGrpc (node-grpc.ts)
// imports this module only once one of the node's listeners accepts a connection: a daemon whose
// node is absent (the test suite's, a rig set up before its node) never loads it.
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1, spacemeshV2beta1 } from "../../spacemesh-wire/spacemesh-proto.js";

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
  // for as long as the node was down (a rig without a node: ~6 % of the daemon's CPU with 16
  // services writing bursts). A node that opens its listeners after a long while is seen at most
  // 10 s late; the backoff starts over once a connection succeeds.
  "grpc.initial_reconnect_backoff_ms": 250,
  "grpc.max_reconnect_backoff_ms": 10_000,
  // Connections of this client's own: grpc-js otherwise shares one per address and options across
  // the process, so a new client (a NodeGrpc made after a config change, or in another test file
  // of the same worker) took over an old one's reconnect backoff, up to the 10 s above, before its
  // first call. One connection per service client (≤ 6 to a node instead of ≤ 4).
  "grpc.use_local_subchannel_pool": 1,
};

/** The PEM files' contents for mTLS, and the server name to check. */
export interface TlsPem {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  domain?: string | null;
}

/** A spacemesh.v1 service's client on one address (mTLS when pem is given). */
export function v1Client(service: string, address: string, pem: TlsPem | null): grpc.Client {
  const Ctor = spacemeshV1()[service]!;
  if (!pem) return new Ctor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const creds = grpc.credentials.createSsl(pem.ca, pem.key, pem.cert);
  return new Ctor(address, creds, { ...CHANNEL_OPTIONS, ...(pem.domain ? { "grpc.ssl_target_name_override": pem.domain } : {}) });
}

/** spacemesh.v2beta1.SmeshingIdentitiesService's client on one address. */
export function statesClient(address: string): grpc.Client {
  return new (spacemeshV2beta1()["SmeshingIdentitiesService"]!)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
}
