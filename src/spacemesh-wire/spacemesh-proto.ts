// Loads postdeck's minimal spacemesh.v1 .proto (proto/spacemesh.proto, wire-compatible with
// spacemeshos/api v1.55.0) for @grpc/grpc-js. Used by the node client in core and by the demo rig.
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export const PROTO_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../proto/spacemesh.proto");

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
