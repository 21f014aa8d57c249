// Sizes: 80x24 fits exactly, room is used up to 250x70, below 80x24 one pane at a time,
// live resizes, and a stdin that is not a TTY.
import { describe, it, expect, afterEach } from "vitest";
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { cleanup } from "ink-testing-library";
import { render } from "ink";
import { FakeClient } from "./fake-client.js";
import { loadFixture, logLines } from "./fixtures.js";
import { KEYS, renderApp, setSize, stripAnsi } from "./render-app.js";
import { displayWidth } from "../../src/ui/text-fit.js";
import { App } from "../../src/ui/App.js";
import { createTheme, noColorFromEnv } from "../../src/ui/theme.js";
import { waitFor } from "../helpers/wait-for.js";

afterEach(() => cleanup());

function expectFits(frame: string, columns: number, rows: number) {
  const lines = frame.split("\n");
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const l of lines) expect(displayWidth(l), `line too wide: ${l}`).toBeLessThanOrEqual(columns);
}
const paneTitles = (f: string) => ["Identities", "Logs", "Hardware"].filter((t) => new RegExp(`^[▶ ] ${t} ·|^[▶ ] ${t} ─`, "m").test(f));

describe("layout", () => {
  it("80x24: all three panes, no line longer than 80 columns, at most 24 lines", async () => {
    const { now, snapshot } = loadFixture();
    const client = new FakeClient(snapshot, { post1: logLines("post1", 100, now) });
    const app = renderApp(client, { now, columns: 80, rows: 24 });
    const f = await app.waitFor((f) => f.includes("post1 line 100") && f.includes("Hardware"), "full layout");
    expectFits(f, 80, 24);
    expect(paneTitles(f)).toEqual(["Identities", "Logs", "Hardware"]);
    expect(f).toContain("p1 37%"); // the proving status is not cut at 80 columns
    // overlays fit too
    await app.press("?");
    expectFits(await app.waitFor((f) => f.includes("Help: every key")), 80, 24);
    await app.press(KEYS.esc, "x");
    expectFits(await app.waitFor((f) => f.includes("Confirm stop")), 80, 24);
  });

  it("resizes live: 100 → 60 columns shows one pane at a time (Tab cycles), and back", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 100, rows: 30 });
    let f = await app.waitFor((f) => f.includes("post4 "), "services");
    expect(paneTitles(f)).toHaveLength(3);
    setSize(app.stdout, 60, 30);
    f = await app.waitFor((f) => paneTitles(f).length === 1, "single pane");
    expect(paneTitles(f)).toEqual(["Identities"]);
    expectFits(f, 60, 30);
    expect(f).toContain("[1/3]");
    await app.press(KEYS.tab);
    f = await app.waitFor((f) => paneTitles(f)[0] === "Logs", "logs alone");
    expectFits(f, 60, 30);
    setSize(app.stdout, 100, 30);
    f = await app.waitFor((f) => paneTitles(f).length === 3, "three panes again");
    expectFits(f, 100, 30);
    expect(f).toContain("▶ Logs"); // focus kept
  });

  it("short terminals (80 columns, 20 rows) also fall back to one pane", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 80, rows: 20 });
    const f = await app.waitFor((f) => f.includes("post4 ") && paneTitles(f).length === 1);
    expectFits(f, 80, 20);
  });

  it("uses the room up to 250x70 and no more", async () => {
    const { now, snapshot } = loadFixture();
    const client = new FakeClient(snapshot, { post1: logLines("post1", 300, now) });
    const app = renderApp(client, { now, columns: 250, rows: 70 });
    let f = await app.waitFor((f) => f.includes("post1 line 300") && f.includes(" PROV "), "wide layout");
    expectFits(f, 250, 70);
    expect(f.split("\n").length).toBeGreaterThan(60);
    setSize(app.stdout, 400, 120);
    await new Promise((r) => setTimeout(r, 100));
    f = await app.waitFor((f) => f.includes("post1 line 300"));
    expectFits(f, 250, 70);
  });

  it("stdin that is not a TTY does not crash: it renders without reading keys", async () => {
    const { now, snapshot } = loadFixture();
    const out = Object.assign(new EventEmitter(), {
      columns: 100,
      rows: 30,
      isTTY: false,
      frames: [] as string[],
      write(s: string) {
        this.frames.push(s);
        return true;
      },
    });
    const stdin = Object.assign(new PassThrough(), { isTTY: false });
    const inst = render(<App client={new FakeClient(snapshot)} now={() => now} noColor />, {
      stdout: out as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      debug: true,
      exitOnCtrlC: false,
      patchConsole: false,
    });
    await waitFor(() => out.frames.some((f) => stripAnsi(f).includes("post4 ")), { what: "the services drawn", timeoutMs: 10_000, intervalMs: 10 });
    stdin.write("x");
    inst.unmount();
  });

  it("NO_COLOR drops every colour; states keep their symbol and word", () => {
    expect(noColorFromEnv({ NO_COLOR: "1" })).toBe(true);
    expect(noColorFromEnv({ NO_COLOR: "" })).toBe(false);
    expect(noColorFromEnv({})).toBe(false);
    const mono = createTheme(true);
    for (const tone of ["ok", "warn", "err", "info", "accent", "muted"] as const) expect(mono.color(tone)).toBeUndefined();
    expect(createTheme(false).color("err")).toBe("red");
  });
});
