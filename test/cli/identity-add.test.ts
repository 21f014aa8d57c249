// An identity add against a real daemon, on one daemon in turn: the add wizard's review asks the
// daemon what an add would find before it starts (identityAddCheck: size, free space on the target
// volume, refusals and warnings, without changing anything); then `postdeck identity add` follows
// its task in the daemon, and when the daemon dies meanwhile the command says so and what to run,
// and exits 1 (it used to wait forever).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";
import { killTrackedGroups, trackGroup } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait-for.js";
import { BIN, clientWhenUp, requireBuild, simPostcli, spawnDaemon } from "../helpers/cli.js";
import { commandHint } from "../../src/presentation/command-hint.js";

let rig: ReturnType<typeof makeRig>;
let d: ChildProcess;

beforeAll(async () => {
  requireBuild();
  rig = makeRig({ services: 0 });
  writeFileSync(rig.configPath, `${readFileSync(rig.configPath, "utf8")}postcli:\n  binary: ${simPostcli(rig.root)}\n`);
  d = spawnDaemon(rig.configPath, { POSTDECK_SIM_INIT_BPS: "16384" }); // slow: an add runs for ~16 s
  (await clientWhenUp(rig.stateDir, {})).close();
});
afterAll(() => {
  killTrackedGroups();
  cleanupTempDirs();
});

describe("identity add through the daemon", () => {
  it("identityAddCheck answers size, free of total and warnings for a dir; refuses a size that cannot fit; writes nothing", async () => {
    const client = await clientWhenUp(rig.stateDir, {});
    try {
      const dir = path.join(rig.root, "fresh");
      const r = await client.call("identityAddCheck", { dir, units: 4, labelsPerUnit: 4096 });
      expect(r.dir).toBe(dir);
      expect(r.sizeBytes).toBe(4 * 4096 * 16);
      expect(r.needBytes).toBe(r.sizeBytes);
      expect(r.totalBytes).toBeGreaterThan(0);
      expect(r.freeBytes).toBeGreaterThan(0);
      expect(r.problems).toEqual([]);
      // the rig's node data folder is on the same volume as this temp dir
      expect(r.warnings.some((w) => w.includes("on the node's own volume"))).toBe(true);
      expect(existsSync(dir)).toBe(false);
      const huge = await client.call("identityAddCheck", { dir, units: 1_000_000 }); // 64 TiB
      expect(huge.problems[0]).toMatch(/^not enough space for /);
    } finally {
      client.close();
    }
  });

  // last: it kills the daemon
  it("identity add following its task, the daemon killed: says the daemon was lost and how to resume, exit 1", async () => {
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
