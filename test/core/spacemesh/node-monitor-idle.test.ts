// A node at rest answers every 2 s poll the same: the monitor then recomputes its identities and
// findings not at all (findings that depend on time alone ask for theirs: node-monitor-rest.test.ts)
// but for a safety net every RECOMPUTE_IDLE_MS, at once when an answer changes; disk usage and
// extras handed in unchanged recompute nothing.
import { afterEach, describe, expect, it, vi } from "vitest";
import { NodeMonitor, RECOMPUTE_IDLE_MS, SETTLE_REREAD_MS, WATCHED_RESCAN_MS } from "../../../src/core/spacemesh/node-monitor.js";
import type { NodeGrpcClient, NodeStatusInfo } from "../../../src/core/spacemesh/node-grpc.js";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { layerAt, MAINNET_TIMING } from "../../../src/clock/epoch-clock.js";
import type { Finding } from "../../../src/protocol/model.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

/** A node that answers Status with `status()` and nothing else of note. */
function nodeAnswering(status: () => NodeStatusInfo): NodeGrpcClient {
  return {
    status: async () => ({ ...status() }),
    version: async () => "v1.7.6",
    epochSize: async () => 4032,
    postStates: async () => [],
    smesherIds: async () => [],
    postConfig: async () => ({ labelsPerUnit: 1024, minNumUnits: 1, maxNumUnits: 10, scryptN: 8192, k1: 26, k2: 37, k3: 37, powDifficulty: "ff" }) as never,
    coinbase: async () => "sm1qqq",
    highest: async () => "00",
    followEvents: () => () => undefined,
    close: () => undefined,
  };
}

