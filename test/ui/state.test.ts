// The console's data side without React: bounded log buffers, backfill on attach, events
// applied to the snapshot.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LogStore, MIN_PER_SOURCE } from "../../src/ui/state/log-buffer.js";
import { RingBuffer } from "../../src/ring-buffer.js";
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

  it("shares a total among the sources the snapshot names: 64 services keep ~490 lines each, rings already full keep their newest at the same indices", () => {
    const s = new LogStore({ perSource: 2000, total: 32_000 });
    s.append(logLines("post1", 3000, 0, 1));
    expect(s.ring("post1").length).toBe(2000);
    const before = s.ring("post1");
    s.expectSources(65);
    const r = s.ring("post1");
    expect(r.capacity).toBe(Math.floor(32_000 / 65));
    expect([r.start, r.end]).toEqual([3000 - r.capacity, before.end]); // absolute indices kept: a paused view stays on its line
    expect(r.at(2999)!.seq).toBe(3000);
    s.append(logLines("post2", 1000, 0, 1));
    expect(s.ring("post2").length).toBe(r.capacity);
    s.expectSources(500); // never below a screenful and a search's worth
    expect(s.capacity).toBe(MIN_PER_SOURCE);
    s.expectSources(2); // few services: the per-source cap
    expect(s.capacity).toBe(2000);
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

// The console's timers (frame scheduling, clock checks) run on a fake clock, advanced by the tests:
// what happens over seconds of the console's time takes no seconds of the test's. Ink's input and
// React's scheduling (setImmediate, microtasks) stay real.
beforeEach(() => void vi.useFakeTimers({ now: 1_764_150_000_000, toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] }));
afterEach(() => void vi.useRealTimers());

/** Advances the fake clock by `ms` and lets what it fired run (a real event-loop turn for Ink's input). */
async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await new Promise((r) => setImmediate(r));
}

/** Advances the fake clock 10 ms at a time until `cond` holds; fails after `ms` of the console's time. */
async function until(cond: () => boolean, what: string, frame: () => string, ms = 10_000): Promise<void> {
  for (let t = 0; !cond(); t += 10) {
    if (t > ms) throw new Error(`timed out waiting for ${what}; frame:\n${frame()}`);
    await elapse(10);
  }
}

/** The console on the fixture rig (ink-testing-library), once its services are on screen. */
async function mountFixtureApp(store: { maxFps: number; logFps: number }) {
  const React = await import("react");
  const { render } = await import("ink-testing-library");
  const { App } = await import("../../src/ui/App.js");
  const { FakeClient } = await import("./fake-client.js");
  const { now, snapshot } = loadFixture();
  const client = new FakeClient(snapshot);
  const inst = render(React.createElement(App, { client, now: () => now, noColor: true, store }));
  const frame = () => inst.lastFrame() ?? "";
  await until(() => frame().includes("post4"), "the services", frame);
  return { inst, client, now, frame };
}

describe("render coalescing", () => {
  it("200 log batches arriving over a second cost a few frames, not 200", async () => {
    const { cleanup } = await import("ink-testing-library");
    const { inst, client, now, frame } = await mountFixtureApp({ maxFps: 12, logFps: 4 });
    const before = inst.frames.length;
    for (let i = 0; i < 200; i++) {
      client.emit({ type: "log", data: logLines("post1", 5, now, i * 5 + 1) });
      await elapse(5); // separate ticks: React cannot batch them for us
    }
    await until(() => frame().includes("post1 line 1000"), "the last line", frame);
    // 4 log frames per second (or fewer, when frames cost more: FrameBudget): 1 s of batches, a few frames.
    expect(inst.frames.length - before).toBeLessThanOrEqual(10);
    cleanup();
  });
});

