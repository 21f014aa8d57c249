// Every key path of the console against a fake daemon client: what the user presses and
// what the daemon receives (route, names, force), or what the console says instead.
import { describe, it, expect, afterEach } from "vitest";
import { cleanup } from "ink-testing-library";
import { FakeClient } from "./fake-client.js";
import { loadFixture } from "./fixtures.js";
import { KEYS, renderApp } from "./render-app.js";
import { closingMessage } from "../../src/ui/run-console.js";
import { waitFor } from "../helpers/wait-for.js";
import { layerAt, MAINNET_TIMING } from "../../src/clock/epoch-clock.js";
import { clockSkewTitle } from "../../src/presentation/node-figure-findings.js";

afterEach(() => cleanup());

/** The table row whose first cell is `name`. */
const row = (frame: string, name: string) => frame.split("\n").find((l) => new RegExp(`^[›↑↓ ] *(!\\d+)? +${name}\\s`).test(l)) ?? "";
const selected = (frame: string, name: string) => row(frame, name).startsWith("›");

async function setup(columns = 120, rows = 40) {
  const { now, snapshot } = loadFixture();
  const client = new FakeClient(snapshot);
  const app = renderApp(client, { now, columns, rows });
  await app.waitFor((f) => f.includes("post4 ") && f.includes("▶ Identities"), "identities table");
  return { client, app, snapshot };
}

const waitCalls = (client: FakeClient, n: number) =>
  waitFor(() => client.actionCalls().length >= n && client.actionCalls(), {
    what: `${n} calls`,
    timeoutMs: 10_000,
    intervalMs: 10,
    detail: () => `got ${JSON.stringify(client.actionCalls())}`,
  });

describe("moving and focus", () => {
  it("j/k and arrows move the selection; the selected row has a › marker", async () => {
    const { app } = await setup();
    expect(selected(app.frame(), "post1")).toBe(true);
    await app.press("j");
    await app.waitFor((f) => selected(f, "post2"), "post2 selected");
    await app.press(KEYS.down, KEYS.down);
    await app.waitFor((f) => selected(f, "post4"), "post4 selected");
    await app.press(KEYS.down); // stays on the last row
    await app.press("k", KEYS.up);
    const f = await app.waitFor((f) => selected(f, "post2"), "back to post2");
    expect(selected(f, "post4")).toBe(false);
  });

  it("Tab and Shift-Tab move the focus between panes", async () => {
    const { app } = await setup();
    await app.press(KEYS.tab);
    await app.waitFor((f) => f.includes("▶ Logs"), "logs focused");
    await app.press(KEYS.tab);
    await app.waitFor((f) => f.includes("▶ Hardware"), "hardware focused");
    await app.press(KEYS.tab);
    await app.waitFor((f) => f.includes("▶ Identities"), "wraps to identities");
    await app.press(KEYS.shiftTab);
    await app.waitFor((f) => f.includes("▶ Hardware"), "back to hardware");
  });

  it("o sorts by the next column and / filters the rows", async () => {
    const { app } = await setup();
    await app.press("o"); // name -> state: failed/backoff first
    let f = await app.waitFor((f) => f.includes("sort state"), "sorted by state");
    const order = f.split("\n").map((l) => /^[›↑↓ ] *(?:!\d+)? +(post\d)\s/.exec(l)?.[1]).filter(Boolean);
    expect(order[0]).toBe("post3");
    await app.press("/", "p", "o", "s", "t", "4", KEYS.enter);
    f = await app.waitFor((f) => f.includes('filter "post4"'), "filtered");
    expect(row(f, "post1")).toBe("");
    expect(row(f, "post4")).not.toBe("");
    await app.press(KEYS.esc);
    await app.waitFor((f) => row(f, "post1") !== "", "filter cleared");
  });
});

