// `postdeck fleet --tui --open RIG` and `:rig NAME` in a rig's console, in a test terminal: the
// console starts in that rig's console (a rig that connects later is opened when it does), q
// returns to the fleet; `:rig NAME` in a rig's console switches to another rig, and in a console
// of one rig (no fleet around it) says what to run instead.
import { describe, expect, it } from "vitest";
import { render } from "ink-testing-library";
import { FakeClient } from "../ui/fake-client.js";
import { loadFixture } from "../ui/fixtures.js";
import { KEYS, terminal } from "../ui/render-app.js";
import { FleetConsole } from "../../src/ui/fleet/FleetConsole.js";
import { FleetStore } from "../../src/ui/fleet/fleet-store.js";
import { App } from "../../src/ui/App.js";
import { rigPaletteEntry } from "../../src/ui/fleet/rig-palette.js";
import type { Rig } from "../../src/fleet/rigs-file.js";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { run as fleetCli } from "../../src/cli/fleet.js";
import { tempDir } from "../helpers/temp-dir.js";

const rig = (name: string): Rig => ({ kind: "local", name, config: `/rigs/${name}/postdeck.yaml`, command: ["postdeck"], readOnly: false });

/** Two rigs; `late` connects only when `release()` is called. */
function renderFleet(openRig: string) {
  const { now, snapshot } = loadFixture();
  const clients = new Map<string, FakeClient>();
  let release = () => {};
  const gate = new Promise<void>((res) => (release = res));
  const store = new FleetStore([rig("rig-a"), rig("late")], {
    connect: async (r) => {
      if (r.name === "late") await gate;
      const c = new FakeClient(snapshot);
      clients.set(r.name, c);
      return c;
    },
    now: () => now,
  });
  const inst = render(<FleetConsole store={store} rigsFile="/rigs.yaml" noColor now={() => now} consoleStore={{ maxFps: 1000 }} openRig={openRig} />);
  return { ...inst, ...terminal(inst), clients, release };
}

const inConsole = (name: string) => (f: string) => f.includes(`rig ${name} — q goes back to the fleet`) && f.includes("daemon ● connected");

describe("fleet --tui --open RIG", () => {
  it("on the command line: --open needs --tui, and a rig the file does not list is said before the screen changes", async () => {
    const rigs = path.join(tempDir("pd-open-"), "rigs.yaml");
    writeFileSync(rigs, "- name: rig-a\n  config: ./a/postdeck.yaml\n");
    await expect(fleetCli(["--open", "rig-a", "--rigs", rigs])).rejects.toThrow("--open RIG opens a rig's console in the Fleet view: add --tui");
    await expect(fleetCli(["--tui", "--open", "nope", "--rigs", rigs])).rejects.toThrow('no rig named "nope"; expected one of rig-a');
  });

  it("starts in that rig's console; q returns to the fleet with the rig selected", async () => {
    const t = renderFleet("rig-a");
    await t.waitFor(inConsole("rig-a"), "rig-a's console first");
    await t.press("q");
    const f = await t.waitFor((x) => x.includes("postdeck fleet"), "the fleet");
    expect(f).toMatch(/› rig-a/);
    t.unmount();
  });

  it("a rig not connected yet: the fleet says it waits, and the console opens when the rig connects", async () => {
    const t = renderFleet("late");
    await t.waitFor((x) => x.includes("opening late as soon as it connects"), "the wait said");
    t.release();
    await t.waitFor(inConsole("late"), "late's console once connected");
    t.unmount();
  });
});

describe(":rig NAME in a rig's console", () => {
  it("opened from the fleet: switches to another rig (by a unique start of its name); q then returns to the fleet", async () => {
    const t = renderFleet("rig-a");
    t.release();
    await t.waitFor(inConsole("rig-a"), "rig-a's console");
    await t.press(":", ..."rig");
    await t.waitFor((x) => x.includes("rig NAME — switch to another rig (late)"), "the palette lists the rig entry");
    await t.press(..." la");
    await t.waitFor((x) => x.includes(" : rig la") && x.includes("1 actions"), "the typed rig claims the palette");
    await t.press(KEYS.enter);
    await t.waitFor(inConsole("late"), "late's console");
    expect(t.clients.get("late")!.subscribers).toBe(2); // the fleet's stream and the console's
    await t.press("q");
    const f = await t.waitFor((x) => x.includes("postdeck fleet"), "the fleet");
    expect(f).toMatch(/› late/);
    t.unmount();
  });

  it("a name no rig has: the console stays and says which rigs there are", async () => {
    const t = renderFleet("rig-a");
    t.release();
    await t.waitFor(inConsole("rig-a"), "rig-a's console");
    await t.press(":", ..."rig zz", KEYS.enter);
    await t.waitFor((x) => x.includes('no rig "zz"; the rigs: rig-a, late'), "the error");
    expect(t.frame()).toContain("postdeck rig-a");
    t.unmount();
  });

  it("in a console of one rig (no fleet): says what to run", async () => {
    const { snapshot } = loadFixture();
    const inst = render(<App client={new FakeClient(snapshot)} noColor store={{ maxFps: 1000 }} />);
    const t = terminal(inst);
    await t.waitFor((x) => x.includes("daemon ● connected"), "the console");
    await t.press(":", ..."rig far", KEYS.enter);
    await t.waitFor((x) => x.includes("to switch between rigs run: postdeck fleet --tui --open far"), "what to run");
    inst.unmount();
  });

  it("the entry: only `rig NAME` is claimed; the rig it is on is said, not reopened", () => {
    const said: string[] = [];
    const opened: string[] = [];
    const e = rigPaletteEntry((t) => said.push(t), { names: ["a", "b"], current: "a", switchTo: (n) => opened.push(n) });
    expect([e.claims!("rig b"), e.claims!("rig"), e.claims!("restart"), e.claims!("RIG b ")]).toEqual([true, false, false, true]);
    e.run("rig a");
    e.run("rig");
    e.run("rig b");
    expect(said).toEqual(["this is rig a already", "type :rig NAME — the other rigs: b"]);
    expect(opened).toEqual(["b"]);
  });
});
