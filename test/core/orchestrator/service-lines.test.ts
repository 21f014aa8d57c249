// The orchestrator's needles and its line parser: while no client watches a service, the log hub
// hands the driver only the lines holding a needle, so a line the parser acts on without one
// would never reach it in the daemon.
import { describe, expect, it } from "vitest";
import { proofPhaseOf, SERVICE_LINE_NEEDLES, serviceLineOf } from "../../../src/core/orchestrator/service-lines.js";

// A post-service's log as it runs (post-rs's wording, and the simulator's): connects, proves with a
// second pass after a read that found no proof, and the lines in between that change nothing.
const LOG = [
  "[2024-03-18T17:29:40Z INFO  post_service] starting post service",
  "[2024-03-18T17:29:43Z INFO  post_service::client] obtained metadata: Metadata { node_id: .. }",
  "[2024-03-18T17:29:44Z DEBUG post_service::client] waiting for a request",
  "[2024-03-18T17:30:00Z INFO  post_service::client] starting proof generation for challenge: abc",
  "[2024-03-18T17:30:00Z INFO  post_service::service] starting proof generation for challenge 0A0B",
  "[2024-03-18T17:30:00Z INFO  post::pow::service] calculating proof of work for nonces 0..16",
  "[2024-03-18T17:31:10Z INFO  post::prove] finished k2pow in 1m 10s",
  "[2024-03-18T17:31:10Z INFO  post::prove] started reading POST data",
  "[2024-03-18T17:35:00Z INFO  post::prove] finished reading POST data in 3m 50s",
  "[2024-03-18T17:35:00Z INFO  post::pow::service] calculating proof of work for nonces 16..32",
  "[2024-03-18T17:36:00Z INFO  post::prove] finished k2pow in 0m 58s",
  "[2024-03-18T17:39:00Z INFO  post::prove] finished reading POST data in 3m 0s",
  "[2024-03-18T17:39:01Z INFO  post_service::client] proof generation finished",
  "[2024-03-18T17:39:01Z INFO  post_service::client] proof is valid (verification took: 0.2s)",
  "[2024-03-18T17:40:00Z WARN  post_service::client] disconnected: connection reset",
];

const needled = (line: string) => SERVICE_LINE_NEEDLES.some((n) => line.includes(n));

describe("the orchestrator's service log lines", () => {
  it("every line the parser acts on holds a needle, each needle is held by a line it acts on, and a line without its needle is not acted on", () => {
    const acted = LOG.filter((l) => serviceLineOf(l) !== null);
    expect(acted.length).toBeGreaterThan(0);
    expect(acted.length).toBeLessThan(LOG.length);
    for (const line of LOG) if (serviceLineOf(line) !== null || proofPhaseOf(line) !== null) expect(needled(line), line).toBe(true);
    for (const n of SERVICE_LINE_NEEDLES) expect(acted.some((l) => l.includes(n)), n).toBe(true);
    // the needle is what the parser keys on: with it cut out of the line, nothing is left to act on
    for (const line of acted) {
      const cut = SERVICE_LINE_NEEDLES.reduce((l, n) => l.split(n).join(" "), line);
      expect(serviceLineOf(cut), cut).toBeNull();
      expect(proofPhaseOf(cut), cut).toBeNull();
    }
  });

  it("reads each kind of line", () => {
    expect(LOG.map(serviceLineOf).filter((x) => x !== null)).toEqual([
      { kind: "connected" },
      { kind: "proof-start" },
      { kind: "proof-start" },
      { kind: "pow" },
      { kind: "phase", phase: "k2pow", ms: 70_000 },
      { kind: "phase", phase: "read", ms: 230_000 },
      { kind: "pow" },
      { kind: "phase", phase: "k2pow", ms: 58_000 },
      { kind: "phase", phase: "read", ms: 180_000 },
    ]);
  });
});
