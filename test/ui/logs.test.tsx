// The Logs pane: follow, scrollback that pauses, search that highlights without hiding
// context, a filter that hides, sources with their own buffers, wrap, hostile lines.
import { describe, it, expect, afterEach } from "vitest";
import { cleanup } from "ink-testing-library";
import { FakeClient } from "./fake-client.js";
import { loadFixture, logLines } from "./fixtures.js";
import { KEYS, renderApp } from "./render-app.js";
import { lineSegments } from "../../src/ui/log-view.js";
import { displayWidth } from "../../src/ui/text-fit.js";
import type { LogLine } from "../../src/protocol/model.js";

afterEach(() => cleanup());

const MATCHES = [20, 60, 120, 190];

function history(now: number): Record<string, LogLine[]> {
  const post1 = logLines("post1", 200, now).map((l) => (MATCHES.includes(l.seq) ? { ...l, text: `${l.text} needle here` } : l));
  return { post1, post2: logLines("post2", 50, now), node: logLines("node", 40, now) };
}

/** The log row showing `post1 line N` (exact number). */
const logRow = (f: string, n: number, source = "post1") => f.split("\n").find((l) => new RegExp(`${source} line ${n}(\\D|$)`).test(l));
const title = (f: string) => f.split("\n").find((l) => l.includes("Logs ·")) ?? "";

/** Picks the n-th log source in the `f` picker: selection, all, node, post1, post2, ... */
async function pickSource(app: { press: (...k: string[]) => Promise<void>; waitFor: (p: (f: string) => boolean, w?: string) => Promise<string> }, n: number) {
  await app.press("f");
  await app.waitFor((f) => f.includes("Log source"), "source picker");
  await app.press("g", ...Array<string>(n).fill("j"), KEYS.enter);
}

async function setup(columns = 120, rows = 40) {
  const { now, snapshot } = loadFixture();
  const client = new FakeClient(snapshot, history(now));
  const app = renderApp(client, { now, columns, rows });
  await app.waitFor((f) => f.includes("post1 line 200"), "backfilled post1 log");
  await app.press(KEYS.tab); // focus Logs
  await app.waitFor((f) => f.includes("▶ Logs"));
  return { app, client, now };
}

