// The simulated node asks a post-service for its proof as go-spacemesh does: an identity waiting for
// its post-service looks for it every 2 s (NIPostBuilder.Proof retries postService.Client every
// 2 s) and asks at the next look, not the moment the service registers; once asked, every 2 s.
// The orchestrator's hand-over timing is measured against this wait, so the simulator must not skip it.
import { EventEmitter } from "node:events";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type * as grpc from "@grpc/grpc-js";
import { EventBus } from "../../src/sim/node/events.js";
import { QUERY_INTERVAL_MS, Smesher } from "../../src/sim/node/smeshing.js";
import { ZapLogger } from "../../src/sim/zap-logger.js";

const T0 = 1_700_000_000_000;

/** A post-service's end of PostService.Register: answers the metadata request, records the proof requests. */
class FakeStream extends EventEmitter {
  readonly asks: number[] = [];
  constructor(private readonly nodeId: Buffer) {
    super();
  }
  write(req: { metadata?: unknown; genProof?: unknown }): boolean {
    if (req.metadata) queueMicrotask(() => this.emit("data", { kind: "metadata", metadata: { meta: { nodeId: this.nodeId } } }));
    if (req.genProof) {
      this.asks.push(Date.now());
      queueMicrotask(() => this.emit("data", { kind: "genProof", genProof: { status: "GEN_PROOF_STATUS_OK", proof: null } }));
    }
    return true;
  }
  end(): void {}
}

beforeEach(() => void vi.useFakeTimers({ now: T0 }));
afterEach(() => void vi.useRealTimers());

describe("the simulated node's asks", () => {
  it.each([300, 1100, 1900])("a post-service registering %i ms after one of the node's 2-s looks is asked at the next look, then every 2 s", async (offset) => {
    const id = Buffer.alloc(32, 7);
    const network = { genesisMs: T0 + 10 * 3600_000, layerMs: 5000, layersPerEpoch: 100, phaseShiftMs: 0, cycleGapMs: 60_000, gracePeriodMs: 10_000, fromConfig: false };
    const smesher = new Smesher([{ name: "post1.key", id }], { network, warnMs: 20_000 }, "sm1coinbase", path.join(os.tmpdir(), "pd-none", "state.json"), new ZapLogger({ write: () => undefined }, "console"), new EventBus());
    smesher.start(); // looks at once, then every QUERY_INTERVAL_MS
    await vi.advanceTimersByTimeAsync(4 * QUERY_INTERVAL_MS + offset);
    const stream = new FakeStream(id);
    const registeredAt = Date.now();
    smesher.register(stream as unknown as grpc.ServerDuplexStream<never, unknown>, (code, details) => expect.fail(`registration refused: ${code} ${details}`));
    await vi.advanceTimersByTimeAsync(3 * QUERY_INTERVAL_MS);
    smesher.stop();
    expect(stream.asks[0]! - registeredAt, "asked at the next look").toBe(QUERY_INTERVAL_MS - offset);
    expect(stream.asks.slice(1).map((at, k) => at - stream.asks[k]!)).toEqual([QUERY_INTERVAL_MS, QUERY_INTERVAL_MS]);
  });
});
