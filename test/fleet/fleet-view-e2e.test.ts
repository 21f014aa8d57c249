// The Fleet view end to end (the real binary in a pseudo-terminal) over two rigs on this machine,
// each with its own daemon: both rows live, Enter opens a rig's console and q comes back to the
// fleet (where keys still work), and a rig whose daemon stops goes stale in its row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { writeFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { PtyTerminal } from "../e2e/terminal.js";
import { clientWhenUp, requireBuild, spawnDaemon } from "../helpers/cli.js";
import { makeRig } from "../helpers/rig-fixture.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { killTrackedGroups } from "../helpers/processes.js";

const env = { XDG_RUNTIME_DIR: "" };
let rigsFile = "";
const daemons: ChildProcess[] = [];
let term: PtyTerminal | null = null;

beforeAll(async () => {
  requireBuild();
  const rigs = [makeRig({ services: 1 }), makeRig({ services: 1 })];
  for (const r of rigs) daemons.push(spawnDaemon(r.configPath, env));
  for (const r of rigs) (await clientWhenUp(r.stateDir, env)).close();
  rigsFile = path.join(tempDir("pd-fleet-tui-"), "rigs.yaml");
  writeFileSync(rigsFile, rigs.map((r, i) => `- name: rig-${"ab"[i]}\n  config: ${r.configPath}\n`).join(""));
}, 60_000);

afterAll(() => {
  term?.kill();
  killTrackedGroups();
  cleanupTempDirs();
});

describe("postdeck fleet --tui", () => {
  it("two rigs live; Enter opens one's console, q comes back; a rig whose daemon stops goes stale", { timeout: 60_000 }, async () => {
    term = new PtyTerminal(["fleet", "--tui", "--rigs", rigsFile], { cols: 150, rows: 20, env: { ...env, NO_COLOR: "1" } });
    await term.waitFor("2/2 rigs live");
    expect(term.text()).toMatch(/› rig-a +● live +/);
    expect(term.text()).toMatch(/rig-b +● live +/);
    term.write("\r");
    await term.waitFor("q goes back to the fleet");
    await term.waitFor(/daemon ● connected/);
    term.write("q");
    await term.waitFor("postdeck fleet");
    term.write("j");
    await term.waitFor(/› rig-b/);
    daemons[1]!.kill("SIGTERM");
    await term.waitFor(/rig-b +◌ daemon stopped/);
    expect(term.text()).toContain("1/2 rigs live");
    term.write("q");
    expect((await term.waitForExit()).code).toBe(0);
    expect(term.raw()).toContain("fleet view closed");
  });
});