describe("node monitor at rest", () => {
  it("recomputes when a poll's answer changes (or RECOMPUTE_IDLE_MS passed), not after every poll", async () => {
    const rig = makeRig();
    const now = Date.parse("2026-12-02T12:00:00Z"); // a layer's start by the epoch clock (mainnet's: no node config)
    const layer = layerAt(MAINNET_TIMING, now); // the node in step with the clock: no clock-skew finding
    let status: NodeStatusInfo = { peers: 8, synced: true, syncedLayer: layer, topLayer: layer, verifiedLayer: layer - 1 };
    const client = nodeAnswering(() => status);
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now });
    const m = new NodeMonitor({ config: rig.config, pollMs: 2000, slowPollMs: 3_600_000, debounceMs: 20, watch: false, grpcFactory: () => client });
    try {
      await m.start();
      await vi.advanceTimersByTimeAsync(2000); // settled: the first answers seen
      const recompute = vi.spyOn(m, "recompute");
      await vi.advanceTimersByTimeAsync(RECOMPUTE_IDLE_MS - 3000);
      expect(recompute).not.toHaveBeenCalled(); // ~300 polls with the same answers: nothing (was every 30 s)
      await vi.advanceTimersByTimeAsync(2000);
      expect(recompute).toHaveBeenCalledTimes(1); // the safety net
      const before = recompute.mock.calls.length;
      const nodeViews: number[] = [];
      m.on("node", (v) => nodeViews.push(v.topLayer ?? -1));
      status = { ...status, topLayer: layer + 1, syncedLayer: layer + 1, peers: 9 };
      await vi.advanceTimersByTimeAsync(2000 + 20);
      // a synced, connected node's new layer (or peer count) moves the node view at once, and
      // nothing else: identities and findings do not read it (was a full recompute per layer)
      expect(recompute.mock.calls.length).toBe(before);
      expect(m.node().topLayer).toBe(layer + 1);
      expect(nodeViews).toEqual([layer + 1]);
      status = { ...status, synced: false };
      await vi.advanceTimersByTimeAsync(2000 + 20);
      expect(recompute.mock.calls.length).toBe(before + 1); // no longer synced: at once
      const after = recompute.mock.calls.length;
      m.setDiskUsage([{ path: "/", freeBytes: 1, totalBytes: 2 }]);
      m.setDiskUsage([{ path: "/", freeBytes: 1, totalBytes: 2 }]);
      m.setFindingsExtras({ provingQueue: new Map([["post0.key", "disk busy"]]) });
      m.setFindingsExtras({ provingQueue: new Map([["post0.key", "disk busy"]]) });
      await vi.advanceTimersByTimeAsync(100);
      expect(recompute.mock.calls.length).toBe(after + 1); // the first of each changed something, the repeats nothing
      m.setFindingsExtras({ provingQueue: new Map([["post0.key", "RAM budget"]]) }); // a Map's change is a change
      await vi.advanceTimersByTimeAsync(100);
      expect(recompute.mock.calls.length).toBe(after + 2);
    } finally {
      await m.stop();
    }
  });

  it("recomputes on a disk sample only when the free-space findings change, not whenever free space moves", async () => {
    const rig = makeRig();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now: Date.parse("2026-12-02T12:00:00Z") });
    const m = new NodeMonitor({ config: rig.config, pollMs: 3_600_000, slowPollMs: 3_600_000, debounceMs: 20, watch: false, grpcFactory: () => nodeAnswering(() => ({ peers: 8, synced: true, syncedLayer: 1, topLayer: 1, verifiedLayer: 0 })) });
    const GiB = 1024 ** 3;
    const disk = (free: number) => m.setDiskUsage([{ path: "/", freeBytes: free, totalBytes: 1000 * GiB }]);
    const diskFinding = () => m.findings().find((x: Finding) => x.id === "disk-nearly-full")?.title ?? null;
    try {
      await m.start();
      disk(500 * GiB);
      await vi.advanceTimersByTimeAsync(2000);
      const recompute = vi.spyOn(m, "recompute");
      // the volume holding everything, far from full: free space moving by GiBs (another program's
      // files) changes nothing shown (was a recompute per sample once it moved by 16 MiB)
      for (const free of [400, 300, 200.5, 200.6, 100]) {
        disk(free * GiB);
        await vi.advanceTimersByTimeAsync(100);
      }
      expect(recompute).not.toHaveBeenCalled();
      expect(diskFinding()).toBeNull();
      disk(1.5 * GiB); // below 2 GiB: the finding comes at once
      await vi.advanceTimersByTimeAsync(100);
      expect(recompute).toHaveBeenCalledTimes(1);
      expect(diskFinding()).toBe("node volume nearly full: 1.5 GiB free of 1000.0 GiB");
      disk(1.5 * GiB + 1024 ** 2); // a MiB more: the same words
      await vi.advanceTimersByTimeAsync(100);
      expect(recompute).toHaveBeenCalledTimes(1);
      disk(1.2 * GiB); // the figure it shows moved
      await vi.advanceTimersByTimeAsync(100);
      expect(recompute).toHaveBeenCalledTimes(2);
      expect(diskFinding()).toBe("node volume nearly full: 1.2 GiB free of 1000.0 GiB");
      disk(300 * GiB); // freed: gone at once
      await vi.advanceTimersByTimeAsync(100);
      expect(recompute).toHaveBeenCalledTimes(3);
      expect(diskFinding()).toBeNull();
    } finally {
      await m.stop();
    }
  });

  it("changes that keep coming are recomputed for at most about a tenth of the time: the next waits RECOMPUTE_COST_SHARE times the last one's cost", async () => {
    const rig = makeRig();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now: Date.parse("2026-12-02T12:00:00Z") });
    const m = new NodeMonitor({ config: rig.config, pollMs: 3_600_000, slowPollMs: 3_600_000, debounceMs: 150, watch: false, grpcFactory: () => nodeAnswering(() => ({ peers: 8, synced: true, syncedLayer: 1, topLayer: 1, verifiedLayer: 0 })) });
    try {
      await m.start();
      await vi.advanceTimersByTimeAsync(2000);
      let cost = 100; // each recompute takes 100 ms of the clock (64 identities on a loaded machine)
      const real = m.recompute.bind(m);
      const recompute = vi.spyOn(m, "recompute").mockImplementation(() => {
        real();
        vi.setSystemTime(Date.now() + cost);
      });
      // a change every 50 ms for 5 s (a start's service events)
      for (let i = 0; i < 100; i++) {
        m.setFindingsExtras({ provingQueue: new Map([["post0.key", `step ${i}`]]) });
        await vi.advanceTimersByTimeAsync(50);
      }
      // one per ~1.1 s (100 ms of work, then 1 s apart): not one per 150 ms debounce (33 on the old code)
      expect(recompute.mock.calls.length).toBeGreaterThanOrEqual(3);
      expect(recompute.mock.calls.length).toBeLessThanOrEqual(6);
      // cheap recomputes: the debounce alone spaces them
      cost = 0;
      await vi.advanceTimersByTimeAsync(2000);
      const before = recompute.mock.calls.length;
      for (let i = 0; i < 20; i++) {
        m.setFindingsExtras({ provingQueue: new Map([["post0.key", `cheap ${i}`]]) });
        await vi.advanceTimersByTimeAsync(50);
      }
      expect(recompute.mock.calls.length - before).toBeGreaterThanOrEqual(5); // every 150-200 ms
    } finally {
      await m.stop();
    }
  });

  it("reads the PoS dirs again when a service's dir changes, not when its operator address is assigned", async () => {
    const rig = makeRig({ services: 2 });
    const m = new NodeMonitor({ config: rig.config, watch: false, grpcFactory: () => ({ followEvents: () => () => undefined, close: () => undefined }) as unknown as NodeGrpcClient });
    const reads = vi.spyOn(m as unknown as { readPosDirs: () => Promise<void> }, "readPosDirs");
    const dirs = rig.config.services.map((s) => ({ name: s.name, dir: s.dir, operatorAddress: null as string | null }));
    m.setServices([], dirs);
    expect(reads).not.toHaveBeenCalled(); // as configured
    m.setServices([], dirs.map((d, i) => ({ ...d, operatorAddress: `127.0.0.1:${4000 + i}` }))); // a start assigns them
    expect(reads).not.toHaveBeenCalled();
    m.setServices([], [dirs[0]!, { ...dirs[1]!, dir: `${dirs[1]!.dir}-moved` }]);
    expect(reads).toHaveBeenCalledTimes(1);
    await m.stop();
  });

  it("with the files watched, the slow poll re-reads them every WATCHED_RESCAN_MS only, and recomputes only when its answers changed", async () => {
    const rig = makeRig({ services: 3 });
    let coinbase = "sm1qqq";
    const client = {
      status: async () => ({ peers: 8, synced: true, syncedLayer: 100, topLayer: 100, verifiedLayer: 99 }),
      version: async () => "v1.7.6", epochSize: async () => 4032, postStates: async () => [], smesherIds: async () => [],
      postConfig: async () => ({}) as never, coinbase: async () => coinbase, highest: async () => "00",
      followEvents: () => () => undefined, close: () => undefined,
    } as NodeGrpcClient;
    // 1 s after a layer starts (mainnet's 5-minute layers: the rig has no node config): the node's
    // layer 100 is far from the clock's, and the clock-skew finding names the clock's layer, so it is
    // recomputed when a layer starts; the checks below end within this layer, whatever time it is now
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now: Date.UTC(2026, 0, 1, 0, 0, 1) });
    const slowPollMs = 30_000;
    const m = new NodeMonitor({ config: rig.config, pollMs: 3_600_000, slowPollMs, debounceMs: 0, watch: true, grpcFactory: () => client });
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += slowPollMs) await vi.advanceTimersByTimeAsync(slowPollMs);
    };
    try {
      await m.start();
      await advance(slowPollMs);
      const reads = vi.spyOn(m as unknown as { readKeys: () => Promise<void> }, "readKeys");
      const schedules = vi.spyOn(m as unknown as { schedule: () => void }, "schedule");
      await advance(4 * slowPollMs);
      expect(reads).not.toHaveBeenCalled(); // four slow polls: no file read (was every key file and PoS dir each time)
      expect(schedules).not.toHaveBeenCalled(); // …and the same answers: nothing to recompute
      coinbase = "sm1qqqz";
      await advance(slowPollMs);
      expect(schedules).toHaveBeenCalledTimes(1); // an answer changed
      await advance(WATCHED_RESCAN_MS - 6 * slowPollMs);
      expect(reads).toHaveBeenCalledTimes(1); // the safety-net rescan
    } finally {
      await m.stop();
    }
  });

  it("at rest (pollUrgent says no) asks the node every restPollMs, every pollMs again as soon as it says yes", async () => {
    const rig = makeRig();
    let polls = 0;
    const client = nodeAnswering(() => (polls++, { peers: 8, synced: true, syncedLayer: 100, topLayer: 100, verifiedLayer: 99 }));
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
    let urgent = false;
    const m = new NodeMonitor({ config: rig.config, pollMs: 2000, restPollMs: 10_000, slowPollMs: 600_000, watch: false, grpcFactory: () => client, pollUrgent: () => urgent });
    try {
      await m.start();
      await vi.advanceTimersByTimeAsync(100);
      polls = 0;
      await vi.advanceTimersByTimeAsync(30_000);
      expect(polls).toBe(3); // every 10 s, not 15 times
      urgent = true; // a client shows the node, or a proof may start: the daemon says so
      m.paceChanged();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(polls).toBe(8);
    } finally {
      await m.stop();
    }
  });
  it("at rest does nothing between polls (no check every pollMs), and a pace change is acted on at once", async () => {
    const rig = makeRig();
    let polls = 0;
    const client = nodeAnswering(() => (polls++, { peers: 8, synced: true, syncedLayer: 100, topLayer: 100, verifiedLayer: 99 }));
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
    let urgent = false;
    let asked = 0;
    const m = new NodeMonitor({ config: rig.config, pollMs: 2000, restPollMs: 60_000, slowPollMs: 30_000, restSlowPollMs: 300_000, watch: false, grpcFactory: () => client, pollUrgent: () => (asked++, urgent) });
    try {
      await m.start();
      await vi.advanceTimersByTimeAsync(100);
      [polls, asked] = [0, 0];
      await vi.advanceTimersByTimeAsync(120_000);
      expect(polls).toBe(2); // every minute
      // the pace was asked about around the polls (and the files' rescans), not at every pollMs tick (60 in two minutes)
      expect(asked).toBeLessThanOrEqual(12);
      urgent = true;
      m.paceChanged(); // what the daemon calls when a client begins showing the node, a service's state or the identities change
      const before = asked;
      for (let i = 0; i < 50; i++) m.paceChanged(); // a start's burst of service changes
      expect(asked - before).toBe(0); // looked at together, a little later (each of the 51 asked at once)
      await vi.advanceTimersByTimeAsync(2000);
      expect(polls).toBe(3); // within pollMs, not at the next rest poll
      expect(asked - before).toBeLessThanOrEqual(12); // the poll's own asks and the burst's one look
      await vi.advanceTimersByTimeAsync(10_000);
      expect(polls).toBe(8);
    } finally {
      await m.stop();
    }
  });
  it("reads the node config once more SETTLE_REREAD_MS after its file event: a write whose own event was dropped is seen", async () => {
    const file = path.join(tempDir("pd-cfg-"), "config.json");
    writeFileSync(file, ""); // truncated: an editor's first step
    const rig = makeRig({ node: { config: file } });
    const client = { followEvents: () => () => undefined, close: () => undefined } as unknown as NodeGrpcClient;
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
    const m = new NodeMonitor({ config: rig.config, pollMs: 3_600_000, slowPollMs: 3_600_000, debounceMs: 20, watch: false, grpcFactory: () => client });
    try {
      await m.start();
      // the watch's event for the truncation: the file is read while still empty
      await (m as unknown as { onFileEvent: (e: string, p: string) => Promise<void> }).onFileEvent("change", file);
      await vi.advanceTimersByTimeAsync(100);
      expect(m.findings().map((f) => f.id)).toContain("node-config-problem");
      // the write lands within chokidar's 5 ms throttle of the first event: no event of its own
      writeFileSync(file, JSON.stringify({ smeshing: { "smeshing-start": true } }));
      await vi.advanceTimersByTimeAsync(SETTLE_REREAD_MS);
      // up to 10 s of real time (performance.now is not faked): 500 turns alone could pass before the
      // threadpool's read on a loaded machine (the full suite at load 4, this file sharing its worker:
      // still the empty config), so turns are not counted but for a bound on the fake time: at most
      // 100,000 turns of 20 ms, 33 min (the polls are an hour away: only the re-read can clear it)
      const until = performance.now() + 10_000;
      for (let i = 0; i < 100_000 && performance.now() < until && m.findings().some((f) => f.id === "node-config-problem"); i++) {
        await new Promise((r) => setImmediate(r)); // the re-read's file I/O (real), then its debounce
        await vi.advanceTimersByTimeAsync(20);
      }
      const ids = m.findings().map((f) => f.id);
      expect(ids).not.toContain("node-config-problem");
      expect(ids).toContain("smeshing-start-remote");
    } finally {
      await m.stop();
    }
  });
});

