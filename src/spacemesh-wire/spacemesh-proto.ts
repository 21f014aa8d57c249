// Loads postdeck's minimal spacemesh .protos for @grpc/grpc-js: spacemesh.v1 (proto/spacemesh.proto,
// wire-compatible with spacemeshos/api v1.55.0) and spacemesh.v2beta1's SmeshingIdentitiesService
// (proto/spacemesh-v2beta1.proto, node-split). Used by the node client in core and by the demo rig.
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export const PROTO_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../proto/spacemesh.proto");
export const PROTO_FILE_V2BETA1 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../proto/spacemesh-v2beta1.proto");

/** Loader options: camelCase names, uint64 as exact decimal strings, enums by name, bytes as Buffer. */
export const PROTO_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: grpc.GrpcObject | null = null;

/** The `spacemesh.v1` package object: service constructors and their `.service` definitions. */
export function spacemeshV1(): Record<string, grpc.ServiceClientConstructor> {
  if (!cached) cached = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILE, PROTO_OPTIONS));
  const pkg = (cached["spacemesh"] as grpc.GrpcObject)["v1"] as unknown as Record<string, grpc.ServiceClientConstructor>;
  return pkg;
}

let cachedV2beta1: grpc.GrpcObject | null = null;

/** The `spacemesh.v2beta1` package object (SmeshingIdentitiesService). */
export function spacemeshV2beta1(): Record<string, grpc.ServiceClientConstructor> {
  if (!cachedV2beta1) cachedV2beta1 = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILE_V2BETA1, PROTO_OPTIONS));
  return (cachedV2beta1["spacemesh"] as grpc.GrpcObject)["v2beta1"] as unknown as Record<string, grpc.ServiceClientConstructor>;
}
