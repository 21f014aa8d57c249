import { describe, expect, it } from "vitest";
import { applyServiceLogLines, emptyServiceLogFacts, SERVICE_LOG_NEEDLES } from "../../../src/core/spacemesh/service-log-state.js";

// A post-service's log as it runs: connects, proves twice (one failing), loses the node, and the
// lines in between that change nothing.
const LOG = [
  "[2024-03-18T17:29:40Z INFO  post_service] starting post service",
  "[2024-03-18T17:29:43Z INFO  post_service::client] obtained metadata: Metadata { node_id: .. }",
  "[2024-03-18T17:29:44Z DEBUG post_service::client] waiting for a request",
  "[2024-03-18T17:30:00Z INFO  post_service::client] starting proof generation for challenge: abc",
  "[2024-03-18T17:30:00Z INFO  post::prove] calculating proof of work for nonces 0..16",
  "[2024-03-18T17:31:10Z INFO  post::prove] finished k2pow in 1m 10s",
  "[2024-03-18T17:35:00Z INFO  post::prove] finished reading POST data in 3m 50s",
  "[2024-03-18T17:35:01Z INFO  post_service::client] proof is valid",
  "[2024-03-18T17:36:00Z INFO  post_service::client] starting proof generation for challenge: def",
  "[2024-03-18T17:36:30Z ERROR post_service::client] failed to generate proof: out of nonces",
  "[2024-03-18T17:37:00Z INFO  post_service::client] proof generation finished",
  "[2024-03-18T17:38:00Z WARN  post_service::client] disconnected: connection reset",
  "[2024-03-18T17:38:05Z WARN  post_service::client] could not connect to the node: refused",
  "[2024-03-18T17:39:00Z ERROR post_service::client] failed proof verification: bad",
];

describe("service log needles", () => {
  it("the lines holding a needle fold into the same facts as the whole log (the hub decodes only those while no client watches)", () => {
    const all = emptyServiceLogFacts();
    applyServiceLogLines(all, LOG, 0);
    const some = emptyServiceLogFacts();
    const kept = LOG.filter((l) => SERVICE_LOG_NEEDLES.some((n) => l.includes(n)));
    expect(kept.length).toBeLessThan(LOG.length);
    applyServiceLogLines(some, kept, 0);
    expect(some).toEqual(all);
    // and each line that changes something on its own holds one
    for (const line of LOG) {
      if (applyServiceLogLines(emptyServiceLogFacts(), [line], 0)) expect(SERVICE_LOG_NEEDLES.some((n) => line.includes(n)), line).toBe(true);
    }
  });
});
