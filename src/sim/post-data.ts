// PoS data as postcli writes it and post-service reads it: postdata_metadata.json (Go
// json.MarshalIndent with tabs, no trailing newline, base64 ids) and postdata_N.bin label files.
// Label content here is a cheap deterministic stream (AES-128-CTR of the label index under a key
// derived from node id and commitment), standing in for scrypt labels.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomicSync } from "./atomic-write.js";

export const METADATA_FILE = "postdata_metadata.json";
export const LABEL_BYTES = 16;

export interface PostMetadata {
  NodeId: Buffer;
  CommitmentAtxId: Buffer;
  LabelsPerUnit: bigint;
  NumUnits: number;
  MaxFileSize: bigint;
  Nonce?: bigint;
  NonceValue?: string; // hex
  LastPosition?: bigint;
}

/** The exact bytes Go's json.MarshalIndent(meta, "", "\t") produces. */
export function encodeMetadata(m: PostMetadata): string {
  const lines = [
    `\t"NodeId": ${JSON.stringify(m.NodeId.toString("base64"))}`,
    `\t"CommitmentAtxId": ${JSON.stringify(m.CommitmentAtxId.toString("base64"))}`,
    `\t"LabelsPerUnit": ${m.LabelsPerUnit}`,
    `\t"NumUnits": ${m.NumUnits}`,
    `\t"MaxFileSize": ${m.MaxFileSize}`,
  ];
  if (m.Nonce !== undefined) lines.push(`\t"Nonce": ${m.Nonce}`);
  if (m.NonceValue) lines.push(`\t"NonceValue": ${JSON.stringify(m.NonceValue)}`);
  if (m.LastPosition !== undefined) lines.push(`\t"LastPosition": ${m.LastPosition}`);
  return `{\n${lines.join(",\n")}\n}`;
}

export function writeMetadata(dir: string, m: PostMetadata): void {
  writeFileAtomicSync(path.join(dir, METADATA_FILE), encodeMetadata(m));
}

function bigField(text: string, name: string): bigint | undefined {
  const m = new RegExp(`"${name}"\\s*:\\s*(\\d+)`).exec(text);
  return m ? BigInt(m[1]!) : undefined;
}

/** Reads postdata_metadata.json; throws an Error with the reason (ENOENT, bad JSON, missing field). */
export function readMetadata(dir: string): PostMetadata {
  const text = fs.readFileSync(path.join(dir, METADATA_FILE), "utf8");
  const raw = JSON.parse(text) as Record<string, unknown>;
  const b64 = (k: string): Buffer => {
    const v = raw[k];
    if (typeof v !== "string") throw new Error(`missing field \`${k}\``);
    return Buffer.from(v, "base64");
  };
  const num = (k: string): bigint => {
    const v = bigField(text, k);
    if (v === undefined) throw new Error(`missing field \`${k}\``);
    return v;
  };
  const m: PostMetadata = {
    NodeId: b64("NodeId"),
    CommitmentAtxId: b64("CommitmentAtxId"),
    LabelsPerUnit: num("LabelsPerUnit"),
    NumUnits: Number(num("NumUnits")),
    MaxFileSize: num("MaxFileSize"),
  };
  const nonce = bigField(text, "Nonce");
  if (nonce !== undefined) m.Nonce = nonce;
  if (typeof raw["NonceValue"] === "string") m.NonceValue = raw["NonceValue"];
  const lp = bigField(text, "LastPosition");
  if (lp !== undefined) m.LastPosition = lp;
  return m;
}

export interface FileLayout {
  labelsPerFile: number;
  lastFileLabels: number;
  numFiles: number;
  totalLabels: number;
}

export function fileLayout(numUnits: number, labelsPerUnit: bigint, maxFileSize: bigint): FileLayout {
  const labelsPerFile = Number(maxFileSize / BigInt(LABEL_BYTES));
  const totalLabels = numUnits * Number(labelsPerUnit);
  const numFiles = Math.max(1, Math.ceil(totalLabels / labelsPerFile));
  const lastFileLabels = totalLabels - (numFiles - 1) * labelsPerFile;
  return { labelsPerFile, lastFileLabels, numFiles, totalLabels };
}

export function dataFileName(index: number): string {
  return `postdata_${index}.bin`;
}

/** Deterministic label generator for one identity. */
export class LabelStream {
  private readonly key: Buffer;
  constructor(nodeId: Buffer, commitment: Buffer) {
    this.key = crypto.createHash("sha256").update("postdeck-sim-labels").update(nodeId).update(commitment).digest().subarray(0, 16);
  }
  /** Labels [start, start+count) as bytes. */
  labels(start: number, count: number): Buffer {
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(start), 8);
    const c = crypto.createCipheriv("aes-128-ctr", this.key, iv);
    return Buffer.concat([c.update(Buffer.alloc(count * LABEL_BYTES)), c.final()]);
  }
}

/** Data files present in dir, by index (post-rs reader regex ^postdata_(\d+)\.bin$). */
export function listDataFiles(dir: string): { index: number; file: string; size: number }[] {
  const out: { index: number; file: string; size: number }[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^postdata_(\d+)\.bin$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    out.push({ index: Number(m[1]), file, size: fs.statSync(file).size });
  }
  return out.sort((a, b) => a.index - b.index);
}
