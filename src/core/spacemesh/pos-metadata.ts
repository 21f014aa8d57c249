// A PoS directory: postdata_metadata.json (Go shared.PostMetadata) and the
// postdata_N.bin files, and whether initialisation is complete.
import { promises as fs } from "node:fs";
import path from "node:path";
import { NotRegularFileError, readRegularFile } from "../fs/regular-file.js";

export const METADATA_FILE = "postdata_metadata.json";
export const LABEL_BYTES = 16;
const DATA_FILE = /^postdata_(\d+)\.bin$/;

export interface PosMetadata {
  nodeId: string; // hex (the JSON holds base64)
  commitmentAtxId: string; // hex
  labelsPerUnit: number;
  numUnits: number;
  maxFileSize: number;
  nonce: number | null; // null until found
  nonceValue: string | null;
  lastPosition: number | null;
}

export type MetadataResult = { ok: true; meta: PosMetadata } | { ok: false; problem: string; missing: boolean };

function b64ToHex(v: unknown, field: string, file: string): string {
  if (typeof v !== "string") throw new Error(`${file}: field ${field}: expected a base64 string, found ${JSON.stringify(v)}`);
  const buf = Buffer.from(v, "base64");
  if (buf.length !== 32) throw new Error(`${file}: field ${field}: expected 32 bytes in base64, found ${buf.length} bytes`);
  return buf.toString("hex");
}

function num(v: unknown, field: string, file: string, optional: boolean): number | null {
  if (v === undefined && optional) return null;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw new Error(`${file}: field ${field}: expected a non-negative integer, found ${JSON.stringify(v)}`);
  return v;
}

/** Parses the metadata JSON text; `file` names it in problems. */
export function parsePosMetadata(text: string, file: string): MetadataResult {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("not a JSON object");
  } catch (err) {
    return { ok: false, missing: false, problem: `${file}: not valid JSON (${(err as Error).message})` };
  }
  try {
    const meta: PosMetadata = {
      nodeId: b64ToHex(raw.NodeId, "NodeId", file),
      commitmentAtxId: b64ToHex(raw.CommitmentAtxId, "CommitmentAtxId", file),
      labelsPerUnit: num(raw.LabelsPerUnit, "LabelsPerUnit", file, false)!,
      numUnits: num(raw.NumUnits, "NumUnits", file, false)!,
      maxFileSize: num(raw.MaxFileSize, "MaxFileSize", file, false)!,
      nonce: num(raw.Nonce, "Nonce", file, true),
      nonceValue: typeof raw.NonceValue === "string" ? raw.NonceValue : null,
      lastPosition: num(raw.LastPosition, "LastPosition", file, true),
    };
    return { ok: true, meta };
  } catch (err) {
    return { ok: false, missing: false, problem: (err as Error).message };
  }
}

export async function readPosMetadata(dir: string): Promise<MetadataResult> {
  const file = path.join(dir, METADATA_FILE);
  let text: string;
  try {
    text = (await readRegularFile(file)).toString("utf8"); // a FIFO is refused, never waited on
  } catch (err) {
    if (err instanceof NotRegularFileError) return { ok: false, missing: false, problem: err.message };
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, missing: true, problem: `${METADATA_FILE} not found in ${dir}` };
    return { ok: false, missing: false, problem: `cannot read ${file}: ${code ?? (err as Error).message}` };
  }
  return parsePosMetadata(text, file);
}

/** Total PoS size in bytes: NumUnits × LabelsPerUnit × 16. */
export function posSizeBytes(meta: Pick<PosMetadata, "numUnits" | "labelsPerUnit">): number {
  return meta.numUnits * meta.labelsPerUnit * LABEL_BYTES;
}

/** Number of postdata_N.bin files the layout needs: ceil(total labels / labels per file). */
export function expectedFileCount(meta: PosMetadata): number {
  const labelsPerFile = Math.floor(meta.maxFileSize / LABEL_BYTES);
  return Math.ceil((meta.numUnits * meta.labelsPerUnit) / labelsPerFile);
}

export interface PosDataState {
  state: "complete" | "initialising";
  bytesPresent: number;
  bytesTotal: number;
  filesPresent: number;
  filesExpected: number;
}

/** Complete = every file present at full size and a nonce found (postcli writes the metadata first, the nonce last). */
export async function posDataState(dir: string, meta: PosMetadata): Promise<PosDataState> {
  const bytesTotal = posSizeBytes(meta);
  const filesExpected = expectedFileCount(meta);
  let bytesPresent = 0;
  let filesPresent = 0;
  let entries: string[] = [];
  try {
    entries = await fs.readdir(dir);
  } catch {
    entries = [];
  }
  for (const name of entries) {
    const m = DATA_FILE.exec(name);
    if (!m || Number(m[1]) >= filesExpected) continue;
    try {
      const st = await fs.stat(path.join(dir, name));
      bytesPresent += st.size;
      filesPresent++;
    } catch {
      /* vanished between readdir and stat */
    }
  }
  const complete = filesPresent === filesExpected && bytesPresent >= bytesTotal && meta.nonce !== null;
  return { state: complete ? "complete" : "initialising", bytesPresent, bytesTotal, filesPresent, filesExpected };
}
