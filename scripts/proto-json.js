#!/usr/bin/env node
// `node scripts/proto-json.js`: writes proto/<name>.json beside each .proto of proto/: protobufjs's
// reflection of the file (its messages, enums and services, with the google/protobuf types it
// imports), which src/spacemesh-wire/spacemesh-proto.ts loads instead of parsing the .proto at
// every process start. Run it after changing a .proto; test/spacemesh-wire/spacemesh-proto.test.ts
// fails while a .json is not what its .proto gives.
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../proto");

/** A .proto's reflection as JSON text (field names in camelCase, as spacemesh-proto.ts's parse option had them). */
export function protoJson(file) {
  const root = new protobuf.Root().loadSync(file, { keepCase: false });
  root.resolveAll();
  return `${JSON.stringify(root.toJSON(), null, 1)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".proto"))) {
    writeFileSync(path.join(dir, f.replace(/\.proto$/, ".json")), protoJson(path.join(dir, f)));
    console.log(`proto/${f.replace(/\.proto$/, ".json")}`);
  }
}
