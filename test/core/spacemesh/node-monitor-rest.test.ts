// A node at rest (nobody watches it, no identity PROVING, the cycle gap neither open nor near by the
// epoch clock from the node's config): the monitor asks its Status/PostStates every REST_POLL_MS and
// the slow poll's calls every REST_SLOW_POLL_MS, at once when a sign says something changed (an
// event, the events stream breaking, a node log line postdeck recognises, the supervised node: then
// every pollMs for LIVELY_MS), and fast while anything can change. Identities and findings are
// recomputed when a finding that depends on time alone changes, not on a beat; views that come out
// the same keep their objects.
import { afterEach, describe, expect, it, vi } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { LIVELY_MS, REST_POLL_MS, REST_SLOW_POLL_MS } from "../../../src/core/spacemesh/node-monitor.js";
import type { EventsStreamStatus, NodeEvent, NodeGrpcClient, PostStateInfo } from "../../../src/core/spacemesh/node-grpc.js";
import { layerAt, MAINNET_TIMING } from "../../../src/clock/epoch-clock.js";
import { NODE_STARTING_MS } from "../../../src/core/spacemesh/rig-findings.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { WEDNESDAY, startedAtRest } from "./node-monitor-at-rest.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});


/** A node whose layer follows the (fake) clock; counts the calls; hands out its events stream. */
function fakeNode(layerOf: (now: number) => number = (now) => layerAt(MAINNET_TIMING, now)) {
  const calls = { status: 0, smesherIds: 0 };
  const node = { down: false, postStates: [] as PostStateInfo[] };
  let onEvent: ((e: NodeEvent) => void) | null = null;
  let onStatus: ((s: EventsStreamStatus) => void) | null = null;
  const refused = () => Promise.reject(new Error("14 UNAVAILABLE: connection refused"));
  const client: NodeGrpcClient = {
    status: async () => {
      calls.status++;
      if (node.down) return refused();
      const layer = layerOf(Date.now());
      return { peers: 8, synced: true, syncedLayer: layer, topLayer: layer, verifiedLayer: layer - 1 };
    },
    version: async () => "v1.7.6",
    epochSize: async () => 4032,
    postStates: async () => (node.down ? refused() : node.postStates),
    smesherIds: async () => (calls.smesherIds++, []),
    postConfig: async () => ({ bitsPerLabel: 8, labelsPerUnit: 1024, minNumUnits: 1, maxNumUnits: 10, k1: 26, k2: 37 }),
    coinbase: async () => "sm1qqq",
    highest: async () => "00",
    followEvents: (e, s) => {
      onEvent = e;
      onStatus = s;
      return () => undefined;
    },
    close: () => undefined,
  };
  return { client, calls, node, event: (e: NodeEvent) => onEvent!(e), stream: (s: EventsStreamStatus) => onStatus!(s) };
}

const started = startedAtRest;

