// The initialisation loop of the simulated postcli: file layout, per-file write/continue/skip, batches
// with a rate limit, best-nonce tracking and atomic metadata updates. Labels come from LabelStream.
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ZapLogger } from "../zap-logger.js";
import {
  LABEL_BYTES,
  LabelStream,
  dataFileName,
  fileLayout,
  writeMetadata,
  type PostMetadata,
} from "../post-data.js";

export interface InitParams {
  datadir: string;
  nodeId: Buffer;
  commitment: Buffer;
  numUnits: number;
  labelsPerUnit: bigint;
  maxFileSize: bigint;
  fromFile: number;
  toFile: number;
  previous: PostMetadata | null; // existing metadata with the same parameters (keeps its nonce)
  logger: ZapLogger;
  bytesPerSecond: number; // 0 = unlimited
  signal: AbortSignal;
}

const MAX_BATCH_LABELS = 1 << 20; // post's batch size: 2^20 labels (16 MiB)

/** The label a file offers as its nonce candidate (stands in for the real VRF nonce search). */
function nonceCandidate(stream: LabelStream, firstLabel: number, count: number): { index: number; value: Buffer } {
  // Look at up to 64 evenly spaced labels of the file and keep the smallest.
  let best: { index: number; value: Buffer } | null = null;
  const step = Math.max(1, Math.floor(count / 64));
  for (let i = 0; i < count; i += step) {
    const value = stream.labels(firstLabel + i, 1);
    if (!best || Buffer.compare(value, best.value) < 0) best = { index: firstLabel + i, value };
  }
  return best!;
}

export async function initialize(p: InitParams): Promise<"done" | "aborted"> {
  const layout = fileLayout(p.numUnits, p.labelsPerUnit, p.maxFileSize);
  const meta: PostMetadata = {
    NodeId: p.nodeId,
    CommitmentAtxId: p.commitment,
    LabelsPerUnit: p.labelsPerUnit,
    NumUnits: p.numUnits,
    MaxFileSize: p.maxFileSize,
  };
  if (p.previous?.Nonce !== undefined) {
    meta.Nonce = p.previous.Nonce;
    if (p.previous.NonceValue) meta.NonceValue = p.previous.NonceValue;
  }
  writeMetadata(p.datadir, meta);

  const lastIdx = Math.min(layout.numFiles - 1, p.toFile);
  p.logger.info("initialization started", [
    ["datadir", p.datadir],
    ["numUnits", p.numUnits],
    ["maxFileSize", p.maxFileSize],
    ["labelsPerUnit", p.labelsPerUnit],
  ]);
  p.logger.info("initialization file layout", [
    ["labelsPerFile", layout.labelsPerFile],
    ["labelsLastFile", layout.lastFileLabels],
    ["firstFileIndex", p.fromFile],
    ["lastFileIndex", lastIdx],
  ]);

  const stream = new LabelStream(p.nodeId, p.commitment);
  const started = Date.now();
  let written = 0;
  for (let idx = p.fromFile; idx <= lastIdx; idx++) {
    const target = idx === layout.numFiles - 1 ? layout.lastFileLabels : layout.labelsPerFile;
    const fileOffset = idx * layout.labelsPerFile;
    const file = path.join(p.datadir, dataFileName(idx));
    let current = 0;
    if (fs.existsSync(file)) current = Math.floor(fs.statSync(file).size / LABEL_BYTES);
    const fields = (): [string, number][] => [
      ["fileIndex", idx],
      ["currentNumLabels", current],
      ["targetNumLabels", target],
      ["startPosition", fileOffset],
    ];
    if (current >= target) {
      p.logger.info("initialization: file already initialized", fields());
      if (current > target) fs.truncateSync(file, target * LABEL_BYTES);
    } else {
      p.logger.info(current > 0 ? "initialization: continuing to write file" : "initialization: starting to write file", fields());
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
      try {
        // Drop a partial label at the end, as post does (it truncates to whole labels).
        fs.ftruncateSync(fd, current * LABEL_BYTES);
        const batch = Math.min(MAX_BATCH_LABELS, Math.max(1024, Math.ceil(target / 8)));
        while (current < target) {
          if (p.signal.aborted) return "aborted";
          const n = Math.min(batch, target - current);
          const bytes = stream.labels(fileOffset + current, n);
          fs.writeSync(fd, bytes, 0, bytes.length, current * LABEL_BYTES);
          current += n;
          written += bytes.length;
          p.logger.debug("initialization: status", [
            ["fileIndex", idx],
            ["currentPosition", fileOffset + current],
            ["remaining", target - current],
          ]);
          if (p.bytesPerSecond > 0) {
            const due = (written / p.bytesPerSecond) * 1000 - (Date.now() - started);
            if (due > 0) await sleep(due, undefined, { signal: p.signal }).catch(() => undefined);
          }
        }
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      p.logger.info("initialization: completed", [
        ["fileIndex", idx],
        ["numLabelsWritten", target],
      ]);
    }
    const cand = nonceCandidate(stream, fileOffset, target);
    const bestValue = meta.NonceValue ? Buffer.from(meta.NonceValue, "hex") : null;
    if (meta.Nonce === undefined || !bestValue || Buffer.compare(cand.value, bestValue) < 0) {
      meta.Nonce = BigInt(cand.index);
      meta.NonceValue = cand.value.toString("hex");
      p.logger.info("initialization: found new best nonce", [
        ["fileIndex", idx],
        ["nonce", cand.index],
        ["value", meta.NonceValue],
      ]);
      writeMetadata(p.datadir, meta);
    }
  }
  if (meta.Nonce !== undefined) {
    p.logger.info("initialization: completed, found nonce", [
      ["nonce", meta.Nonce],
      ["value", meta.NonceValue ?? ""],
    ]);
  }
  return "done";
}

/** Checks sizes of all files and the content of a fraction (in %) of labels; returns an error text or null. */
export function verifyData(dir: string, meta: PostMetadata, fractionPercent: number): string | null {
  const layout = fileLayout(meta.NumUnits, meta.LabelsPerUnit, meta.MaxFileSize);
  const stream = new LabelStream(meta.NodeId, meta.CommitmentAtxId);
  for (let idx = 0; idx < layout.numFiles; idx++) {
    const target = idx === layout.numFiles - 1 ? layout.lastFileLabels : layout.labelsPerFile;
    const file = path.join(dir, dataFileName(idx));
    if (!fs.existsSync(file)) return `missing file ${dataFileName(idx)}`;
    const size = fs.statSync(file).size;
    if (size !== target * LABEL_BYTES) return `file ${dataFileName(idx)} has size ${size}, expected ${target * LABEL_BYTES}`;
    const checks = Math.max(1, Math.ceil((target * fractionPercent) / 100));
    const step = Math.max(1, Math.floor(target / checks));
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.alloc(LABEL_BYTES);
      for (let i = 0; i < target; i += step) {
        fs.readSync(fd, buf, 0, LABEL_BYTES, i * LABEL_BYTES);
        if (!buf.equals(stream.labels(idx * layout.labelsPerFile + i, 1))) return `invalid label at index ${idx * layout.labelsPerFile + i}`;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return null;
}
