// What a post-service's own log (env_logger on stderr) tells about its link to the
// node and its proofs: `[2024-03-18T17:29:43Z INFO  post_service::client] obtained metadata: …`.
// There is no explicit "connected" line: `obtained metadata` is the signal; `disconnected: …` and
// `could not connect to the node: …` end it.
import type { LogLevel } from "../../protocol/model.js";
import { parseZapTime } from "./node-log-parser.js";

export interface ServiceLogLine {
  time: number | null;
  level: LogLevel;
  target: string;
  message: string;
}

const LINE = /^\[(\S+)\s+(ERROR|WARN|INFO|DEBUG|TRACE)\s+([^\]\s]+)\]\s?(.*)$/;

export function parseServiceLogLine(raw: string): ServiceLogLine | null {
  const m = LINE.exec(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
  if (!m) return null;
  return { time: parseZapTime(m[1]!), level: m[2] as LogLevel, target: m[3]!, message: m[4]! };
}

export interface ServiceLogFacts {
  connectedAt: number | null; // last `obtained metadata`
  disconnectedAt: number | null; // last `disconnected: …` / `could not connect to the node: …`
  disconnectReason: string | null;
  proofStartedAt: number | null;
  proofFinishedAt: number | null;
  proofFailedAt: number | null; // `failed to generate proof` / `failed proof verification`
  proofFailure: string | null;
  /** Proofs this service's log showed, oldest first (bounded): its own timing figures. */
  proofs: ServiceProofRun[];
}

/** One proof as the post-service logged it: `starting proof generation …` → `proof is valid`. */
export interface ServiceProofRun {
  startedAt: number;
  finishedAt: number | null;
  k2powMs: number | null; // `finished k2pow in {m}m {s}s` (summed over passes)
  readMs: number | null; // `finished reading POST data in {m}m {s}s` (summed over passes)
  failed: boolean;
}

const MAX_PROOF_RUNS = 20;

/** post-rs's `{m}m {s}s` figure in milliseconds; null when the text holds none. */
export function parseMinutesSeconds(text: string): number | null {
  const m = /(\d+)m (\d+)s/.exec(text);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : null;
}

function addFigure(run: ServiceProofRun | undefined, key: "k2powMs" | "readMs", ms: number | null): void {
  if (!run || run.finishedAt !== null || ms === null) return;
  run[key] = (run[key] ?? 0) + ms;
}

export function emptyServiceLogFacts(): ServiceLogFacts {
  return {
    connectedAt: null,
    disconnectedAt: null,
    disconnectReason: null,
    proofStartedAt: null,
    proofFinishedAt: null,
    proofFailedAt: null,
    proofFailure: null,
    proofs: [],
  };
}

/** How each line applyServiceLogLines acts on begins (its message, after the level and time). */
const STARTS = {
  connected: "obtained metadata",
  disconnected: "disconnected: ",
  cannotConnect: "could not connect to the node",
  proofStart: "starting proof generation for challenge",
  k2pow: "finished k2pow in ",
  read: "finished reading POST data in ",
  proofValid: "proof is valid",
  proofFinished: "proof generation finished",
  proofFailed: "failed to generate proof",
  verifyFailed: "failed proof verification",
} as const;
/** The orchestrator's driver reads some of the same lines (orchestrator/service-lines.ts). */
export { STARTS as SERVICE_LOG_STARTS };

/**
 * Every line applyServiceLogLines acts on holds one of these (the log hub decodes only such lines
 * of a service's log while no client watches it).
 */
export const SERVICE_LOG_NEEDLES: readonly string[] = Object.values(STARTS);

/** Folds raw lines into `facts` (mutated); returns true when something changed. */
export function applyServiceLogLines(facts: ServiceLogFacts, lines: string[], now: number): boolean {
  let changed = false;
  for (const raw of lines) {
    const l = parseServiceLogLine(raw);
    if (!l) continue;
    const at = l.time ?? now;
    const msg = l.message;
    if (msg.startsWith(STARTS.connected)) {
      facts.connectedAt = at;
    } else if (msg.startsWith(STARTS.disconnected) || msg.startsWith(STARTS.cannotConnect)) {
      facts.disconnectedAt = at;
      facts.disconnectReason = msg;
    } else if (msg.startsWith(STARTS.proofStart)) {
      facts.proofStartedAt = at;
      facts.proofs.push({ startedAt: at, finishedAt: null, k2powMs: null, readMs: null, failed: false });
      if (facts.proofs.length > MAX_PROOF_RUNS) facts.proofs.shift();
    } else if (msg.startsWith(STARTS.k2pow)) {
      addFigure(facts.proofs[facts.proofs.length - 1], "k2powMs", parseMinutesSeconds(msg));
    } else if (msg.startsWith(STARTS.read)) {
      addFigure(facts.proofs[facts.proofs.length - 1], "readMs", parseMinutesSeconds(msg));
    } else if (msg.startsWith(STARTS.proofValid) || msg === STARTS.proofFinished) {
      facts.proofFinishedAt = at;
      const run = facts.proofs[facts.proofs.length - 1];
      if (run && run.finishedAt === null) run.finishedAt = at;
    } else if (msg.startsWith(STARTS.proofFailed) || msg.startsWith(STARTS.verifyFailed)) {
      facts.proofFailedAt = at;
      facts.proofFailure = msg;
      const run = facts.proofs[facts.proofs.length - 1];
      if (run && run.finishedAt === null) {
        run.finishedAt = at;
        run.failed = true;
      }
    } else continue;
    changed = true;
  }
  return changed;
}

/** Connected per the service log: the later of the last connect and the last disconnect; null = no signal. */
export function serviceLogConnected(f: ServiceLogFacts): { connected: boolean; at: number } | null {
  if (f.connectedAt === null && f.disconnectedAt === null) return null;
  if (f.disconnectedAt === null || (f.connectedAt !== null && f.connectedAt >= f.disconnectedAt))
    return { connected: true, at: f.connectedAt! };
  return { connected: false, at: f.disconnectedAt };
}