describe("node monitor at rest", () => {
  it("asks the node every REST_POLL_MS (slow calls every REST_SLOW_POLL_MS) and at once on a sign of change; a node that stops is seen within a poll", async () => {
    const f = fakeNode();
    const m = await started({ client: f.client });
    try {
      const count = async (ms: number) => {
        const [s0, i0] = [f.calls.status, f.calls.smesherIds];
        await vi.advanceTimersByTimeAsync(ms);
        return [f.calls.status - s0, f.calls.smesherIds - i0];
      };
      // ten minutes at rest: 10 Status polls (was 60, every 10 s), 2 slow polls (was 20, every 30 s)
      expect(await count(10 * 60_000)).toEqual([600_000 / REST_POLL_MS, 600_000 / REST_SLOW_POLL_MS]);
      /** Until just after a rest poll: REST_POLL_MS of quiet ahead. */
      const toRestPoll = async () => {
        for (let i = 0; i < REST_POLL_MS / 1000 && (await count(1000))[0] === 0; i++);
      };
      /** A sign of change: both polls at once, Status every pollMs for LIVELY_MS, then at rest again. */
      const sign = async (what: string, fire: () => void) => {
        fire();
        const [now, slowNow] = await count(2000);
        expect(now, what).toBeGreaterThanOrEqual(1);
        expect(slowNow, what).toBe(1);
        expect((await count(LIVELY_MS - 2000))[0], what).toBeGreaterThanOrEqual(LIVELY_MS / 2000 - 2);
        await toRestPoll();
        expect((await count(REST_POLL_MS - 3000))[0], what).toBe(0);
      };
      /** Not a sign: nothing asked before the next rest poll. */
      const noSign = async (what: string, fire: () => void) => {
        await toRestPoll();
        fire();
        expect(await count(REST_POLL_MS - 3000), what).toEqual([0, 0]);
      };
      // unrecognised node log lines (a node logs every layer) change nothing once the log is seen
      const line = (t: number, rest: string) => `${new Date(t).toISOString().replace("Z", "+0000")}\t${rest}`;
      m.ingestNodeLog([line(Date.now(), "INFO\tnode.hare\tlayer done\t{\"layer\": 1}")]);
      const schedule = vi.spyOn(m as unknown as { schedule: () => void }, "schedule");
      await noSign("an unrecognised line", () => {
        schedule.mockClear(); // (the slow poll's file rescan may have finished meanwhile)
        m.ingestNodeLog([line(Date.now(), "INFO\tnode.hare\tlayer done\t{\"layer\": 2}")]);
        expect(schedule).not.toHaveBeenCalled();
      });
      // a line postdeck recognises: recomputed, and the node asked at once
      await sign("a recognised line", () => {
        schedule.mockClear();
        m.ingestNodeLog([line(Date.now(), 'INFO\tnode\tLoaded existing identity\t{"filename": "post0.key", "public_key": "abcde", "name": ""}')]);
        expect(schedule).toHaveBeenCalledTimes(1);
      });
      schedule.mockRestore();
      await sign("an AdminService event", () => f.event({ kind: "post_start", at: Date.now(), smesher: null, failure: false, help: "", details: {} }));
      await sign("the supervised node's start", () => m.setNodeProcess({ state: "running", pid: 42, restarts: 0, startedAt: Date.now() }));
      await noSign("the supervised node as it was", () => m.setNodeProcess({ state: "running", pid: 42, restarts: 0, startedAt: Date.now() }));
      // the node stops: its events stream breaks, and the node is seen unreachable within a poll
      expect(m.node().reachable).toBe(true);
      f.node.down = true;
      f.stream({ live: false, error: "AdminService.EventsStream on 127.0.0.1:9093: stream ended" });
      await vi.advanceTimersByTimeAsync(2500);
      expect(m.node().reachable).toBe(false);
    } finally {
      await m.stop();
    }
  });

  it("asks every pollMs while an identity is PROVING by PostStates, and from REST_POLL_MS before the cycle gap opens by the node config's clock", async () => {
    // a network of 1-minute layers, 10-layer epochs, the PoET round 5 min into an epoch, a 2-minute gap
    const genesis = WEDNESDAY - 61 * 60_000; // the next gap opens at WEDNESDAY + 2 min, for 2 min
    const nodeJson = path.join(tempDir("pd-rest-"), "config.json");
    writeFileSync(nodeJson, JSON.stringify({
      genesis: { "genesis-time": new Date(genesis).toISOString().replace(".000", "") },
      main: { "layer-duration": "1m", "layers-per-epoch": 10 },
      poet: { "phase-shift": "5m", "cycle-gap": "2m", "grace-period": "10s" },
      api: { "grpc-post-listener": "127.0.0.1:9094" },
    }));
    const f = fakeNode((now) => Math.floor((now - genesis) / 60_000));
    const m = await started({ client: f.client }, makeRig({ node: { config: nodeJson } }));
    try {
      expect(m.clockView()?.source).toBe("node-config");
      const polls = async (ms: number) => {
        const s0 = f.calls.status;
        await vi.advanceTimersByTimeAsync(ms);
        return f.calls.status - s0;
      };
      expect(await polls(REST_POLL_MS - 2000)).toBe(0); // at rest: the gap opens in over REST_POLL_MS
      expect(await polls(60_000)).toBeGreaterThanOrEqual(29); // within REST_POLL_MS of it: every 2 s
      expect(await polls(60_000)).toBeGreaterThanOrEqual(29); // open
      await vi.advanceTimersByTimeAsync(3 * 60_000); // closed: the next opens in 10 min
      expect(await polls(REST_POLL_MS)).toBe(1);
      // PROVING by PostStates: every 2 s from the poll that sees it
      f.node.postStates = [{ nodeId: "ab".repeat(32), state: "PROVING", name: "post0.key" }];
      await vi.advanceTimersByTimeAsync(REST_POLL_MS);
      expect(await polls(20_000)).toBe(10);
      f.node.postStates = [{ nodeId: "ab".repeat(32), state: "IDLE", name: "post0.key" }];
      await vi.advanceTimersByTimeAsync(4000);
      expect(await polls(REST_POLL_MS)).toBe(1); // at rest again
    } finally {
      await m.stop();
    }
  });

  it("recomputes when a finding that depends on time alone changes, not on a beat", async () => {
    const f = fakeNode();
    f.node.down = true; // the node's listener does not answer yet
    const m = await started({ client: f.client, slowPollMs: 3_600_000 }); // (without a watcher, the slow poll rescans the files)
    try {
      m.setNodeProcess({ state: "running", pid: 42, restarts: 0, startedAt: Date.now() });
      await vi.advanceTimersByTimeAsync(100);
      const node = () => m.findings().find((x) => x.id === "node-unreachable");
      expect(node()?.severity).toBe("info"); // starting: a grace of NODE_STARTING_MS
      const recompute = vi.spyOn(m, "recompute");
      await vi.advanceTimersByTimeAsync(NODE_STARTING_MS - 1000);
      expect(recompute).not.toHaveBeenCalled(); // polls that answer the same: nothing (was every 30 s)
      expect(node()?.severity).toBe("info");
      await vi.advanceTimersByTimeAsync(1000);
      expect(recompute).toHaveBeenCalledTimes(1); // the grace ends: at once
      expect(node()?.severity).toBe("error");
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(recompute).toHaveBeenCalledTimes(1);
    } finally {
      await m.stop();
    }
  });

  it("a recompute that changes nothing keeps the views' objects; a changed identity gets a new one, the others not", async () => {
    const f = fakeNode();
    const m = await started({ client: f.client }, makeRig({ services: 2 }));
    try {
      const before = m.identities();
      expect(before).toHaveLength(2);
      const findings = m.findings();
      m.recompute();
      expect(m.identities()).toBe(before);
      expect(m.findings()).toBe(findings);
      const nodeId = before[1]!.nodeId!;
      f.node.postStates = [{ nodeId, state: "IDLE", name: before[1]!.keyFile }];
      await vi.advanceTimersByTimeAsync(REST_POLL_MS);
      const after = m.identities();
      expect(after).not.toBe(before);
      expect(after[1]!.postState).toBe("IDLE");
      expect(after[1]).not.toBe(before[1]);
      expect(after[0]).toBe(before[0]);
    } finally {
      await m.stop();
    }
  });

  it("a file rescan held up by a slow disk does not hold back the slow gRPC poll a sign asks for", async () => {
    const f = fakeNode();
    const m = await started({ client: f.client });
    const rescan = vi.spyOn(m as unknown as { readFiles: () => Promise<void> }, "readFiles");
    try {
      // a sign (lively for LIVELY_MS: the periodic slow poll asks gRPC too), then a periodic tick whose rescan hangs
      f.event({ kind: "post_start", at: Date.now(), smesher: null, failure: false, help: "", details: {} });
      let release: () => void = () => undefined;
      rescan.mockImplementation(() => new Promise<void>((r) => (release = r)));
      await vi.advanceTimersByTimeAsync(30_000);
      expect(rescan).toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(LIVELY_MS + REST_POLL_MS); // at rest again, the rescan still hanging
      const before = f.calls.smesherIds;
      f.event({ kind: "post_complete", at: Date.now(), smesher: null, failure: false, help: "", details: {} });
      await vi.advanceTimersByTimeAsync(2000);
      expect(f.calls.smesherIds - before).toBe(1); // asked at once, not skipped as "already under way"
      release();
    } finally {
      rescan.mockRestore();
      await m.stop();
    }
  });
});