// Findings whose words name the node's figures (its layer against the clock's, peers): the node event
// carries those figures, so findings go out only when one appears, goes or changes otherwise;
// findings() (snapshots, doctor, status --json) words them as of now.
describe("node monitor: findings that name the node's figures", () => {
  it("sends findings when one appears, goes or changes, not when only the node's layer or peers move; findings() names the current ones", async () => {
    const rig = makeRig();
    const now = Date.parse("2026-12-02T12:00:00Z");
    const clockLayer = layerAt(MAINNET_TIMING, now); // mainnet's clock (the rig has no node config)
    let status: NodeStatusInfo = { peers: 8, synced: true, syncedLayer: clockLayer + 100, topLayer: clockLayer + 100, verifiedLayer: clockLayer + 99 };
    const client = nodeAnswering(() => status);
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now });
    const m = new NodeMonitor({ config: rig.config, pollMs: 1000, slowPollMs: 3_600_000, debounceMs: 20, watch: false, grpcFactory: () => client });
    const sent: Finding[][] = [];
    const title = (fs: Finding[], id: string) => fs.find((f) => f.id === id)?.title;
    const ids = () => sent.map((fs) => fs.map((f) => f.id).filter((id) => id === "clock-skew" || id === "node-few-peers"));
    const setNode = async (s: Partial<NodeStatusInfo>) => {
      status = { ...status, ...s };
      await vi.advanceTimersByTimeAsync(1000 + 50);
    };
    try {
      await m.start();
      await vi.advanceTimersByTimeAsync(2000);
      expect(title(m.findings(), "clock-skew")).toBe(`the epoch clock disagrees with the node: the node is at layer ${clockLayer + 100}, the clock from its config says ${clockLayer} (100 layers ahead)`);
      m.on("findings", (fs) => sent.push(fs));
      await setNode({ topLayer: clockLayer + 101, syncedLayer: clockLayer + 101 });
      await setNode({ topLayer: clockLayer + 102, syncedLayer: clockLayer + 102 });
      expect(m.node().topLayer).toBe(clockLayer + 102);
      expect(sent).toEqual([]); // only the layer the skew names moved
      expect(title(m.findings(), "clock-skew")).toContain(`the node is at layer ${clockLayer + 102}, the clock from its config says ${clockLayer} (102 layers ahead)`);

      await setNode({ peers: 3 }); // a finding appears
      expect(ids()).toEqual([["node-few-peers", "clock-skew"]]);
      await setNode({ peers: 4 }); // its peer count moves
      expect(sent).toHaveLength(1);
      expect(title(m.findings(), "node-few-peers")).toBe("node has 4 peer(s)");

      await setNode({ peers: 8 }); // it goes
      expect(ids()).toEqual([["node-few-peers", "clock-skew"], ["clock-skew"]]);
      await setNode({ topLayer: clockLayer - 100, syncedLayer: clockLayer - 100 }); // its words change: behind, not ahead
      expect(sent).toHaveLength(3);
      expect(title(sent[2]!, "clock-skew")).toContain("(100 layers behind)");
      await setNode({ topLayer: clockLayer, syncedLayer: clockLayer }); // in step with the clock: it goes
      expect(ids()).toEqual([["node-few-peers", "clock-skew"], ["clock-skew"], ["clock-skew"], []]);
    } finally {
      await m.stop();
    }
  });
});
