// The console's data side without React: bounded log buffers, backfill on attach, events
// applied to the snapshot.
import { describe, it, expect } from "vitest";
import { LogStore, RingBuffer } from "../../src/ui/state/log-buffer.js";
import { DaemonStore } from "../../src/ui/state/daemon-store.js";
import { loadFixture, logLines } from "./fixtures.js";

describe("RingBuffer", () => {
  it("keeps the newest items up to its capacity and addresses them by absolute index", () => {
    const r = new RingBuffer<number>(3);
    for (let i = 0; i < 5; i++) r.push(i);
    expect(r.length).toBe(3);
    expect(r.toArray()).toEqual([2, 3, 4]);
    expect([r.start, r.end]).toEqual([2, 5]);
    expect(r.at(1)).toBeUndefined();
    expect(r.at(4)).toBe(4);
  });
});

describe("LogStore", () => {
  it("bounds every source and the interleaved view (1,000,000 lines keep at most the capacity)", () => {
    const s = new LogStore({ perSource: 100, all: 150 });
    for (let batch = 0; batch < 1000; batch++) {
      s.append(logLines("post1", 500, 0, batch * 500 + 1));
      s.append(logLines("post2", 500, 0, batch * 500 + 1));
    }
    expect(s.ring("post1").length).toBe(100);
    expect(s.ring("post2").length).toBe(100);
    expect(s.all.length).toBe(150);
    expect(s.ring("post1").at(s.ring("post1").end - 1)!.seq).toBe(500_000);
  });

  it("skips lines already seen (same or lower seq) and merges backfilled older lines before live ones", () => {
    const s = new LogStore();
    s.append(logLines("post1", 3, 1000, 11)); // live 11..13
    s.append(logLines("post1", 2, 1000, 12)); // duplicates
    s.backfill("post1", logLines("post1", 12, 0, 1)); // 1..12: only 1..10 are older
    expect(s.ring("post1").toArray().map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(s.all.toArray().map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    s.append(logLines("post1", 1, 2000, 14));
    expect(s.ring("post1").toArray().at(-1)!.seq).toBe(14);
  });
});

describe("DaemonStore", () => {
  it("applies snapshot, service, node, identities, findings, hardware, task and bye events", () => {
    const { snapshot } = loadFixture();
    const st = new DaemonStore();
    expect(st.apply({ type: "snapshot", data: snapshot })).toEqual(["node", "post1", "post2", "post3", "post4"]);
    expect(st.apply({ type: "snapshot", data: snapshot })).toEqual([]); // backfill once per source
    const post2 = { ...snapshot.services[1]!, state: "stopped" as const, pid: null };
    st.apply({ type: "service", data: post2 });
    expect(st.state.snapshot!.services.map((s) => s.state)).toEqual(["running", "stopped", "backoff", "stopped"]);
    st.apply({ type: "service", data: { ...post2, name: "post5" } });
    expect(st.state.snapshot!.services).toHaveLength(5);
    st.apply({ type: "node", data: { ...snapshot.node, peers: 0 } });
    expect(st.state.snapshot!.node.peers).toBe(0);
    st.apply({ type: "identities", data: snapshot.identities.slice(0, 1) });
    expect(st.state.snapshot!.identities).toHaveLength(1);
    st.apply({ type: "findings", data: [] });
    expect(st.state.snapshot!.findings).toEqual([]);
    st.apply({ type: "hardware", data: { ...snapshot.hardware!, sampledAt: 5 } });
    expect(st.state.snapshot!.hardware!.sampledAt).toBe(5);
    const task = {
      id: "t1", kind: "identity-import" as const, name: "post5", state: "running" as const, startedAt: 1,
      bytesDone: 1, bytesTotal: 4, rateBytesPerSec: null, etaSeconds: null, message: "copying",
    };
    st.apply({ type: "task", data: task });
    st.apply({ type: "task", data: { ...task, state: "done" } });
    expect(st.state.snapshot!.tasks).toEqual([{ ...task, state: "done" }]);
    st.apply({ type: "bye", data: { reason: "daemon stopping" } });
    expect(st.state.bye).toBe("daemon stopping");
    st.setConnection({ kind: "connected" });
    expect(st.state.bye).toBeNull();
  });
});
