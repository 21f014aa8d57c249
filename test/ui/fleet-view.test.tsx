// The Fleet view in a test terminal: a row per rig, Enter opens that rig's console (the App on
// the rig's client), q there comes back, `:rig NAME` opens a rig by name, r reconnects, and a
// rig that cannot be asked is not opened (the view says why). Keys after coming back from a
// rig's console are checked end to end in a real terminal (test/fleet/fleet-view-e2e.test.ts).
import { describe, expect, it } from "vitest";
import { render } from "ink-testing-library";
import { FakeClient } from "./fake-client.js";
import { loadFixture } from "./fixtures.js";
import { KEYS, terminal } from "./render-app.js";
import { FleetConsole } from "../../src/ui/fleet/FleetConsole.js";
import { FleetStore } from "../../src/ui/fleet/fleet-store.js";
import { rigOfPrompt } from "../../src/ui/fleet/FleetView.js";
import type { Rig } from "../../src/fleet/rigs-file.js";

const rig = (name: string, readOnly = false): Rig => ({ kind: "local", name, config: `/rigs/${name}/postdeck.yaml`, command: ["postdeck"], readOnly });

function renderFleet(cols = 140) {
  const { now, snapshot } = loadFixture();
  const clients = new Map<string, FakeClient[]>();
  const store = new FleetStore([rig("rig-a"), rig("rig-b", true), rig("gone")], {
    connect: async (r) => {
      if (r.name === "gone") throw new Error("/rigs/gone/postdeck.yaml: cannot read the config file (ENOENT)");
      const c = new FakeClient(snapshot);
      clients.set(r.name, [...(clients.get(r.name) ?? []), c]);
      return c;
    },
    now: () => now,
  });
  const inst = render(<FleetConsole store={store} rigsFile="/home/sm/.config/postdeck/rigs.yaml" noColor now={() => now} consoleStore={{ maxFps: 1000 }} />);
  const { frame, waitFor, press } = terminal(inst, cols, 30);
  return { ...inst, frame, waitFor, press, clients, store };
}

describe("Fleet view", () => {
  it("at 80 columns every key hint fits, q quit included", async () => {
    const t = renderFleet(80);
    const f = await t.waitFor((x) => x.includes("2/3 rigs live"), "two rigs live");
    expect(f).toContain("↑↓ select · Enter open (q: back) · :rig NAME · r reconnect · q quit");
    t.unmount();
  });

  it("one row per rig with its connection and summary; Enter opens the rig's console, q comes back", async () => {
    const t = renderFleet();
    const f = await t.waitFor((x) => x.includes("2/3 rigs live"), "two rigs live");
    expect(f).toMatch(/RIG +CONNECTION +NODE +EPOCH +GAP +IDENTITIES +SERVICES +WORST FINDING/);
    expect(f).toMatch(/› rig-a +● live +.*4 · 3 reg · 1 proving · 1 err +2\/4 running +✖ error: /);
    expect(f).toMatch(/rig-b +● live ro /);
    expect(f).toMatch(/gone +✖ cannot ask/);
    await t.press(KEYS.enter);
    await t.waitFor((x) => x.includes("rig rig-a — q goes back to the fleet") && x.includes("daemon ● connected"), "rig-a's console");
    const a = t.clients.get("rig-a")![0]!;
    await t.waitFor(() => a.subscribers === 2, "the fleet's stream and the console's on rig-a's client");
    await t.press("q");
    await t.waitFor((x) => x.includes("postdeck fleet"), "back to the fleet");
    await t.waitFor(() => a.subscribers === 1, "the console's stream gone, the fleet's kept");
    expect(a.closed).toBe(false);
    t.unmount();
  });

  it("a rig that cannot be asked is not opened; r reconnects the selected rig; :rig NAME opens a rig by name", async () => {
    const t = renderFleet();
    await t.waitFor((x) => x.includes("2/3 rigs live"), "two rigs live");
    await t.press("G");
    await t.waitFor((x) => /› gone/.test(x), "gone selected");
    await t.press(KEYS.enter);
    await t.waitFor((x) => x.includes("gone: not connected (yet); r reconnects"), "why gone is not opened");
    await t.press("k");
    await t.waitFor((x) => /› rig-b/.test(x), "rig-b selected");
    await t.press("r");
    await t.waitFor((x) => x.includes("reconnecting to rig-b"), "reconnect said");
    await t.waitFor(() => t.clients.get("rig-b")!.length === 2, "a second client for rig-b");
    expect(t.clients.get("rig-b")![0]!.closed).toBe(true);
    await t.press("g", ":", "b");
    await t.waitFor((x) => x.includes(":rig b"), "the prompt");
    await t.press(KEYS.enter);
    await t.waitFor((x) => x.includes("rig rig-b — q goes back to the fleet") && x.includes("daemon ● connected"), "rig-b's console");
    expect(t.clients.get("rig-b")![1]!.subscribers).toBe(2);
    t.unmount();
  });

  it("the prompt takes `rig NAME`, a name, or a unique start or part of one", () => {
    const names = ["rig-a", "rig-b", "far"];
    expect(rigOfPrompt("rig rig-a", names)).toEqual({ name: "rig-a" });
    expect(rigOfPrompt("far", names)).toEqual({ name: "far" });
    expect(rigOfPrompt("rig f", names)).toEqual({ name: "far" });
    expect(rigOfPrompt("b", names)).toEqual({ name: "rig-b" });
    expect(rigOfPrompt("rig r", names)).toEqual({ error: 'no rig "r"; the rigs: rig-a, rig-b, far' });
  });
});
