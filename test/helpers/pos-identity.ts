// Test identities: a Go-format key (hex(seed‖pub), as postcli writes it) and PoS metadata as
// postcli writes it (tab-indented JSON, base64 ids). One place for every test that needs them.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** A fresh identity key: the file content and its node id (the public half). */
export function newKeyHex(): { hex: string; nodeId: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { hex: Buffer.concat([seed, pub]).toString("hex"), nodeId: pub.toString("hex") };
}

/** Writes <dir>/postdata_metadata.json for `nodeId` (hex); fields may be overridden. */
export function writePosMetadata(dir: string, nodeId: string, fields: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  const meta = {
    NodeId: Buffer.from(nodeId, "hex").toString("base64"),
    CommitmentAtxId: Buffer.alloc(32, 7).toString("base64"),
    LabelsPerUnit: 1024,
    NumUnits: 4,
    MaxFileSize: 16 * 1024,
    Nonce: 12,
    ...fields,
  };
  writeFileSync(path.join(dir, "postdata_metadata.json"), JSON.stringify(meta, null, "\t"));
}

export interface TestIdentity {
  nodeIdHex: string;
  keyFile: string;
  posDir: string;
}

/** An identity the supervisor's pre-start checks accept: <dataFolder>/identities/<keyName> and a PoS dir naming it. */
export function createIdentity(dataFolder: string, posDir: string, keyName: string, o: { numUnits?: number; labelsPerUnit?: number; writeKey?: boolean } = {}): TestIdentity {
  const key = newKeyHex();
  const idDir = path.join(dataFolder, "identities");
  mkdirSync(idDir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(idDir, keyName);
  if (o.writeKey !== false) writeFileSync(keyFile, key.hex, { mode: 0o600 });
  writePosMetadata(posDir, key.nodeId, { LabelsPerUnit: o.labelsPerUnit ?? 1024, NumUnits: o.numUnits ?? 4 });
  return { nodeIdHex: key.nodeId, keyFile, posDir };
}
