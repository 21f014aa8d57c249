// Fixture snapshots for console tests, validated by the protocol's zod schemas so they are
// what a daemon could really send.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LogLineSchema, SnapshotSchema, type LogLine, type LogLevel, type Snapshot } from "../../src/protocol/model.js";

const dir = fileURLToPath(new URL("../fixtures/ui/", import.meta.url));

export function loadFixture(name = "demo-rig.json"): { now: number; snapshot: Snapshot } {
  const raw = JSON.parse(readFileSync(dir + name, "utf8")) as { now: number; snapshot: unknown };
  return { now: raw.now, snapshot: SnapshotSchema.parse(raw.snapshot) };
}

const LEVELS: LogLevel[] = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];

/** `count` post-service-like lines for a source, seq 1..count, text `<source> line <n> ...`. */
export function logLines(source: string, count: number, at: number, startSeq = 1): LogLine[] {
  const out: LogLine[] = [];
  for (let i = 0; i < count; i++) {
    const seq = startSeq + i;
    const level = LEVELS[seq % LEVELS.length]!;
    out.push(
      LogLineSchema.parse({
        source,
        seq,
        at: at + seq,
        level,
        text: `[2025-11-26T09:40:00Z ${level.padEnd(5)} post_service] ${source} line ${seq}`,
      }),
    );
  }
  return out;
}
