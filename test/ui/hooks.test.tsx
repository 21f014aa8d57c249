// The console's hooks on their own, with fake timers where time matters: the status line fades
// after 8 s (4 s while a task runs), an error stays until a key; an ending task is announced once
// and stays; a proving service asks before it is stopped.
import { useEffect } from "react";
import { Text } from "ink";
import { render } from "ink-testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { STATUS_MS, TASK_STATUS_MS, useStatusLine, type StatusLine } from "../../src/ui/hooks/useStatusLine.js";
import { useTasks } from "../../src/ui/hooks/useTasks.js";
import { useServiceActions, type ServiceActions } from "../../src/ui/hooks/useServiceActions.js";
import { useUiState, type UiStore } from "../../src/ui/hooks/useUiState.js";
import { armed, ARM_MS } from "../../src/ui/hooks/useFlows.js";
import { offerNodeRestart } from "../../src/ui/flows/flows.js";
import type { TaskView } from "../../src/protocol/model.js";
import { FrameBudget } from "../../src/ui/state/frame-budget.js";
import { useDaemonStore } from "../../src/ui/hooks/useDaemonStore.js";
import { useClock } from "../../src/ui/hooks/useClock.js";
import { liveFiguresText } from "../../src/ui/live-figures.js";
import { FakeClient } from "./fake-client.js";
import { loadFixture } from "./fixtures.js";

describe("useStatusLine", () => {
  // the hook's own clock is the test's; fake timers only for its expiry timer (React schedules with setImmediate)
  let t = 1_000_000;
  const clock = () => t;
  beforeEach(() => {
    t = 1_000_000;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => vi.useRealTimers());
  const settle = () => new Promise((r) => setImmediate(r));
  const advance = async (ms: number) => {
    t += ms;
    vi.advanceTimersByTime(ms);
    await settle();
    await settle();
  };

  function Harness({ running = false, out }: { running?: boolean; out: { s?: StatusLine } }) {
    const s = useStatusLine(clock, running);
    out.s = s;
    return <Text>[{s.shown?.text ?? ""}]</Text>;
  }
  // what the last render showed (Ink's own frame throttle is not the point here)
  const shownText = (out: { s?: StatusLine }) => out.s!.shown?.text ?? null;

  it("a message fades after 8 s by itself (a redraw at expiry, no key needed)", async () => {
    const out: { s?: StatusLine } = {};
    const app = render(<Harness out={out} />);
    out.s!.say("✔ started post1", "ok");
    await settle();
    expect(shownText(out)).toBe("✔ started post1");
    await advance(STATUS_MS - 100);
    expect(shownText(out)).toBe("✔ started post1");
    await advance(200);
    expect(shownText(out)).toBe(null);
    app.unmount();
  });

  it("fades after 4 s while a task runs, so its progress comes back sooner", async () => {
    const out: { s?: StatusLine } = {};
    const app = render(<Harness running out={out} />);
    out.s!.say("reloading the config…");
    await settle();
    await advance(TASK_STATUS_MS - 100);
    expect(shownText(out)).toBe("reloading the config…");
    await advance(200);
    expect(shownText(out)).toBe(null);
    app.unmount();
  });

  it("an error stays until a key; then it fades like any message", async () => {
    const out: { s?: StatusLine } = {};
    const app = render(<Harness out={out} />);
    out.s!.say("✖ stop post3 failed: proving", "err");
    await settle();
    await advance(10 * STATUS_MS);
    expect(shownText(out)).toBe("✖ stop post3 failed: proving");
    out.s!.acknowledge();
    await settle();
    await advance(STATUS_MS - 100);
    expect(shownText(out)).toBe("✖ stop post3 failed: proving");
    expect(out.s!.shown?.tone).toBe("warn"); // no longer an error once seen
    await advance(200);
    expect(shownText(out)).toBe(null);
    app.unmount();
  });
});

describe("useTasks", () => {
  const base = new FakeClient(null).task({ id: "add-post5", name: "post5" });

  function Harness({ tasks, said, ended }: { tasks: TaskView[]; said: string[]; ended: string[] }) {
    const { startedHere } = useTasks(tasks, (t) => said.push(t), (e) => ended.push(`${e.task.id} ${e.mark} ${e.startedHere}`));
    useEffect(() => startedHere("add-post6"), []); // eslint-disable-line react-hooks/exhaustive-deps
    return <Text>{tasks.length}</Text>;
  }

  it("announces a task that ends once, and one started here even when its running state was never seen", () => {
    const said: string[] = [];
    const ended: string[] = [];
    const app = render(<Harness tasks={[base]} said={said} ended={ended} />);
    expect(said).toEqual([]);
    const done = { ...base, state: "done" as const, message: "identity abcdef placed as post5.key" };
    app.rerender(<Harness tasks={[done]} said={said} ended={ended} />);
    app.rerender(<Harness tasks={[{ ...done }]} said={said} ended={ended} />);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^✔ add post5 done: identity abcdef placed as post5\.key/);
    expect(ended).toEqual(["add-post5 ✔ false"]);
    const failed = { ...base, id: "add-post6", name: "post6", state: "failed" as const, message: "postcli exited 1" };
    app.rerender(<Harness tasks={[done, failed]} said={said} ended={ended} />);
    expect(said[1]).toMatch(/^✖ add post6/);
    expect(ended[1]).toBe("add-post6 ✖ true");
    app.unmount();
  });
});

