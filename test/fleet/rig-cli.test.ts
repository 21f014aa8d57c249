// `postdeck --rig NAME` and `postdeck fleet` as a smesher types them: mistakes are exit 2 with what
// to do, and a read-only rig on this machine refuses a mutating command (through a local bridge).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { writeFileSync } from "node:fs";
import { requireBuild, runCliInProcess } from "../helpers/cli.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";

let dir = "";
let rigs = "";

beforeAll(() => {
  requireBuild();
  dir = tempDir("pd-rig-cli-");
  rigs = path.join(dir, "rigs.yaml");
  // "far": an ssh rig on a loopback port where nothing listens (nothing leaves this machine)
  writeFileSync(rigs, ["- name: far", "  ssh: sm@127.0.0.1", '  sshOptions: [-F, /dev/null, -p, "1"]', "- name: gone", "  config: ./none/postdeck.yaml", ""].join("\n"));
});
afterAll(() => cleanupTempDirs());

describe("--rig and fleet on the command line", () => {
  it("an unknown rig, a command that does not run on a rig, --config with --rig, daemon start over ssh: exit 2 saying why", async () => {
    const unknown = await runCliInProcess(["--rig", "nope", "--rigs", rigs, "status"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`no rig named "nope"; expected one of far, gone`);
    const demo = await runCliInProcess(["--rig", "far", "--rigs", rigs, "demo"]);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain("demo does not run against a rig");
    const both = await runCliInProcess(["--rig", "far", "--rigs", rigs, "--config", "x.yaml", "status"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--rig and --config name the rig twice");
    const start = await runCliInProcess(["--rig=far", `--rigs=${rigs}`, "daemon", "start"]);
    expect(start.code).toBe(2);
    expect(start.stderr).toContain("run it on the rig (ssh sm@127.0.0.1 postdeck daemon start)");
  });

  it("--rig sets the rig of its own command only: a later command in the same process reaches its own config's daemon", async () => {
    const far = await runCliInProcess(["--rig", "far", "--rigs", rigs, "status"]);
    expect(far.code).toBe(1);
    expect(far.stderr).toMatch(/ssh sm@127\.0\.0\.1: exited with code 255 before answering/);
    const config = path.join(dir, "here.yaml");
    const stateDir = path.join(dir, "st");
    writeFileSync(config, `stateDir: ${stateDir}\nnode:\n  dataFolder: ${dir}\n  grpc:\n    post: 127.0.0.1:9094\nservices: []\n`);
    const here = await runCliInProcess(["--config", config, "status"], { XDG_RUNTIME_DIR: "" });
    expect(here.code).toBe(1);
    expect(here.stderr).toContain(`no daemon running (no answer on ${path.join(stateDir, "daemon.sock")})`);
  });

  it("a bad rigs file is exit 2 with file, line and field, for fleet and --rig alike", async () => {
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(bad, "- name: a\n  ssh: sm@a\n  readOnly: maybe\n");
    for (const args of [["fleet", "--rigs", bad], ["--rig", "a", "--rigs", bad, "status"]]) {
      const r = await runCliInProcess(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${bad}:3: [0].readOnly: found "maybe"; expected a boolean`);
    }
  });

  it("fleet reports a local rig whose config is missing as unreachable, exit 1, with the config problem", async () => {
    const r = await runCliInProcess(["fleet", "--json", "--rigs", rigs, "--timeout", "1"]);
    expect(r.code).toBe(1);
    const gone = (JSON.parse(r.stdout) as { rigs: { rig: string; reachable: boolean; error: string }[] }).rigs.find((x) => x.rig === "gone")!;
    expect(gone.reachable).toBe(false);
    expect(gone.error).toContain(path.join(dir, "none", "postdeck.yaml"));
  });
});