describe("service actions go through the daemon", () => {
  it("s, x, r act on the selected service without force when it is not proving", async () => {
    const { app, client } = await setup();
    await app.press("j"); // post2: running, Idle
    await app.waitFor((f) => selected(f, "post2"));
    await app.press("s");
    await app.press("x");
    await app.press("r");
    const calls = await waitCalls(client, 3);
    expect(calls).toEqual([
      { route: "start", body: { names: ["post2"], all: false, force: false } },
      { route: "stop", body: { names: ["post2"], all: false, force: false } },
      { route: "restart", body: { names: ["post2"], all: false, force: false } },
    ]);
    await app.waitFor((f) => f.includes("✔ restart post2"), "result in the status line");
  });

  it("stopping a proving service asks first, says what is lost, and calls with force only after y", async () => {
    const { app, client } = await setup();
    await app.press("x"); // post1 is proving pass 1, 37%
    const f = await app.waitFor((f) => f.includes("Confirm stop"), "confirmation");
    expect(f.replace(/\s+/g, " ")).toContain(
      "post1 is proving (pass 1, 37%): stopping it loses this pass; the node will wait for it to reconnect and it starts over",
    );
    expect(client.actionCalls()).toEqual([]);
    await app.press("y");
    const calls = await waitCalls(client, 1);
    expect(calls[0]).toEqual({ route: "stop", body: { names: ["post1"], all: false, force: true } });
  });

  it("n or Esc cancels the confirmation and nothing is called", async () => {
    const { app, client } = await setup();
    await app.press("r");
    await app.waitFor((f) => f.includes("Confirm restart"));
    await app.press("n");
    await app.waitFor((f) => f.includes("cancelled"), "cancelled message");
    await app.press("x");
    await app.waitFor((f) => f.includes("Confirm stop"));
    await app.press(KEYS.esc);
    await app.waitFor((f) => !f.includes("Confirm stop") && f.includes("cancelled"));
    await new Promise((r) => setTimeout(r, 100));
    expect(client.actionCalls()).toEqual([]);
  });

  it("S starts all; X stops all after confirming because post1 is proving", async () => {
    const { app, client } = await setup();
    await app.press("S");
    await waitCalls(client, 1);
    await app.press("X");
    const f = await app.waitFor((f) => f.includes("Confirm stop"));
    expect(f).toContain("post1 is proving");
    await app.press(KEYS.enter); // Enter alone does not confirm a destructive action
    await app.waitFor((f) => f.includes("Enter alone does not confirm"), "hint that y confirms");
    expect(client.actionCalls()).toHaveLength(1);
    await app.press("y");
    const calls = await waitCalls(client, 2);
    expect(calls).toEqual([
      { route: "start", body: { names: [], all: true, force: false } },
      { route: "stop", body: { names: [], all: true, force: true } },
    ]);
  });

  it("the identity's service is the target in the Identities pane; the node saying PROVING also asks first", async () => {
    const { now, snapshot } = loadFixture();
    // post2's operator says Idle, but the node has its identity PROVING.
    const identities = snapshot.identities.map((i) => (i.keyFile === "post2.key" ? { ...i, postState: "PROVING" as const } : i));
    const client = new FakeClient({ ...snapshot, identities });
    const app = renderApp(client, { now, columns: 120, rows: 40 });
    await app.waitFor((f) => f.includes("post4 "));
    await app.press("j");
    await app.waitFor((f) => f.includes("▶ Identities") && /^› +post2 /m.test(f), "post2 selected");
    await app.press("x");
    const f = await app.waitFor((f) => f.includes("Confirm stop"));
    expect(f).toContain("post2's identity post2.key is PROVING in the node");
    await app.press("y");
    expect((await waitCalls(client, 1))[0]).toEqual({ route: "stop", body: { names: ["post2"], all: false, force: true } });
  });

  it("errors from the daemon show in the status line, never as a crash", async () => {
    const { app, client } = await setup();
    client.handlers.start = () => {
      throw new Error("post4: the service's --dir /data/post4 does not exist (config.yaml services[3].dir)");
    };
    client.handlers.stop = () => ({ results: [{ name: "post2", ok: false, message: "already stopping" }] });
    await app.press("G"); // post4
    await app.waitFor((f) => selected(f, "post4"));
    await app.press("s");
    await app.waitFor((f) => f.includes("✖ start post4 failed: post4: the service's --dir"), "error shown");
    await app.press("k", "k", "x");
    await app.waitFor((f) => f.includes("✖ stop post2: already stopping"), "failed result shown");
  });

  it("keys pressed where they do not apply say in which pane they work and what they do there", async () => {
    const { app, client } = await setup();
    await app.press(KEYS.tab, KEYS.tab); // hardware
    await app.waitFor((f) => f.includes("▶ Hardware"));
    await app.press("s");
    await app.waitFor((f) => f.includes("s works in Identities (Tab there): start selected service"), "hint: where it works");
    await app.press("/");
    await app.waitFor((f) => f.includes("/ works in Identities and Logs (Tab there): filter rows / search (highlight)"), "both panes");
    await app.press("Z");
    await app.waitFor((f) => f.includes("key Z does nothing here"), "unknown key");
    expect(client.actionCalls()).toEqual([]);
  });
});

