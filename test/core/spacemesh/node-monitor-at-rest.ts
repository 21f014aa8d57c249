// A node monitor started on fake timers at a time when the node is at rest: for the tests of its pace
// (node-monitor-rest.test.ts, node-monitor-absent-node.test.ts).
import { vi } from "vitest";
import { NodeMonitor, type NodeMonitorOptions } from "../../../src/core/spacemesh/node-monitor.js";
import type { NodeGrpcClient } from "../../../src/core/spacemesh/node-grpc.js";
import { makeRig } from "../../helpers/rig-fixture.js";

/** A Wednesday noon: mainnet's cycle gap (every other Sunday 20:00 → Monday 08:00 UTC) is days away. */
export const WEDNESDAY = Date.parse("2026-12-02T12:00:00Z");

/** A monitor over `o.client`, on fake timers from WEDNESDAY, started and 1 s on (its first asks made). */
export async function startedAtRest(o: Partial<NodeMonitorOptions> & { client: NodeGrpcClient }, rig = makeRig()): Promise<NodeMonitor> {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now: WEDNESDAY });
  const m = new NodeMonitor({ config: rig.config, pollMs: 2000, slowPollMs: 30_000, debounceMs: 20, watch: false, grpcFactory: () => o.client, pollUrgent: () => false, ...o });
  await m.start();
  await vi.advanceTimersByTimeAsync(1000);
  return m;
}
