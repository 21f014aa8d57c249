// What the node's events stream says that is no news. A node that is not there (a rig set up before
// its node, the bench's daemons): its stream fails to connect again and again, each time with the
// same error; the monitor neither recomputes for that nor asks the node every pollMs for LIVELY_MS
// after the first failure (it did both: ~15 Status/PostStates/States polls against the absent node
// in the daemon's first 30 s, and a recompute per reconnect attempt, every 30 s for good). A node
// that answers the polls: its stream coming up (with its first events) and events about rewards
// (eligibilities, proposals) are no sign that its Status or PostStates changed. The stream coming
// up while the node did not answer, or going down, is: the node is asked at once.
import { afterEach, describe, expect, it, vi } from "vitest";
import { LIVELY_MS, REST_POLL_MS, WAKE_MS } from "../../../src/core/spacemesh/node-monitor.js";
import type { EventsStreamStatus, NodeEvent, NodeGrpcClient } from "../../../src/core/spacemesh/node-grpc.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { startedAtRest } from "./node-monitor-at-rest.js";
import { cleanupTempDirs } from "../../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

const REFUSED = "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9093";

/** A node that is down until `up` is set (its stream handed out too); its events stream tries again every second while it is down (as NodeGrpc's backoff does at first). */
function absentNode() {
  const state = { up: false, status: 0 };
  let onStatus: ((s: EventsStreamStatus) => void) | null = null;
  let onEvent: ((e: NodeEvent) => void) | null = null;
  const refused = () => Promise.reject(new Error(`NodeService.Status on 127.0.0.1:9092: ${REFUSED}`));
  let retry: NodeJS.Timeout | null = null;
  const client: NodeGrpcClient = {
    status: async () => {
      state.status++;
      return state.up ? { peers: 8, synced: true, syncedLayer: 10, topLayer: 10, verifiedLayer: 9 } : refused();
    },
    version: async () => (state.up ? "v1.7.6" : refused()),
    epochSize: async () => (state.up ? 4032 : refused()),
    postStates: async () => (state.up ? [] : refused()),
    smesherIds: async () => (state.up ? [] : refused()),
    postConfig: async () => (state.up ? { bitsPerLabel: 8, labelsPerUnit: 1024, minNumUnits: 1, maxNumUnits: 10, k1: 26, k2: 37 } : refused()),
    coinbase: async () => (state.up ? "sm1qqq" : refused()),
    highest: async () => "00",
    followEvents: (e, s) => {
      [onEvent, onStatus] = [e, s];
      const attempt = () => {
        if (state.up) return onStatus!({ live: true, error: null });
        onStatus!({ live: false, error: `AdminService.EventsStream on 127.0.0.1:9093: ${REFUSED}` });
        retry = setTimeout(attempt, 1000);
      };
      attempt();
      return () => void (retry && clearTimeout(retry));
    },
    close: () => undefined,
  };
  return { client, state, stream: (s: EventsStreamStatus) => onStatus!(s), event: (e: NodeEvent) => onEvent!(e) };
}

// (without a watcher the slow poll rescans the files every slowPollMs: not within these tests)
const started = (node: ReturnType<typeof absentNode>) => startedAtRest({ client: node.client, slowPollMs: 3_600_000 }, makeRig({ services: 2 }));

describe("node monitor with an absent node", () => {
  it("neither recomputes nor polls fast for its events stream failing again and again; asks at once when the stream comes up", async () => {
    const node = absentNode();
    const m = await started(node);
    try {
      expect(m.sources().find((s) => s.name === "events")).toMatchObject({ live: false, error: expect.stringContaining("ECONNREFUSED") });
      const recompute = vi.spyOn(m, "recompute");
      const polls0 = node.state.status;
      // the daemon's first half minute and more: the stream fails ~LIVELY_MS times, all alike
      await vi.advanceTimersByTimeAsync(LIVELY_MS + 10_000);
      expect(recompute).not.toHaveBeenCalled();
      expect(node.state.status - polls0).toBeLessThanOrEqual(1); // at rest: the REST_POLL_MS poll at most
      expect(m.node().reachable).toBe(false);
      // the node comes up: its stream connects at the next attempt, and the node is asked at once
      node.state.up = true;
      await vi.advanceTimersByTimeAsync(1000 + WAKE_MS + 100);
      expect(m.node().reachable).toBe(true);
      expect(recompute).toHaveBeenCalled();
      expect(REST_POLL_MS).toBeGreaterThan(LIVELY_MS + 10_000 + 1000 + WAKE_MS + 100); // (not the rest poll that saw it)
    } finally {
      await m.stop();
    }
  });

  it("a node that answers: its stream coming up with events about rewards asks nothing; the stream going down and back asks at once", async () => {
    const node = absentNode();
    node.state.up = true; // the stream comes up at once, before the first poll has answered
    const m = await started(node);
    try {
      expect(m.node().reachable).toBe(true);
      const polls = async (ms: number) => {
        const s0 = node.state.status;
        await vi.advanceTimersByTimeAsync(ms);
        return node.state.status - s0;
      };
      /** Until just after the next poll: at rest, REST_POLL_MS of quiet ahead. */
      const toPoll = async () => {
        for (let i = 0; i < REST_POLL_MS / 1000 && (await polls(1000)) === 0; i++);
      };
      await vi.advanceTimersByTimeAsync(LIVELY_MS); // the start's sign is over (the stream came up before any answer)
      await toPoll();
      // the stream breaks while the node answers: asked at once, then every pollMs for LIVELY_MS
      node.stream({ live: false, error: "AdminService.EventsStream on 127.0.0.1:9093: stream ended" });
      expect(await polls(2000)).toBe(1);
      await vi.advanceTimersByTimeAsync(LIVELY_MS);
      await toPoll();
      // it comes up again with the node's first events, every identity's eligibilities and a
      // proposal: the node answers the polls, so this is no sign
      node.stream({ live: true, error: null });
      const reward = (kind: string, i: number): NodeEvent => ({ kind, at: Date.now() + i, smesher: String(i).repeat(64), failure: false, help: "", details: {} });
      for (let i = 0; i < 2; i++) node.event(reward("eligibilities", i));
      node.event(reward("proposal", 0));
      expect(await polls(LIVELY_MS)).toBe(0);
      // a PoST event is
      node.event({ ...reward("post_start", 20), smesher: "ab".repeat(32) });
      expect(await polls(WAKE_MS + 2000)).toBeGreaterThanOrEqual(1);
    } finally {
      await m.stop();
    }
  });
});