describe("overlays", () => {
  it("Enter opens a detail view with the full node id and the findings' fixes; Esc goes back", async () => {
    const { app } = await setup(120, 50);
    await app.press("j", "j"); // post3.key
    await app.waitFor((f) => /^›\s*!1\s+post3 /m.test(f), "post3 selected");
    await app.press(KEYS.enter);
    const f = await app.waitFor((f) => f.includes("Identity post3.key"), "detail");
    expect(f).toContain("3".repeat(64));
    expect(f).toContain("fix: restart the node so it loads identities/post3.key");
    expect(f).toContain("registered signing key");
    await app.press(KEYS.esc);
    await app.waitFor((f) => f.includes("▶ Identities"), "back");
  });

  it("Enter on a row shows the identity and its service: why it is not running, its command and log file", async () => {
    const { app } = await setup(120, 70);
    await app.press("j", "j"); // post3, in backoff
    await app.waitFor((f) => selected(f, "post3"));
    await app.press(KEYS.enter);
    const f = await app.waitFor((f) => f.includes("Identity post3.key") && f.includes("log file"), "identity and service detail");
    expect(f).toContain("exited with code 1: could not connect to the node");
    expect(f).toContain("/srv/postdeck/state/logs/post3.log");
    expect(f).toMatch(/command\s+\/opt\/spacemesh\/service --dir \/data\/post3/);
    await app.press(KEYS.esc);
    await app.waitFor((f) => f.includes("▶ Identities"));
  });

  it("a stopped service is not up: its detail gives its last run's start, not an uptime that keeps counting", async () => {
    const { now, snapshot } = loadFixture();
    const services = snapshot.services.map((s) => (s.name === "post4" ? { ...s, startedAt: now - 600_000 } : s)); // stopped, its last run's start kept
    const app = renderApp(new FakeClient({ ...snapshot, services }), { now, columns: 120, rows: 70 });
    await app.waitFor((f) => f.includes("post4 ") && f.includes("▶ Identities"), "identities table");
    await app.press("G", KEYS.enter); // post4
    const f = await app.waitFor((f) => f.includes("Identity post4.key") && f.includes("up since"), "identity and service detail");
    const up = f.split("\n").find((l) => l.includes("up since")) ?? "";
    expect(up).toMatch(/up since\s+— \(its last run started \d\d:\d\d:\d\d\)/);
  });

  it("help at 80 columns: a key's description that wraps goes on under the description, not under the keys", async () => {
    const { app } = await setup(80, 24);
    await app.press("?");
    const f = await app.waitFor((f) => f.includes("Help: every key") && f.includes("plan: proving"), "help");
    const rows = f.split("\n");
    const at = rows.findIndex((l) => /^ {2}p {16}plan: proving/.test(l));
    expect(at).toBeGreaterThan(-1);
    expect(rows[at + 1]).toMatch(/^ {19}\S/); // the description's column (2 + 16 + 1)
  });

  it("! lists every finding, errors first, with what to do", async () => {
    const { app } = await setup(120, 50);
    await app.press("!");
    const f = await app.waitFor((f) => f.includes("Findings (3)"), "findings overlay");
    const at = (t: string) => f.indexOf(t);
    expect(at("✖ error post3.key was added after the node started")).toBeGreaterThan(-1);
    expect(at("fix: restart the node so it loads identities/post3.key")).toBeGreaterThan(-1);
    expect(at("! warning post4 is stopped")).toBeGreaterThan(at("✖ error"));
    expect(at("i info no GPU provider")).toBeGreaterThan(at("! warning"));
    await app.press(KEYS.esc);
    await app.waitFor((f) => !f.includes("Findings (3)"));
  });

  it("! words a finding that names the node's layer from the node view (the daemon does not resend it when only the layer moves)", async () => {
    const { now, snapshot } = loadFixture();
    const clockLayer = layerAt(MAINNET_TIMING, now);
    const clock = { source: "mainnet-fallback" as const, notes: [], ...MAINNET_TIMING, nodeLayer: clockLayer + 100, skewLayers: 100 };
    const skew = { id: "clock-skew", severity: "warning" as const, subject: null, title: clockSkewTitle(clock, now), detail: "clock from mainnet's values (fallback)", fix: "point node.config at the node's config" };
    const node = { ...snapshot.node, topLayer: clockLayer + 100, syncedLayer: clockLayer + 100, clock };
    const client = new FakeClient({ ...snapshot, node, findings: [...snapshot.findings, skew] });
    const app = renderApp(client, { now, columns: 160, rows: 50 });
    await app.waitFor((f) => f.includes("▶ Identities"), "identities table");
    client.emit({ type: "node", data: { ...node, topLayer: clockLayer + 103, syncedLayer: clockLayer + 103, clock: { ...clock, nodeLayer: clockLayer + 103, skewLayers: 103 } } });
    await app.press("!");
    const f = await app.waitFor((f) => f.includes("Findings (4)"), "findings overlay");
    expect(f).toContain(`the node is at layer ${clockLayer + 103}, the clock from its config says ${clockLayer} (103 layers ahead)`);
  });

  it("? shows every key; Esc closes", async () => {
    const { app } = await setup(120, 60);
    await app.press("?");
    const f = await app.waitFor((f) => f.includes("Help: every key"));
    for (const text of ["stop selected service", "start all services", "search (highlight)", "command palette", "quit (services keep running)"])
      expect(f).toContain(text);
    await app.press(KEYS.esc);
    await app.waitFor((f) => !f.includes("Help: every key"));
  });

  it(": opens the palette; typing filters fuzzily and Enter runs the action", async () => {
    const { app, client } = await setup();
    await app.press(":");
    let f = await app.waitFor((f) => f.includes("Command palette"));
    expect(f).toContain("run doctor");
    await app.press(..."rst post2".split(""));
    f = await app.waitFor((f) => f.includes(": rst post2"));
    expect(f).toMatch(/› restart post2/);
    await app.press(KEYS.enter);
    expect((await waitCalls(client, 1))[0]).toEqual({ route: "restart", body: { names: ["post2"], all: false, force: false } });
  });

  for (const supervised of [true, false]) {
    it(`the palette's "restart the node" ${supervised ? "restarts the supervised node" : "says what to do when postdeck does not supervise it"}`, async () => {
      const { now, snapshot } = loadFixture();
      snapshot.node.supervised = supervised ? { state: "running", pid: 4100, restarts: 0 } : null;
      const client = new FakeClient(snapshot);
      const app = renderApp(client, { now, columns: 120, rows: 40 });
      await app.waitFor((f) => f.includes("▶ Identities"), "identities table");
      await app.press(":", ..."restart the node".split(""), KEYS.enter);
      if (supervised) expect((await waitCalls(client, 1))[0]).toEqual({ route: "restart", body: { names: ["node"], all: false, force: false } });
      else {
        await app.waitFor((f) => f.includes("postdeck does not supervise the node"));
        expect(client.actionCalls()).toEqual([]);
      }
    });
  }

  it("q quits and reports how many services keep running under which daemon", async () => {
    const { app } = await setup();
    await app.press("q");
    await waitFor(() => app.quits.length > 0, { what: "the quit", timeoutMs: 10_000, intervalMs: 10 });
    expect(app.quits[0]).toEqual({ running: 3, daemonPid: 4000 }); // post1, post2 running; post3 in backoff
    expect(closingMessage(app.quits[0]!)).toBe(
      "postdeck: console closed; 3 services keep running under the daemon (pid 4000). Reattach with `postdeck`.",
    );
  });

  it("Ctrl-C quits too", async () => {
    const { app } = await setup();
    await app.press(KEYS.ctrlC);
    await waitFor(() => app.quits.length > 0, { what: "the quit", timeoutMs: 10_000, intervalMs: 10 });
    expect(app.quits).toHaveLength(1);
  });

  it("Ctrl-C read together with another key (fast typing, a slow SSH link) still quits, not typed as a character", async () => {
    const { app } = await setup();
    await app.press("j" + KEYS.ctrlC); // one read: Ink hands the run over whole
    await waitFor(() => app.quits.length > 0, { what: "the quit", timeoutMs: 10_000, intervalMs: 10 });
    expect(app.quits).toHaveLength(1);
    expect(app.frame()).not.toContain("does nothing here");
  });
});