describe("redraws only for what the operator can see change", () => {
  // All running, so no backoff countdown moves; post2 up 5 min 10 s at t0.
  const setup = async (t0: number, storeOpts: Record<string, number> = {}) => {
    const React = await import("react");
    const { render } = await import("ink-testing-library");
    const { App } = await import("../../src/ui/App.js");
    const { FakeClient } = await import("./fake-client.js");
    const { snapshot } = loadFixture();
    const services = snapshot.services.map((s, i) => ({ ...s, state: "running" as const, pid: 4100 + i, startedAt: t0 - 310_000, nextRestartAt: null, cpuPercent: 3.2, rssBytes: 325058560 }));
    services[0] = { ...services[0]!, startedAt: t0 - 5_000 };
    const snap = { ...snapshot, services };
    const client = new FakeClient(snap);
    const clock = { t: t0 };
    const inst = render(React.createElement(App, { client, now: () => clock.t, noColor: true, store: { maxFps: 1000, logFps: 1000, ...storeOpts } }));
    const frame = () => inst.lastFrame() ?? "";
    const row = (name: string) => frame().split("\n").find((l) => l.includes(`${name} `) && l.includes("running")) ?? "";
    await until(() => frame().includes("post4"), "the services", frame);
    return { inst, client, clock, frame, row, services, snap };
  };

  it("uptime in minutes (<1m at first): an idle console draws no frame until a minute changes", async () => {
    const { cleanup } = await import("ink-testing-library");
    const t0 = 1_764_150_000_000;
    const { inst, clock, frame, row } = await setup(t0);
    expect(row("post1")).toMatch(/<1m/);
    expect(row("post2")).toMatch(/\b5m\b/);
    await elapse(300); // initial renders settle
    const before = inst.frames.length;
    clock.t = t0 + 20_000; // 5m30s: nothing on screen changes
    await elapse(2500); // two clock checks
    expect(inst.frames.length).toBe(before);
    clock.t = t0 + 60_000; // post1 is 1m old now, post2 6m
    await until(() => /\b6m\b/.test(row("post2")), "post2 at 6m", frame, 5000);
    expect(row("post1")).toMatch(/\b1m\b/);
    cleanup();
  });

  it("a sample that shows the same numbers draws no frame; one that changes them does", async () => {
    const { cleanup } = await import("ink-testing-library");
    const t0 = 1_764_150_000_000;
    const { inst, client, frame, row, services, snap } = await setup(t0, { backgroundMs: 50 });
    expect(row("post2")).toMatch(/\s3\s+310M/);
    await elapse(300);
    const before = inst.frames.length;
    client.emit({ type: "service", data: { ...services[1]!, cpuPercent: 3.4, rssBytes: 325058560 + 1000 } }); // still "3" and "310M"
    client.emit({ type: "hardware", data: { ...snap.hardware!, sampledAt: snap.hardware!.sampledAt + 2000 } }); // same figures, new time
    await elapse(500);
    expect(inst.frames.length).toBe(before);
    client.emit({ type: "service", data: { ...services[1]!, cpuPercent: 97, rssBytes: 325058560 } });
    await until(() => /\s97\s+310M/.test(row("post2")), "post2 at 97 % CPU", frame, 5000);
    cleanup();
  });
});

describe("a key press draws the latest data", () => {
  it("so the log frame that was pending is not drawn again", async () => {
    const { cleanup } = await import("ink-testing-library");
    const { inst, client, now, frame } = await mountFixtureApp({ maxFps: 1000, logFps: 2 });
    await elapse(700); // backfill and first frames settle
    client.emit({ type: "log", data: logLines("post1", 1, now, 899) });
    await until(() => frame().includes("post1 line 899"), "line 899", frame);
    const before = inst.frames.length; // a log frame was just drawn: the next may come 0.5 s after it
    client.emit({ type: "log", data: logLines("post1", 1, now, 900) }); // so this line waits for its frame…
    inst.stdin.write("?"); // …but the key's frame comes at once, with the line in the store
    await elapse(1200);
    expect(inst.lastFrame()).toContain("keys"); // the help overlay is up
    expect(inst.frames.length - before).toBe(1); // one frame: the key's; the log frame had nothing new
    inst.stdin.write("\x1b");
    await elapse(100);
    expect(inst.lastFrame()).toContain("post1 line 900");
    cleanup();
  });
});

describe("FrameBudget", () => {
  it("spaces frames so that they keep within their share of a core, between the floor and four times it", async () => {
    const { FrameBudget } = await import("../../src/ui/state/frame-budget.js");
    const b = new FrameBudget(2);
    expect(b.interval(500, 0.1)).toBe(500); // nothing measured yet: the floor
    b.record(900); // warm-up frames (loading, compiling) do not count
    b.record(900);
    expect(b.frameCostMs).toBe(0);
    b.record(30);
    expect(b.interval(500, 0.1)).toBe(500); // 30 ms per frame: 300 ms would do, the floor holds
    expect(b.interval(5000, 0.005)).toBe(6000); // samples: 30 ms within 0.5 % of a core
    for (let i = 0; i < 30; i++) b.record(150); // a busy machine: frames cost more
    expect(b.frameCostMs).toBeGreaterThan(145);
    expect(b.interval(500, 0.1)).toBeGreaterThan(1450); // log frames under 1 a second
    expect(b.interval(5000, 0.005)).toBe(20_000); // capped at four times the floor
  });
});
