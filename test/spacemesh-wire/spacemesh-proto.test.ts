// postdeck's service definitions of the spacemesh .protos (src/spacemesh-wire/spacemesh-proto.ts)
// against @grpc/proto-loader's, the reference (a dev dependency): the same services, paths, streams
// and method names, the same bytes for every request and response, the same objects from them.
// And what loading them takes in a process of its own: neither proto-loader nor descriptor.proto.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { PROTO_FILE, PROTO_FILE_V2BETA1, serviceDefinitions } from "../../src/spacemesh-wire/spacemesh-proto.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

type Method = { path: string; requestStream: boolean; responseStream: boolean; originalName?: string; requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): unknown; responseSerialize(v: unknown): Buffer; responseDeserialize(b: Buffer): unknown };
type Services = Record<string, Record<string, Method>>;

const SCALARS: Record<string, (pick: number) => unknown> = {
  double: (p) => 1.5 + p,
  float: (p) => 0.25 * (p + 1),
  int32: (p) => -7 - p,
  sint32: (p) => -8 - p,
  sfixed32: (p) => -9 - p,
  uint32: (p) => 4294967295 - p,
  fixed32: (p) => 7 + p,
  int64: (p) => String(-9007199254740993n - BigInt(p)), // beyond 2^53: exact only as a string
  sint64: (p) => String(-9007199254740995n - BigInt(p)),
  sfixed64: (p) => String(9007199254740995n + BigInt(p)),
  uint64: (p) => String(18446744073709551615n - BigInt(p)),
  fixed64: (p) => String(9007199254740997n + BigInt(p)),
  bool: (p) => p % 2 === 0,
  string: (p) => `s${p}-é`,
  bytes: (p) => Buffer.from([0, p, 255]),
};

/** A message of `type` with every field set (of each oneof the member `pick` chooses), nested messages 3 deep. */
function sample(type: protobuf.Type, pick: number, depth = 0): Record<string, unknown> {
  const chosen = new Set(type.oneofsArray.map((o) => o.fieldsArray[pick % o.fieldsArray.length]!.name));
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    if (f.partOf && !chosen.has(f.name)) continue;
    f.resolve();
    let v: unknown;
    if (f.resolvedType instanceof protobuf.Enum) {
      const names = Object.keys(f.resolvedType.values);
      v = names[(pick + 1) % names.length];
    } else if (f.resolvedType instanceof protobuf.Type) {
      if (depth >= 3) continue;
      v = sample(f.resolvedType, pick, depth + 1);
    } else {
      v = SCALARS[f.type]!(pick);
    }
    out[f.name] = f.repeated ? [v, v] : v;
  }
  return out;
}

function reflect(file: string): protobuf.Root {
  const root = new protobuf.Root().loadSync(file, { keepCase: false });
  root.resolveAll();
  return root;
}

describe.each([
  ["spacemesh.proto", PROTO_FILE],
  ["spacemesh-v2beta1.proto", PROTO_FILE_V2BETA1],
])("the service definitions of %s", (_name, file) => {
  const ours = serviceDefinitions(file) as unknown as Services;
  const loader = protoLoader.loadSync(file, LOADER_OPTIONS) as unknown as Services; // and message and enum definitions (with a `format`)
  const loaderServices = Object.keys(loader).filter((k) => !("format" in loader[k]!));
  const root = reflect(file);

  it("name the same services and methods, with the same paths, streams and client names, as proto-loader's", () => {
    expect(loaderServices.length).toBeGreaterThan(0);
    expect(Object.keys(ours).sort()).toEqual([...loaderServices].sort());
    for (const s of loaderServices) {
      expect(Object.keys(ours[s]!).sort(), s).toEqual(Object.keys(loader[s]!).sort());
      for (const [m, def] of Object.entries(loader[s]!)) {
        const { path: p, requestStream, responseStream, originalName } = ours[s]![m]!;
        expect({ p, requestStream, responseStream, originalName }, `${s}.${m}`).toEqual({ p: def.path, requestStream: def.requestStream, responseStream: def.responseStream, originalName: def.originalName });
      }
    }
  });

  it("write the same bytes for every request and response, and read the same objects from them (empty ones too)", () => {
    let checked = 0;
    for (const s of loaderServices) {
      for (const [m, def] of Object.entries(loader[s]!)) {
        const method = root.lookupService(s).methods[m]!;
        const our = ours[s]![m]!;
        for (const side of ["request", "response"] as const) {
          const type = side === "request" ? method.resolvedRequestType! : method.resolvedResponseType!;
          const serialize = `${side}Serialize` as const;
          const deserialize = `${side}Deserialize` as const;
          for (let pick = 0; pick < 3; pick++) {
            const msg = sample(type, pick);
            const bytes = def[serialize](msg);
            expect(our[serialize](msg), `${s}.${m} ${side} ${pick}`).toEqual(bytes);
            expect(our[deserialize](bytes), `${s}.${m} ${side} ${pick}`).toEqual(def[deserialize](bytes));
            checked++;
          }
          expect(our[deserialize](Buffer.alloc(0))).toEqual(def[deserialize](Buffer.alloc(0)));
          expect(our[serialize]({})).toEqual(def[serialize]({}));
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("come from the reflection saved beside the .proto, which is what the .proto gives (else: node scripts/proto-json.js)", async () => {
    const { protoJson } = (await import(pathToFileURL(path.join(ROOT, "scripts/proto-json.js")).href)) as { protoJson: (file: string) => string };
    expect(readFileSync(file.replace(/\.proto$/, ".json"), "utf8")).toBe(protoJson(file));
  });

  it("refuse an array for a message as proto-loader does", () => {
    const [s, m] = [loaderServices[0]!, Object.keys(loader[loaderServices[0]!]!)[0]!];
    expect(() => ours[s]![m]!.requestSerialize([])).toThrow(/expected object with .* structure, got array instead/);
  });
});

describe("loading the spacemesh protos in a process", () => {
  it("loads neither @grpc/proto-loader nor protobufjs's descriptor.proto: their definitions of every message are not needed", () => {
    const built = path.join(ROOT, "dist/spacemesh-wire/spacemesh-proto.js");
    if (!existsSync(built)) throw new Error(`${built} is missing: build first (npm run build)`);
    const script = `
      import { createRequire } from "node:module";
      const m = await import(${JSON.stringify(built)});
      const v1 = m.spacemeshV1(), v2 = m.spacemeshV2beta1();
      if (!v1.PostService || !v2.SmeshingIdentitiesService) throw new Error("no services");
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify(loaded.filter((f) => /node_modules[\\\\/](@grpc[\\\\/]proto-loader|protobufjs[\\\\/]ext[\\\\/]descriptor)[\\\\/]/.test(f))));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual([]);
  });
});
