// Creates an identity the pre-start checks accept: a key file in <dataFolder>/identities
// (hex(seed‖pub), as postcli writes it) and a PoS dir whose postdata_metadata.json names its NodeId.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface TestIdentity {
  nodeIdHex: string;
  keyFile: string;
  posDir: string;
}

export function createIdentity(dataFolder: string, posDir: string, keyName: string, o: { numUnits?: number; labelsPerUnit?: number; writeKey?: boolean } = {}): TestIdentity {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const idDir = path.join(dataFolder, "identities");
  mkdirSync(idDir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(idDir, keyName);
  if (o.writeKey !== false) writeFileSync(keyFile, Buffer.concat([seed, pub]).toString("hex"), { mode: 0o600 });
  mkdirSync(posDir, { recursive: true });
  const meta = {
    NodeId: pub.toString("base64"),
    CommitmentAtxId: Buffer.alloc(32, 7).toString("base64"),
    LabelsPerUnit: o.labelsPerUnit ?? 1024,
    NumUnits: o.numUnits ?? 4,
    MaxFileSize: 16 * 1024,
    Nonce: 12,
  };
  writeFileSync(path.join(posDir, "postdata_metadata.json"), JSON.stringify(meta, null, "\t"));
  return { nodeIdHex: pub.toString("hex"), keyFile, posDir };
}
