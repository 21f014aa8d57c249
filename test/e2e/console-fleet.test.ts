// The console at 80x24 on a demo rig of 16 identities, end to end (the real binary in a
// pseudo-terminal): at least 12 identity rows on screen, `/` filters the table, `z` zooms the
// logs full screen, and when the daemon goes away the figures are marked stale and the palette
// offers to start it again (which brings the console back).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { PtyTerminal } from "./terminal.js";
import { runCliInProcess, requireBuild } from "../helpers/cli.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { DEMO_TEST_ENV } from "../helpers/demo-rig.js";

let cfg: string[] = [];
let term: PtyTerminal | null = null;

beforeAll(async () => {
  requireBuild();
  const dir = tempDir("pd-e2e-fleet-");
  // the rig (16 PoS dirs) and its daemon with 16 services (the CLI's main in this process: no
  // process of its own to start and load the bundle; the daemon and the simulators are processes)
  const r = await runCliInProcess(["demo", "--dir", dir, "--identities", "16", "--no-console"], DEMO_TEST_ENV);
  expect(r.code, r.stderr).toBe(0);
  cfg = ["--config", path.join(dir, "postdeck.yaml")];
}, 240_000);

afterAll(async () => {
  term?.kill();
  if (cfg.length) await runCliInProcess([...cfg, "daemon", "stop", "--stop-services", "--force"]);
  cleanupTempDirs();
});

const ROW = /^[›↑↓ ] *(?:!\d+|!…)? +(post\d+)\s/; // `!N` findings, `!…` when N does not fit
const names = (screen: string) => screen.split("\n").map((l) => ROW.exec(l)?.[1]).filter((x): x is string => Boolean(x));

describe("console with 16 identities at 80x24", () => {
  it("shows 12+ identity rows, filters, zooms, and goes stale without its daemon", { timeout: 300_000 }, async () => {
    term = new PtyTerminal(cfg, { cols: 80, rows: 24 });
    const t = term;
    const first = await t.waitFor((s) => s.includes("Identities · 16") && names(s).length >= 12, 90_000);
    expect(names(first).slice(0, 12)).toEqual(["post1", "post2", "post3", "post4", "post5", "post6", "post7", "post8", "post9", "post10", "post11", "post12"]);
    expect(first).toMatch(/1–1\d\/16/); // position in the title

    // `/` filters the table
    t.write("/");
    await t.waitFor("filter identities:", 30_000);
    t.write("post1");
    await new Promise((r) => setTimeout(r, 300));
    t.write("\r");
    const filtered = await t.waitFor((s) => s.includes('filter "post1" 8/16'), 30_000);
    expect(names(filtered)).toEqual(["post1", "post10", "post11", "post12", "post13", "post14", "post15", "post16"]);
    t.write("\x1b");
    await t.waitFor((s) => !s.includes('filter "post1"') && names(s).includes("post2"), 30_000);

    // `z` zooms the focused pane (the logs) to the whole body, and back
    t.write("\t");
    await t.waitFor("▶ Logs", 30_000);
    t.write("z");
    const zoomed = await t.waitFor((s) => !s.includes("Identities ·") && s.includes("▶ Logs"), 30_000);
    // the logs take the whole body: no identity rows, no hardware pane (how many log lines there are
    // depends on whether the selected identity's service has run yet: on demand it may not have)
    expect(names(zoomed)).toEqual([]);
    expect(zoomed).not.toContain("Hardware");
    t.write("z");
    await t.waitFor((s) => s.includes("Identities ·") && s.includes("▶ Logs"), 30_000);

    // the daemon goes away: stale, dimmed, and the palette offers to start it
    const stop = await runCliInProcess([...cfg, "daemon", "stop"]);
    expect(stop.code, stop.stderr).toBe(0);
    await t.waitFor((s) => s.includes("STALE") && s.includes("daemon ✖"), 60_000);
    t.write(":");
    await t.waitFor("start the daemon", 30_000);
    t.write("\r");
    await t.waitFor((s) => !s.includes("STALE") && s.includes("daemon ●") && s.includes("Identities · 16"), 90_000);

    t.write("q");
    await t.waitForExit(30_000);
  });
});