describe("logs pane", () => {
  it("/ search marks the current match and n/N jump to older/newer matches, keeping the lines around them", async () => {
    const { app } = await setup();
    await app.press("/", ..."needle".split(""), KEYS.enter);
    let f = await app.waitFor((f) => logRow(f, 190)?.startsWith("›") === true, "newest match is current");
    await app.press("n");
    f = await app.waitFor((f) => logRow(f, 120)?.startsWith("›") === true, "older match");
    expect(logRow(f, 119)).toBeDefined(); // context stays visible
    expect(logRow(f, 121)).toBeDefined();
    expect(title(f)).toMatch(/paused ↑\d+/);
    await app.press("n");
    await app.waitFor((f) => logRow(f, 60)?.startsWith("›") === true, "older again");
    await app.press("N");
    await app.waitFor((f) => logRow(f, 120)?.startsWith("›") === true, "newer");
    await app.press("n", "n", "n"); // past the oldest match
    await app.waitFor((f) => f.includes('no older match for "needle"'), "no more matches");
  });

  it("text and Enter arriving in one read (fast typing, a busy machine) apply the search and end the prompt", async () => {
    const { app } = await setup();
    await app.press("/");
    await app.press("needle\r");
    const f = await app.waitFor((f) => title(f).includes('search "needle"') && !f.includes("search log:"), "search applied");
    expect(logRow(f, 190)?.startsWith("›")).toBe(true);
  });

  it("search highlights every occurrence in inverse video (not colour alone)", () => {
    const line: LogLine = { source: "post1", seq: 1, at: 0, level: "INFO", text: "a needle and a NEEDLE" };
    const segs = lineSegments(line, { search: "needle", showSource: false, sourceWidth: 0 }, false);
    const hi = segs.filter((s) => s.inverse).map((s) => s.text);
    expect(hi).toEqual(["needle", "NEEDLE"]);
  });

  it("& filters: only matching lines are shown until Esc", async () => {
    const { app } = await setup();
    await app.press("&", ..."needle".split(""), KEYS.enter);
    const f = await app.waitFor((f) => title(f).includes('filter "needle"'), "filter on");
    const shown = f.split("\n").filter((l) => /post1 line \d+/.test(l));
    expect(shown.map((l) => Number(/post1 line (\d+)/.exec(l)![1]))).toEqual(MATCHES);
    await app.press(KEYS.esc);
    await app.waitFor((f) => !title(f).includes("filter") && logRow(f, 199) !== undefined, "filter cleared");
  });

  it("PgUp pauses follow (the title says so) and the view stays put while lines arrive; G follows again", async () => {
    const { app, client, now } = await setup();
    await app.press(KEYS.pageUp);
    let f = await app.waitFor((f) => /paused ↑\d+/.test(title(f)), "paused");
    const before = Number(/paused ↑(\d+)/.exec(title(f))![1]);
    expect(before).toBeGreaterThan(0);
    expect(logRow(f, 200)).toBeUndefined();
    const bottomBefore = f.split("\n").filter((l) => /post1 line \d+/.test(l)).pop();
    client.emit({ type: "log", data: logLines("post1", 5, now, 201) });
    f = await app.waitFor((f) => title(f).includes(`paused ↑${before + 5}`), "more lines below");
    expect(f.split("\n").filter((l) => /post1 line \d+/.test(l)).pop()).toBe(bottomBefore);
    await app.press("G");
    f = await app.waitFor((f) => title(f).includes("following") && logRow(f, 205) !== undefined, "following again");
  });

  it("f picks the source (all sources interleaved with a name prefix, the node, a service) and each keeps its lines", async () => {
    const { app, client, now } = await setup();
    await pickSource(app, 1);
    let f = await app.waitFor((f) => title(f).includes("Logs · all ·"), "all");
    expect(f).toMatch(/^ post1 +WARN +09:40:00 post1 line 196$/m); // source prefix
    client.emit({ type: "log", data: logLines("post2", 1, now + 1000, 51) });
    f = await app.waitFor((f) => /^ post2 +\S+ +09:40:00 post2 line 51$/m.test(f), "interleaved live line");
    await pickSource(app, 2);
    f = await app.waitFor((f) => title(f).includes("Logs · node ·"), "node");
    expect(logRow(f, 40, "node")).toBeDefined();
    expect(f).not.toMatch(/post1 line/);
    await pickSource(app, 4);
    f = await app.waitFor((f) => title(f).includes("Logs · post2 ·"), "post2");
    expect(logRow(f, 50, "post2")).toBeDefined();
    await pickSource(app, 0); // back to the selection
    f = await app.waitFor((f) => title(f).includes("post1 (follows selection)") && logRow(f, 200) !== undefined, "post1 kept");
  });

  it("follows the service of the row selected in the Identities table", async () => {
    const { app } = await setup();
    await app.press(KEYS.shiftTab, "j");
    const f = await app.waitFor((f) => title(f).includes("post2 (follows selection)"), "post2 followed");
    expect(logRow(f, 50, "post2")).toBeDefined();
  });

  it("w wraps a long line under its text, not back under its source and level", async () => {
    const { app, client, now } = await setup(80, 24);
    client.emit({ type: "log", data: [{ source: "post1", seq: 201, at: now, level: "INFO", text: "finished post execution " + Array.from({ length: 20 }, (_, i) => `word${i}`).join(" ") }] });
    await app.waitFor((f) => f.includes("finished post execution"), "the long line");
    await app.press("w");
    const f = await app.waitFor((f) => title(f).includes("wrap") && f.includes("word19"), "wrap on");
    const rows = f.split("\n");
    const first = rows.findIndex((l) => l.includes("finished post execution"));
    expect(rows[first]).toMatch(/^ INFO finished post execution word0/);
    expect(rows[first + 1]).toMatch(/^ {6}word\d+ /); // under the text (after " INFO "), not at column 2
  });

  it("binary, escape-laden and very long lines never break the layout; w wraps them", async () => {
    const { app, client, now } = await setup(80, 24);
    const nasty: LogLine[] = [
      { source: "post1", seq: 201, at: now, level: "ERROR", text: "bin \x00\x01\x02\x1b[2J\x1b[31mred\x1b[0m\x7f\ttab\r\nnewline 中文 end" },
      { source: "post1", seq: 202, at: now, level: null, text: "x".repeat(5000) },
    ];
    client.emit({ type: "log", data: nasty });
    let f = await app.waitFor((f) => f.includes("bin ··"), "sanitised line");
    const lines = f.split("\n");
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(80);
    expect(f).not.toContain("\x1b[2J");
    await app.press("w");
    f = await app.waitFor((f) => title(f).includes("wrap"), "wrap on");
    expect(f.split("\n").filter((l) => /^ ?x{20,}/.test(l.trim()) || /^\s+x{20,}/.test(l)).length).toBeGreaterThan(1);
    for (const l of f.split("\n")) expect(displayWidth(l)).toBeLessThanOrEqual(80);
  });
});
