// The post-service log lines the orchestrator's driver acts on, each known by a part of its message.
// Written once: the needles the driver gives the log hub (which decodes only lines holding one
// while no client watches the service) and the parser below are both made from this table, so they
// cannot drift apart. The node monitor reads some of the same lines (SERVICE_LOG_STARTS).
import { parseMinutesSeconds, SERVICE_LOG_STARTS } from "../spacemesh/service-log-state.js";

const PARTS = {
  /** Connected: the node asks for its metadata first thing on a new connection. */
  connected: SERVICE_LOG_STARTS.connected,
  /** A k2pow begins (after a read that found no proof: another pass). */
  pow: "calculating proof of work",
  proofStart: SERVICE_LOG_STARTS.proofStart,
  /** `finished k2pow in {m}m {s}s` */
  k2pow: SERVICE_LOG_STARTS.k2pow,
  /** `finished reading POST data in {m}m {s}s` */
  read: SERVICE_LOG_STARTS.read,
} as const;

/** Every line serviceLineOf acts on holds one of these. */
export const SERVICE_LINE_NEEDLES: readonly string[] = Object.values(PARTS);

export type ProofPhase = { phase: "k2pow" | "read"; ms: number };
export type ServiceLine = { kind: "connected" } | { kind: "pow" } | { kind: "proof-start" } | ({ kind: "phase" } & ProofPhase);

/** What a raw post-service log line says to the driver, or null (nothing it acts on). */
export function serviceLineOf(line: string): ServiceLine | null {
  if (line.includes(PARTS.connected)) return { kind: "connected" };
  if (line.includes(PARTS.pow)) return { kind: "pow" };
  if (line.includes(PARTS.proofStart)) return { kind: "proof-start" };
  const p = proofPhaseOf(line);
  return p ? { kind: "phase", ...p } : null;
}

/** A line's phase duration: `finished k2pow in …`, `finished reading POST data in …`; null otherwise. */
export function proofPhaseOf(line: string): ProofPhase | null {
  for (const phase of ["k2pow", "read"] as const) {
    const at = line.indexOf(PARTS[phase]);
    const ms = at < 0 ? null : parseMinutesSeconds(line.slice(at + PARTS[phase].length));
    if (ms !== null) return { phase, ms };
  }
  return null;
}