describe("a dialog that opens by itself", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000, toFake: ["performance", "setTimeout", "Date"] }));
  afterEach(() => vi.useRealTimers());
  it("is armed ARM_MS after it appears", () => {
    const step = armed(offerNodeRestart("done"));
    expect(step.flow?.armAt).toBe(performance.now() + ARM_MS);
  });
});

describe("useServiceActions", () => {
  const { snapshot } = loadFixture();

  function Harness({ client, out }: { client: FakeClient; out: { a?: ServiceActions; ui?: UiStore; said: string[] } }) {
    const ui = useUiState();
    const a = useServiceActions(client, ui.update, (t) => out.said.push(t), snapshot.services, snapshot.identities);
    out.a = a;
    out.ui = ui;
    return <Text>{ui.ui.overlay?.kind ?? "-"}</Text>;
  }

  it("stopping a proving service asks first and sends nothing; a service that is not proving is stopped and reported", async () => {
    const client = new FakeClient(snapshot);
    const out: { a?: ServiceActions; ui?: UiStore; said: string[] } = { said: [] };
    const app = render(<Harness client={client} out={out} />);
    const proving = snapshot.services.find((s) => s.operator.kind === "proving")!;
    out.a!.act("stop", proving);
    expect(out.ui!.ref.current.overlay).toMatchObject({ kind: "confirm", route: "stop", names: [proving.name], all: false });
    expect(client.bodies("stop")).toEqual([]);
    const idle = snapshot.services.find((s) => s.operator.kind !== "proving" && s.name !== proving.name)!;
    out.a!.act("restart", idle);
    await new Promise((r) => setImmediate(r));
    expect(client.bodies("restart")).toEqual([{ names: [idle.name], all: false, force: false }]);
    expect(out.said).toEqual([`restarting ${idle.name}…`, `✔ restart ${idle.name}: done`]);
    app.unmount();
  });
});

