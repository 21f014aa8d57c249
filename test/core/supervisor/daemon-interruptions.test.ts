// The real daemon (bin/postdeck.js, built) and what must survive its interruptions: a daemon stop
// after a daemon restart stops every process it owns (adopted ones, the supervised node), and a
// daemon killed in the middle of a restart still leaves the service running at the next start.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { makeRig } from "../../helpers/rig-fixture.js";
import { isAlive, trackGroup } from "../../helpers/processes.js";
import { waitFor } from "../../helpers/wait-for.js";
import { clientWhenUp, runCliInProcess, spawnDaemon, realDaemonHooks } from "../../helpers/cli.js";
import type { SocketClient } from "../../../src/client/socket-client.js";
import { pidsOnDir } from "../../chaos/count.js";

// each test has its own rig (state dir, socket, ports) and daemons: the two run side by side, their
// processes killed after the file
const clients = realDaemonHooks("file");

const env = { XDG_RUNTIME_DIR: "" };

/**
 * A daemon, its client and what it wrote to stderr; `closed` resolves once its stderr was read to
 * the end. A daemon that exited (what `daemon stop` waits for) may still have lines in the pipe
 * that this process has not read yet: its last ones are there once closed.
 */
async function up(configPath: string, stateDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ d: ChildProcess; c: SocketClient; stderr: () => string; closed: Promise<void> }> {
  const d = spawnDaemon(configPath, { ...env, ...extraEnv });
  let err = "";
  d.stderr?.on("data", (b: Buffer) => (err += b.toString()));
  const closed = new Promise<void>((r) => d.once("close", () => r()));
  const c = await clientWhenUp(stateDir, env);
  clients.push(c);
  return { d, c, stderr: () => err, closed };
}

describe.concurrent("daemon interruptions", () => {
  it("daemon stop --stop-services --force after a daemon restart stops adopted services and the supervised node, logs 'stopped' and removes daemon.pid", async () => {
    const rig = makeRig({
      services: 2,
      node: { log: { command: [process.execPath, "-e", "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30)"] } },
    });
    const first = await up(rig.configPath, rig.stateDir);
    const snap = await waitFor(async () => {
      const s = await first.c.call("snapshot", {});
      for (const v of s.services) trackGroup(v.pid);
      trackGroup(s.node.supervised?.pid);
      return s.services.every((v) => v.state === "running") && s.node.supervised?.state === "running" && s;
    }, { what: "services and node running" });
    const pids = [...snap.services.map((v) => v.pid!), snap.node.supervised!.pid!];
    process.kill(first.d.pid!, "SIGKILL");
    await waitFor(() => !isAlive(first.d.pid!), { what: "first daemon gone" });
    expect(pids.every(isAlive)).toBe(true);

    const second = await up(rig.configPath, rig.stateDir);
    const again = await waitFor(async () => {
      const s = await second.c.call("snapshot", {});
      return s.services.every((v) => v.adopted && v.state === "running") && s.node.supervised?.state === "running" && s;
    }, { what: "re-adopted" });
    expect([...again.services.map((v) => v.pid!), again.node.supervised!.pid!]).toEqual(pids);

    const r = await runCliInProcess(["daemon", "stop", "--stop-services", "--force", "--config", rig.configPath], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(isAlive(second.d.pid!)).toBe(false);
    await second.closed;
    expect(second.stderr()).toMatch(/ stopped\n/);
    expect(existsSync(path.join(rig.stateDir, "daemon.pid"))).toBe(false);
  });

  it("a daemon killed between the stop and the start of a restart leaves the service to be started by the next daemon", async () => {
    const rig = makeRig({ services: 1 });
    const dir = rig.config.services[0]!.dir;
    const first = await up(rig.configPath, rig.stateDir, { POSTDECK_FAULT: "restart-after-stop" });
    const [before] = await waitFor(() => pidsOnDir(dir).length === 1 && pidsOnDir(dir), { what: "svc0 running" });
    trackGroup(before);
    await first.c.call("restart", { names: ["svc0"], force: true }).catch(() => undefined); // the daemon dies answering
    await waitFor(() => !isAlive(first.d.pid!), { what: "daemon killed at the fault point" });
    expect(pidsOnDir(dir)).toEqual([]); // stopped, not started again yet
    const state = JSON.parse(readFileSync(path.join(rig.stateDir, "state.json"), "utf8"));
    expect(state.services.svc0.wanted).toBe(true);

    const second = await up(rig.configPath, rig.stateDir);
    const v = await waitFor(async () => {
      const s = await second.c.call("snapshot", {});
      trackGroup(s.services[0]!.pid);
      return s.services[0]!.state === "running" && s.services[0]!;
    }, { what: "svc0 started by the next daemon" });
    expect(pidsOnDir(dir)).toEqual([v.pid]);
    expect(v.pid).not.toBe(before);
  });
});
