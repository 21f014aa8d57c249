// Loads postdeck's minimal spacemesh .protos for @grpc/grpc-js: spacemesh.v1 (proto/spacemesh.proto,
// wire-compatible with spacemeshos/api v1.55.0) and spacemesh.v2beta1's SmeshingIdentitiesService
// (proto/spacemesh-v2beta1.proto, node-split). Used by the node client in core and by the demo rig.
//
// The services' definitions are made here from protobufjs's reflection of the .proto, as
// @grpc/proto-loader makes them (the same paths, streams, method names, and serializers:
// fromObject then encode; decode then toObject with PROTO_OPTIONS), without what proto-loader
// also builds and postdeck never uses: a definition of every message and enum, each with the
// descriptor protos of every file (for gRPC server reflection), which asks protobufjs to
// generate and run the encoders of descriptor.proto. Every process that speaks gRPC (the daemon
// once its node answers, the simulated node and post-services) loads the protos once at start;
// test/spacemesh-wire/spacemesh-proto.test.ts checks the definitions against proto-loader's.
//
// The reflection is read from proto/<name>.json beside each .proto (written by
// scripts/proto-json.js): parsing the .proto text cost each of those processes about twice as much
// CPU as building the same reflection from its JSON.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";

export const PROTO_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../proto/spacemesh.proto");
export const PROTO_FILE_V2BETA1 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../proto/spacemesh-v2beta1.proto");

/** What grpc.loadPackageDefinition takes (its type is not exported by name). */
type PackageDefinition = Parameters<typeof grpc.loadPackageDefinition>[0];

/** Messages as objects: uint64 as exact decimal strings, enums by name, defaults filled in, the set oneof member named, bytes as Buffer. */
export const PROTO_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

function serializer(type: protobuf.Type): grpc.serialize<object> {
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
}

function deserializer(type: protobuf.Type): grpc.deserialize<object> {
  return (bytes) => type.toObject(type.decode(bytes), PROTO_OPTIONS);
}

function serviceDefinition(service: protobuf.Service, fullName: string): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const m of service.methodsArray) {
    // resolveAll() (serviceDefinitions) resolved every method's types, or threw
    const req = m.resolvedRequestType!;
    const res = m.resolvedResponseType!;
    def[m.name] = {
      path: `/${fullName}/${m.name}`,
      requestStream: !!m.requestStream,
      responseStream: !!m.responseStream,
      requestSerialize: serializer(req),
      requestDeserialize: deserializer(req),
      responseSerialize: serializer(res),
      responseDeserialize: deserializer(res),
      // the client's second name for the method (`postStates` beside `PostStates`)
      originalName: m.name.charAt(0).toLowerCase() + m.name.slice(1),
    };
  }
  return def;
}

/** The services of a namespace and of the namespaces in it, by full name (`spacemesh.v1.PostService`). */
function collectServices(ns: protobuf.NamespaceBase, prefix: string, out: PackageDefinition): void {
  for (const o of ns.nestedArray) {
    const fullName = prefix ? `${prefix}.${o.name}` : o.name;
    if (o instanceof protobuf.Service) out[fullName] = serviceDefinition(o, fullName);
    else if (o instanceof protobuf.Namespace && !(o instanceof protobuf.Type)) collectServices(o, fullName, out);
  }
}

/**
 * The package definition of a .proto file's services, from the reflection saved beside it
 * (`x.proto` → `x.json`: field names in camelCase, as proto-loader's keepCase: false, and the
 * google/protobuf types it imports).
 */
export function serviceDefinitions(file: string): PackageDefinition {
  const root = protobuf.Root.fromJSON(JSON.parse(readFileSync(file.replace(/\.proto$/, ".json"), "utf8")) as protobuf.INamespace);
  root.resolveAll();
  const def: PackageDefinition = {};
  collectServices(root, "", def);
  return def;
}

let cached: grpc.GrpcObject | null = null;

/** The `spacemesh.v1` package object: service constructors and their `.service` definitions. */
export function spacemeshV1(): Record<string, grpc.ServiceClientConstructor> {
  if (!cached) cached = grpc.loadPackageDefinition(serviceDefinitions(PROTO_FILE));
  const pkg = (cached["spacemesh"] as grpc.GrpcObject)["v1"] as unknown as Record<string, grpc.ServiceClientConstructor>;
  return pkg;
}

let cachedV2beta1: grpc.GrpcObject | null = null;

/** The `spacemesh.v2beta1` package object (SmeshingIdentitiesService). */
export function spacemeshV2beta1(): Record<string, grpc.ServiceClientConstructor> {
  if (!cachedV2beta1) cachedV2beta1 = grpc.loadPackageDefinition(serviceDefinitions(PROTO_FILE_V2BETA1));
  return (cachedV2beta1["spacemesh"] as grpc.GrpcObject)["v2beta1"] as unknown as Record<string, grpc.ServiceClientConstructor>;
}
