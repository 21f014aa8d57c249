// A snapshot a client asks for (`postdeck status`) shows the node and the services as they are, not
// as they were up to a minute ago: at rest the node is asked every minute and CPU/RSS are read only
// for a watching client, so Rig.freshSnapshot asks the node and reads CPU/RSS first when their last
// reading is older than SNAPSHOT_FRESH_MS, waiting no longer than SNAPSHOT_WAIT_MS for a node that
// does not answer. The adopted "service" is this test process itself (its pid and start time in the state file).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Rig, SNAPSHOT_FRESH_MS, SNAPSHOT_WAIT_MS } from "../../src/core/rig.js";
import { NodeMonitor, REST_POLL_MS } from "../../src/core/spacemesh/node-monitor.js";
import type { NodeGrpcClient, NodeStatusInfo } from "../../src/core/spacemesh/node-grpc.js";
import type { ProcessSampler } from "../../src/core/supervisor/supervisor.js";
import { readProcStartTime } from "../../src/core/supervisor/proc-stat.js";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

describe("a snapshot a client asks for", () => {
  it("asks the node and reads CPU/RSS when their last reading is older than SNAPSHOT_FRESH_MS, not otherwise; a silent node holds it up SNAPSHOT_WAIT_MS at most", async () => {
    const fx = makeRig();
    mkdirSync(fx.stateDir, { recursive: true });
    const rec = { pid: process.pid, startTime: readProcStartTime(process.pid), startedAt: Date.now(), argv: [], restarts: 0, operatorAddress: null, wanted: true };
    writeFileSync(path.join(fx.stateDir, "state.json"), JSON.stringify({ version: 1, savedAt: Date.now(), services: { svc0: rec } }));
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
    let samples = 0;
    const sampler: ProcessSampler = async (pids) => new Map(pids.map((p) => [p, { cpuPercent: ++samples, rssBytes: 1 << 20 }]));
    let layer = 1000;
    let asked = 0;
    let silent = false;
    const status = (): Promise<NodeStatusInfo> => {
      asked++;
      if (silent) return new Promise(() => undefined);
      return Promise.resolve({ peers: 8, synced: true, syncedLayer: layer, topLayer: layer, verifiedLayer: layer - 1 });
    };
    const client = {
      status, version: async () => "v1.7.6", epochSize: async () => 4032, postStates: async () => [], smesherIds: async () => [],
      postConfig: async () => ({}) as never, coinbase: async () => "sm1qqq", highest: async () => "00",
      followEvents: () => () => undefined, close: () => undefined,
    } as NodeGrpcClient;
    const rig = new Rig({ config: fx.config, processSampler: sampler, intervals: { operatorPoll: 60_000 } });
    // at rest: nothing urgent, no clock (no node config): Status every REST_POLL_MS
    const monitor = new NodeMonitor({ config: fx.config, watch: false, slowPollMs: 3_600_000, debounceMs: 150, pollUrgent: () => false, grpcFactory: () => client });
    try {
      await rig.supervisor.init();
      await monitor.start();
      rig.setNodeSide(monitor);
      await vi.advanceTimersByTimeAsync(2000);
      const before = asked;
      layer = 1003; // the node moved on; at rest it is not asked for a minute
      await vi.advanceTimersByTimeAsync(REST_POLL_MS / 3);
      expect(asked).toBe(before);
      expect(rig.snapshot().node.topLayer, "what the daemon holds").toBe(1000);
      expect(samples, "nobody watches the services").toBe(0);

      const snap = await rig.freshSnapshot();
      expect(snap.node.topLayer, "asked at once").toBe(1003);
      expect(asked).toBe(before + 1);
      expect(snap.services[0]!.cpuPercent).toBe(1);

      // asked again within SNAPSHOT_FRESH_MS: what was just read
      await vi.advanceTimersByTimeAsync(SNAPSHOT_FRESH_MS / 2);
      layer = 1004;
      expect((await rig.freshSnapshot()).node.topLayer).toBe(1003);
      expect([asked, samples]).toEqual([before + 1, 1]);

      // a node that does not answer: the snapshot comes after SNAPSHOT_WAIT_MS with what there is
      await vi.advanceTimersByTimeAsync(SNAPSHOT_FRESH_MS);
      silent = true;
      let got: number | null | undefined;
      void rig.freshSnapshot().then((s) => (got = s.node.topLayer));
      await vi.advanceTimersByTimeAsync(SNAPSHOT_WAIT_MS - 10);
      expect(got).toBeUndefined();
      await vi.advanceTimersByTimeAsync(10);
      expect(got).toBe(1003);
      expect(samples).toBe(2);
    } finally {
      await monitor.stop();
      await rig.supervisor.shutdown({ stopServices: false });
    }
  });
});
