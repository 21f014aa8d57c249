// `postdeck identity add` follows its task in the daemon: when the daemon dies meanwhile, the
// command says so and what to run, and exits 1 (it used to wait forever).
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";
import { killTrackedGroups, trackGroup } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait-for.js";
import { BIN, clientWhenUp, requireBuild, simPostcli, spawnDaemon } from "../helpers/cli.js";
import { commandHint } from "../../src/presentation/command-hint.js";

beforeAll(() => requireBuild());
afterEach(() => {
  killTrackedGroups();
  cleanupTempDirs();
});

describe("identity add following its task", () => {
  it("the daemon is killed: says the daemon was lost and how to resume, exit 1", async () => {
    const rig = makeRig({ services: 0 });
    const postcli = simPostcli(rig.root);
    writeFileSync(rig.configPath, `${(await import("node:fs")).readFileSync(rig.configPath, "utf8")}postcli:\n  binary: ${postcli}\n`);
    const d = spawnDaemon(rig.configPath, { POSTDECK_SIM_INIT_BPS: "16384" }); // slow: the add runs for ~16 s
    (await clientWhenUp(rig.stateDir, {})).close();
    const args = ["identity", "add", "fresh", "--dir", path.join(rig.root, "fresh"), "--units", "4", "--commitment-atx", "00".repeat(32), "--labels-per-unit", "4096", "--max-file-size", "16384", "--config", rig.configPath];
    const cli = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    trackGroup(cli.pid);
    let stderr = "";
    cli.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => cli.on("exit", (code) => r(code)));
    await waitFor(() => /fresh: running/.test(stderr), { what: `the add's first progress line (stderr: ${stderr})`, timeoutMs: 20_000 });
    process.kill(d.pid!, "SIGKILL");
    const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000))]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/postdeck: lost the daemon while following add-fresh-\d+: /);
    // the commands in backticks run from where the user is: this CLI runs as `node …/bin/postdeck.js`
    const here = (a: string) => commandHint(a, { argv1: BIN });
    expect(here("status")).toMatch(/^node .*postdeck\.js status$/);
    expect(stderr).toContain(`check the daemon with \`${here("daemon status")}\``);
    expect(stderr).toContain(`(start it with \`${here("daemon start")}\`)`);
    expect(stderr).toContain(`run \`${here(args.join(" "))}\` again to resume`);
    expect(stderr).not.toContain("`postdeck ");
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