describe("useDaemonStore: what wakes the console at rest", () => {
  // fake timers and Date: the hook schedules its frames with setTimeout against Date.now(); React renders on setImmediate
  beforeEach(() => vi.useFakeTimers({ now: 1_764_150_000_000, toFake: ["setTimeout", "clearTimeout", "Date"] }));
  afterEach(() => vi.useRealTimers());
  const settle = async () => {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  const advance = async (ms: number) => {
    vi.advanceTimersByTime(ms);
    await settle();
  };
  const BACKGROUND_MS = 10_000;

  function Harness({ client, out, budget, lastKeyAt }: { client: FakeClient; out: { renders: number }; budget?: FrameBudget; lastKeyAt?: () => number }) {
    const store = useDaemonStore(client, { maxFps: 4, backgroundMs: BACKGROUND_MS, backfillLines: 0, figuresText: (s, e) => liveFiguresText(s, e, Date.now()), budget, lastKeyAt });
    out.renders++;
    return <Text>{`${store.state.snapshot?.node.topLayer ?? "-"} ${store.state.snapshot?.hardware?.cpu.percent ?? "-"}`}</Text>;
  }

  async function mount(budget?: FrameBudget, lastKeyAt?: () => number) {
    const { snapshot } = loadFixture();
    const client = new FakeClient(snapshot);
    const out = { renders: 0 };
    const app = render(<Harness client={client} out={out} budget={budget} lastKeyAt={lastKeyAt} />);
    for (let i = 0; i < 5; i++) await advance(1000); // the snapshot's frame and the backfill's (a promise: it settles between steps)
    return { client, out, app, snapshot, rendersAfter: async (ms: number) => ((out.renders = 0), await advance(ms), out.renders) };
  }

  it("an event that brings what the console holds draws nothing; new layers and peer counts draw at most once per slow clock", async () => {
    const { client, snapshot, app, rendersAfter } = await mount();
    client.emit({ type: "node", data: { ...snapshot.node } }); // re-sent unchanged
    client.emit({ type: "service", data: { ...snapshot.services[0]! } });
    expect(await rendersAfter(3 * BACKGROUND_MS)).toBe(0);
    // after a quiet while the first new layer draws at once; the next waits for the slow clock
    const layer = (n: number) => ({ type: "node" as const, data: { ...snapshot.node, topLayer: snapshot.node.topLayer! + n, peers: 40 + n } });
    client.emit(layer(1));
    expect(await rendersAfter(1000)).toBe(1);
    client.emit(layer(2));
    expect(await rendersAfter(BACKGROUND_MS - 2000)).toBe(0);
    expect(await rendersAfter(2000)).toBe(1);
    expect(app.lastFrame()!.split(" ")[0]).toBe(String(snapshot.node.topLayer! + 2));
    client.emit({ type: "node", data: { ...snapshot.node, synced: false } }); // a state change draws at once
    expect(await rendersAfter(300)).toBe(1);
    app.unmount();
  });

  it("findings whose wording moved (a layer number in a title) draw nothing; a new finding draws at once", async () => {
    const { client, snapshot, app, rendersAfter } = await mount();
    const reworded = snapshot.findings.map((f) => ({ ...f, title: `${f.title} (layer 71235)` }));
    client.emit({ type: "findings", data: reworded });
    expect(await rendersAfter(3 * BACKGROUND_MS)).toBe(0);
    client.emit({ type: "findings", data: [...reworded, { ...reworded[0]!, id: "another", subject: "post1.key" }] });
    expect(await rendersAfter(300)).toBe(1);
    app.unmount();
  });

  it("a CPU% sample that shows the same rounded figure draws nothing; hardware samples draw at most once per slow clock", async () => {
    const { client, snapshot, app, rendersAfter } = await mount();
    const s0 = snapshot.services[0]!;
    client.emit({ type: "service", data: { ...s0, cpuPercent: (s0.cpuPercent ?? 0) + 0.2 } });
    expect(await rendersAfter(3 * BACKGROUND_MS)).toBe(0);
    let renders = 0;
    for (let i = 1; i <= 15; i++) {
      client.emit({ type: "hardware", data: { ...snapshot.hardware!, sampledAt: snapshot.hardware!.sampledAt + i * 2000, cpu: { ...snapshot.hardware!.cpu, percent: 10 + i } } });
      renders += await rendersAfter(2000); // a sample every 2 s, as the daemon sends them
    }
    expect(renders).toBeLessThanOrEqual(Math.ceil((15 * 2000) / BACKGROUND_MS));
    expect(renders).toBeGreaterThanOrEqual(2);
    app.unmount();
  });

  it("asks the daemon for samples at the slow clock's pace (it draws them no faster)", async () => {
    const { client, app } = await mount();
    expect(client.subscribeOptions).toEqual([{ sampleMs: BACKGROUND_MS }]);
    app.unmount();
  });

  it("a minute after the last key, samples draw at most every 30 s; a key brings back the 10 s pace", async () => {
    let lastKey = Date.now();
    const { client, snapshot, app, rendersAfter } = await mount(undefined, () => lastKey);
    let i = 0;
    const samples = async (n: number) => {
      let renders = 0;
      for (let k = 0; k < n; k++) {
        i++;
        client.emit({ type: "hardware", data: { ...snapshot.hardware!, sampledAt: snapshot.hardware!.sampledAt + i * 2000, cpu: { ...snapshot.hardware!.cpu, percent: 10 + (i % 80) } } });
        renders += await rendersAfter(2000); // a sample every 2 s, each with another figure
      }
      return renders;
    };
    expect(await samples(25)).toBeGreaterThanOrEqual(4); // 50 s after a key: every 10 s
    await samples(10); // the minute without a key ends
    const resting = await samples(45); // 90 s at rest: every 30 s (every 10 s would be 9)
    expect(resting).toBeGreaterThanOrEqual(2);
    expect(resting).toBeLessThanOrEqual(4);
    lastKey = Date.now(); // a key
    expect(await samples(30)).toBeGreaterThanOrEqual(5); // 60 s: every 10 s again
    app.unmount();
  });

  it("a key while a resting sample frame is pending draws the latest figures at once; the pending frame then draws nothing", async () => {
    let lastKey = Date.now() - 2 * 60_000; // at rest: no key for two minutes
    const { client, snapshot, app, out, rendersAfter } = await mount(undefined, () => lastKey);
    const cpu = (percent: number, at: number) => ({ type: "hardware" as const, data: { ...snapshot.hardware!, sampledAt: snapshot.hardware!.sampledAt + at, cpu: { ...snapshot.hardware!.cpu, percent } } });
    const shown = () => app.lastFrame()!.split(" ")[1];
    expect(await rendersAfter(40_000)).toBe(0);
    client.emit(cpu(55, 2000)); // after a quiet while: at once
    expect(await rendersAfter(1000)).toBe(1);
    expect(shown()).toBe("55");
    client.emit(cpu(66, 4000)); // at rest the next sample waits up to 30 s
    expect(await rendersAfter(5000)).toBe(0);
    expect(shown()).toBe("55");
    lastKey = Date.now(); // a key: its own render (the console's key state) draws what the store holds
    app.rerender(<Harness client={client} out={out} lastKeyAt={() => lastKey} />);
    await settle();
    expect(shown()).toBe("66");
    expect(await rendersAfter(30_000)).toBe(0); // the frame that was pending has nothing left to draw
    client.emit(cpu(77, 40_000)); // after the key the 10 s pace is back: drawn within 10 s, not 30
    expect(await rendersAfter(10_000)).toBe(1);
    expect(shown()).toBe("77");
    app.unmount();
  });

  it("where a frame costs 40 ms, samples draw at most every 20 s (0.2 % of a core)", async () => {
    const budget = new FrameBudget(0);
    budget.record(40);
    const { client, snapshot, app, rendersAfter } = await mount(budget);
    let renders = 0;
    for (let i = 1; i <= 30; i++) {
      client.emit({ type: "hardware", data: { ...snapshot.hardware!, sampledAt: snapshot.hardware!.sampledAt + i * 2000, cpu: { ...snapshot.hardware!.cpu, percent: 10 + i } } });
      renders += await rendersAfter(2000);
    }
    expect(renders).toBeLessThanOrEqual(Math.ceil((30 * 2000) / 20_000) + 1); // every 10 s would be 6 or 7
    expect(renders).toBeGreaterThanOrEqual(2);
    app.unmount();
  });
});

describe("useClock", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] }));
  afterEach(() => vi.useRealTimers());
  let t = 0;
  const clock = () => t;
  const settle = () => new Promise((r) => setImmediate(r));

  function Harness({ out }: { out: { renders: number } }) {
    // a countdown that moves each 5 s; 60 uptimes in minutes whose minutes end one second apart
    const countdown = (at: number) => `gap in ${Math.floor((100_000 - at) / 5000)}`;
    const uptimes = (at: number) => Array.from({ length: 60 }, (_, i) => Math.floor((at + i * 1000) / 60_000)).join(" ");
    useClock(1000, clock, countdown, { visible: uptimes, ms: 10_000 });
    out.renders++;
    return <Text>x</Text>;
  }

  it("draws a countdown when it moves; uptimes whose minutes change a second apart only once per slow clock", async () => {
    t = 2500;
    const out = { renders: 0 };
    const app = render(<Harness out={out} />);
    await settle();
    out.renders = 0;
    for (let s = 0; s < 60; s++) {
      t += 1000;
      vi.advanceTimersByTime(1000);
      await settle();
    }
    // the countdown alone moves 12 times in the minute; a frame per second would be 60
    expect(out.renders).toBeGreaterThanOrEqual(12);
    expect(out.renders).toBeLessThanOrEqual(12 + 6);
    app.unmount();
  });
});
