// Several rigs from one terminal over a real OpenSSH server on 127.0.0.1 (started here with its own
// host key and a key made for the test) and two rigs, each a daemon with one fake post-service (the
// fleet's requests pass through ssh and the bridge; what the rig proves is not under test here, so
// no simulated node or post-services): the fleet summary, a command through --rig, read-only
// refused by the bridge (asked by the client, or forced by authorized_keys whatever the client
// asks, or for a rig on this machine), and a rig that goes away and comes back.
// Skipped, saying why, where sshd cannot run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import os from "node:os";
import path from "node:path";
import { writeFileSync } from "node:fs";
import { BIN, requireBuild, runCliInProcess } from "../helpers/cli.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { killTrackedGroups } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait-for.js";
import { makeRig } from "../helpers/rig-fixture.js";
import type { RigSummary } from "../../src/fleet/summary.js";
import type { Snapshot } from "../../src/protocol/model.js";
import { sshdProblem, startSshd, type TestSshd } from "./sshd.js";

const problem = sshdProblem();
if (problem) console.warn(`fleet over ssh: skipped — ${problem}`);

let sshd: TestSshd;
let dir = "";
let rigsFile = "";
const configs = { a: "", b: "" };
const user = os.userInfo().username;

// `fleet` and `--rig` run the CLI's main in this process (their bridges, ssh and sshd are processes
// all the same; in-process calls run one at a time)
const fleet = async () => {
  const r = await runCliInProcess(["fleet", "--json", "--rigs", rigsFile, "--timeout", "20"]);
  return { code: r.code, rigs: (JSON.parse(r.stdout) as { rigs: RigSummary[] }).rigs, stderr: r.stderr };
};
const onRig = (rig: string, ...args: string[]) => runCliInProcess(["--rig", rig, "--rigs", rigsFile, ...args]);

describe.skipIf(problem !== null)("fleet over OpenSSH", () => {
  beforeAll(async () => {
    requireBuild();
    dir = tempDir("pd-fleet-ssh-");
    // sshd starts beside the two rigs' daemons (started one after the other: in-process CLI calls take turns)
    const [sshdUp] = await Promise.all([
      startSshd(path.join(dir, "ssh")),
      ...(["a", "b"] as const).map(async (name) => {
        configs[name] = makeRig({ extra: { rig: `far-${name}` } }).configPath;
        const r = await runCliInProcess(["--config", configs[name], "daemon", "start"]);
        expect(r.code, r.stderr).toBe(0);
      }),
    ]);
    sshd = sshdUp;
    sshd.addForcedKey("ro_key", `${process.execPath} ${BIN} bridge --read-only --config ${configs.a}`);
    const command = JSON.stringify([process.execPath, BIN]);
    const entry = (name: string, extra: string[], key?: string) =>
      [`- name: ${name}`, `  ssh: ${user}@127.0.0.1`, `  sshOptions: ${JSON.stringify(sshd.sshOptions(key))}`, `  command: ${command}`, ...extra.map((l) => `  ${l}`)].join("\n");
    rigsFile = path.join(dir, "rigs.yaml");
    writeFileSync(
      rigsFile,
      [
        entry("rig-a", [`config: ${configs.a}`]),
        entry("rig-b", [`config: ${configs.b}`, "readOnly: true"]),
        entry("forced", [`config: ${configs.a}`], "ro_key"), // not readOnly here: the server forces it
        `- name: local-b\n  config: ${configs.b}\n  readOnly: true`, // on this machine, through a local bridge
      ].join("\n") + "\n",
    );
  }, 120_000);

  afterAll(async () => {
    for (const c of Object.values(configs)) await runCliInProcess(["--config", c, "daemon", "stop", "--stop-services", "--force"]);
    await sshd?.stop();
    killTrackedGroups();
    cleanupTempDirs();
  });

  it("fleet --json: one summary per rig, each reached over ssh", async () => {
    const f = await fleet();
    expect(f.rigs.map((r) => [r.rig, r.reachable, r.via])).toEqual([
      ["rig-a", true, `ssh ${user}@127.0.0.1`],
      ["rig-b", true, `ssh ${user}@127.0.0.1`],
      ["forced", true, `ssh ${user}@127.0.0.1`],
      ["local-b", true, configs.b],
    ]);
    for (const r of f.rigs) {
      expect(r.identities!.total).toBe(1);
      expect(r.services!.total).toBe(1);
    }
    expect(f.rigs.map((r) => r.rigName)).toEqual(["far-a", "far-b", "far-a", "far-b"]);
    expect(f.rigs[1]!.readOnly).toBe(true);
    // exit 1 exactly when a rig has an error finding (all are reachable here)
    expect(f.code).toBe(f.rigs.some((r) => r.findings!.errors > 0) ? 1 : 0);
  });

  it("--rig runs a command against that rig: status of its daemon, and a service stopped and started", async () => {
    const s = await onRig("rig-a", "status", "--json");
    const stop = await onRig("rig-a", "stop", "svc0", "--force", "--json");
    expect(s.code, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as Snapshot).daemon.configPath).toBe(configs.a);
    expect(stop.code, stop.stderr).toBe(0);
    expect(JSON.parse(stop.stdout)).toEqual({ results: [expect.objectContaining({ name: "svc0", ok: true })] });
    const start = await onRig("rig-a", "start", "svc0", "--json");
    expect(start.code, start.stderr).toBe(0);
    expect(JSON.parse(start.stdout)).toEqual({ results: [expect.objectContaining({ name: "svc0", ok: true })] });
  });

  it("read-only (the rig's readOnly, --read-only, or a forced command on the server): mutating routes refused, reads served", async () => {
    const cases = [["rig-b", []], ["rig-a", ["--read-only"]], ["forced", []], ["local-b", []]] as const;
    // each rig's service, read on this machine: a refused stop leaves it running as it was
    const svc0 = async (config: string) => (JSON.parse((await runCliInProcess(["--config", config, "status", "--json"])).stdout) as Snapshot).services[0]!;
    const before = await waitFor(async () => {
      const both = [await svc0(configs.a), await svc0(configs.b)];
      return both.every((v) => v.state === "running") && both.map((v) => v.pid);
    }, { what: "both rigs' svc0 running" });
    const d = await onRig("forced", "doctor", "--json");
    const refused = [];
    for (const [rig, extra] of cases) refused.push(await onRig(rig, ...extra, "stop", "svc0", "--force"));
    refused.forEach((r, i) => {
      expect(r.code, `${cases[i]![0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain("this is a read-only connection: stop (POST /v1/services/stop) changes the rig and is refused");
    });
    expect([0, 1]).toContain(d.code);
    expect(JSON.parse(d.stdout)).toHaveProperty("findings");
    expect([(await svc0(configs.a)).pid, (await svc0(configs.b)).pid]).toEqual(before);
    // (that the daemon never sees a refused request is checked in bridge.test.ts)
  });

  // a daemon stop and start, an sshd stop and start and a fleet run after each stop and at the end: more than a minute on a loaded machine
  it("a rig whose daemon goes away is unreachable (exit 1) and comes back; so does one whose sshd goes away", { timeout: 120_000 }, async () => {
    const stopped = await runCliInProcess(["--config", configs.b, "daemon", "stop"]);
    expect(stopped.code, stopped.stderr).toBe(0);
    let f = await fleet();
    expect(f.code).toBe(1);
    expect(f.rigs[1]).toMatchObject({ rig: "rig-b", reachable: false });
    expect(f.rigs[1]!.error).toMatch(/no postdeck daemon runs on .*; start it there with `postdeck daemon start`/);
    expect(f.rigs[0]!.reachable).toBe(true);
    // started again: rig-b is reachable again in the last fleet run below (each fleet run here is
    // ~2 CPU-s: a bridge per rig, ssh and sshd)
    const restarted = await runCliInProcess(["--config", configs.b, "daemon", "start"]);
    expect(restarted.code, restarted.stderr).toBe(0);

    await sshd.stop();
    f = await fleet();
    const s = await onRig("rig-a", "status");
    expect(f.code).toBe(1);
    for (const r of f.rigs.slice(0, 3)) expect(r.error).toMatch(/exited with code 255 before answering: .*Connection refused/);
    expect(f.rigs[3]!.reachable, f.rigs[3]!.error ?? "").toBe(true); // local-b needs no ssh
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/ssh .*@127\.0\.0\.1: exited with code 255 before answering/);
    await sshd.start();
    // every rig back: rig-b's daemon (restarted above) and the three over ssh
    await waitFor(async () => (await fleet()).rigs.every((r) => r.reachable), { timeoutMs: 30_000, intervalMs: 500, what: "rigs reachable again" });
  });
});
