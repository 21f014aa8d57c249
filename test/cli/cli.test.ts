// The CLI as a user runs it: exit codes 0/1/2, text and --json output. The built binary where the
// program itself is under test (its exit code, stack traces through the bundle's source maps, a
// detached daemon's start, a follower's stream); elsewhere its main in this process (runCliInProcess).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SnapshotSchema } from "../../src/protocol/model.js";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";
import { isAlive, killTrackedGroups, trackGroup } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait-for.js";
import { BIN, clientWhenUp, requireBuild, runCli, runCliInProcess } from "../helpers/cli.js";
import { describeInTurn } from "../helpers/in-turn.js";
import { spawnTracked } from "../helpers/processes.js";
import { commandHint } from "../../src/presentation/command-hint.js";

const env = { XDG_RUNTIME_DIR: "" };
beforeAll(() => requireBuild());
// each test has its own rig and state dir, but for the daemon's life in turn: the tests run side by
// side, cleaned up after the file
afterAll(() => {
  killTrackedGroups();
  cleanupTempDirs();
});

async function statusJson(configPath: string) {
  const r = await runCliInProcess(["status", "--json", "--config", configPath], env);
  expect(r.code).toBe(0);
  const s = SnapshotSchema.parse(JSON.parse(r.stdout));
  trackGroup(s.daemon.pid);
  for (const v of s.services) trackGroup(v.pid);
  return s;
}

describe.concurrent("cli without a daemon", () => {
  it("config check prints the resolved config, or one line per problem with exit 2", async () => {
    const rig = makeRig({ services: 2 });
    const ok = await runCliInProcess(["config", "check", "--json", "--config", rig.configPath], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).config.services.map((s: { name: string }) => s.name)).toEqual(["svc0", "svc1"]);
    const bad = path.join(rig.root, "bad.yaml");
    writeFileSync(bad, "node:\n  dataFolder: /d\nservices:\n  - name: a\n    dir: /x\n    nonces: 100\n    colour: red\n");
    const r = await runCliInProcess(["config", "check", "--config", bad], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      `${bad}:7: services[0].colour: unknown key "colour"; expected one of name, dir, operatorAddress, binary, threads, pinnedCores, nonces, randomxMode, reconnectIntervalS, maxRetries, extraArgs, env, autostart, restart`,
    ]);
    const j = await runCliInProcess(["config", "check", "--json", "--config", bad], env);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, file: bad });
    // a config problem on any command: exit 2, no stack trace
    const s = await runCliInProcess(["status", "--config", bad], env);
    expect(s.code).toBe(2);
    expect(s.stderr).not.toMatch(/\n\s+at /);
  });

  it("config check and daemon start refuse an alias bomb and a state dir others can write, exit 2 naming the file", async () => {
    const rig = makeRig();
    const bomb = path.join(rig.root, "bomb.yaml");
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcde"[i]}`).join(", ")}]`)];
    writeFileSync(bomb, [...levels, "node:", "  dataFolder: /d", ""].join("\n"));
    for (const args of [["config", "check"], ["daemon", "start"]]) {
      const r = await runCliInProcess([...args, "--config", bomb], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${bomb}:2: YAML aliases:`);
    }
    mkdirSync(rig.stateDir, { recursive: true });
    chmodSync(rig.stateDir, 0o777);
    for (const args of [["config", "check"], ["daemon", "start"]]) {
      const r = await runCliInProcess([...args, "--config", rig.configPath], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`stateDir: ${rig.stateDir} is writable by group and others (mode 0777)`);
      expect(r.stderr).toContain(`chmod go-w ${rig.stateDir}`);
    }
    expect(existsSync(path.join(rig.stateDir, "daemon.pid"))).toBe(false); // no daemon was started
  });

  it("says clearly that no daemon runs (exit 1), and refuses bad usage (exit 2)", async () => {
    const rig = makeRig();
    const r = await runCli(["status", "--config", rig.configPath], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no daemon running");
    // the command in the hint runs from where the user is: this CLI runs as `node …/bin/postdeck.js`
    expect(r.stderr).toContain(commandHint("daemon start", { argv1: BIN }));
    expect(r.stderr).not.toContain("    at ");
    // --debug adds the stack trace, naming the source files (the bundle's source maps)
    const d = await runCli(["status", "--debug", "--config", rig.configPath], env);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/at .*src\/client\/socket-client\.ts:\d+/);
    expect((await runCli(["frobnicate"], env)).code).toBe(2);
    expect((await runCliInProcess(["start", "--config", rig.configPath], env)).code).toBe(2);
    expect((await runCliInProcess(["status", "--bogus", "--config", rig.configPath], env)).code).toBe(2);
    expect((await runCliInProcess(["logs", "--config", rig.configPath], env)).code).toBe(2);
  });
});

describe.concurrent("cli with a daemon", () => {
  // one daemon: started, driven, followed and stopped in turn (beside the tests above)
  describeInTurn("one daemon's life through the CLI", () => {
    let rig: ReturnType<typeof makeRig>;
    let cfg: string[] = [];
    beforeAll(() => {
      // svc2 (started only for the pipe test) writes 300 bytes of log lines every 10 ms
      rig = makeRig({ services: 3, service: (i) => (i === 1 ? { autostart: false } : i === 2 ? { autostart: false, env: { FAKE_CHATTY_BYTES_PER_TICK: "300" } } : {}) });
      cfg = ["--config", rig.configPath];
    });
    /** The daemon (started by the first test, here unless that one failed first) and a client of it. */
    async function up() {
      await runCliInProcess(["daemon", "start", ...cfg], env);
      return clientWhenUp(rig.stateDir, env);
    }

    it("daemon start/status, status, start/stop/restart, logs", async () => {
      const started = await runCli(["daemon", "start", ...cfg], env);
      expect(started.code).toBe(0);
      expect(started.stdout).toMatch(/daemon started \(pid \d+\)/);
      const again = await runCliInProcess(["daemon", "start", ...cfg], env);
      expect(again.stdout).toContain("daemon already running");

      // waited for over the socket (not a CLI process every 50 ms), then read as the user does
      const c = await clientWhenUp(rig.stateDir, env);
      await waitFor(async () => (await c.call("snapshot", {})).services[0]!.state === "running", { what: "svc0 running" });
      const [s0, text] = await Promise.all([statusJson(rig.configPath), runCliInProcess(["status", ...cfg], env)]);
      expect(s0.services[0]!.state).toBe("running");
      expect(s0.services[1]!.state).toBe("stopped");

      // exit 1 when an error finding is open (this rig has no node: node-unreachable), as doctor; --json exits 0
      expect(text.code).toBe(/findings: [1-9]\d* error\(s\)/.test(text.stdout) ? 1 : 0);
      expect(text.stdout).toMatch(/svc0\s+● running/);
      expect(text.stdout).toMatch(/svc1\s+○ stopped/);
      expect(text.stdout).not.toContain("\u001b[");

      const st = await runCliInProcess(["start", "svc1", "nosuch", ...cfg], env);
      expect(st.code).toBe(1);
      expect(st.stdout).toContain("✓ svc1 started");
      expect(st.stdout).toContain("✗ no service named 'nosuch'");
      const s1 = await statusJson(rig.configPath);
      expect(s1.services[1]!.state).toBe("running");

      const rs = await runCliInProcess(["restart", "svc0", ...cfg], env);
      expect(rs.code).toBe(0);
      const s2 = await statusJson(rig.configPath);
      expect(s2.services[0]!.pid).not.toBe(s0.services[0]!.pid);
      expect(isAlive(s0.services[0]!.pid!)).toBe(false);

      await waitFor(async () => (await c.call("logs", { source: "svc0", lines: 1 })).lines.some((l) => l.text.includes("running operator service")), { what: "log line" });
      c.close();
      const [logs, nodeLogs] = await Promise.all([runCliInProcess(["logs", "svc0", "-n", "2", ...cfg], env), runCliInProcess(["logs", "node", ...cfg], env)]);
      expect(logs.code).toBe(0);
      expect(logs.stdout.trim().split("\n")).toHaveLength(2);
      expect(nodeLogs.code).toBe(1);
      expect(nodeLogs.stderr).toContain("no log source 'node'");
    });

    it("logs -f prints a service's new lines as the daemon reads them", async () => {
      const c = await up();
      await c.call("start", { names: ["svc0", "svc1"] });
      await waitFor(async () => (await c.call("snapshot", {})).services.filter((v) => v.state === "running").length >= 2, { what: "svc0 and svc1 running" });
      const child = spawnTracked(process.execPath, [BIN, "logs", "svc0", "-f", "-n", "0", ...cfg], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (x) => (out += String(x)));
      // restart (which logs new lines) until the follower, once subscribed, has printed one
      let last = 0;
      await waitFor(async () => {
        if (out.includes("running operator service")) return true;
        if (Date.now() - last > 2000) {
          last = Date.now();
          await c.call("restart", { names: ["svc0", "svc1"] });
        }
        return false;
      }, { what: "followed line", timeoutMs: 30_000 });
      const lines = out.trim().split("\n");
      const svc0Op = (await c.call("snapshot", {})).services[0]!.operatorAddress!;
      expect(lines.filter((l) => l.includes("running operator service")).every((l) => l.includes(svc0Op))).toBe(true);
      child.kill();
      c.close();
    });

    it("logs into a pipe that closes (`logs X -f | head`): exits 0 with nothing on stderr once head has its lines", async () => {
      const c = await up();
      await c.call("start", { names: ["svc2"] });
      await waitFor(async () => (await c.call("logs", { source: "svc2", lines: 150 })).lines.length >= 150, { what: "150 lines of svc2" });
      c.close();
      for (const follow of [["-f"], []]) {
        const script = `'${process.execPath}' '${BIN}' logs svc2 -n 150 ${follow.join(" ")} --config '${rig.configPath}' 2>"$ERR" | head -2 >/dev/null; echo "\${PIPESTATUS[0]}"; cat "$ERR"`;
        const out = await new Promise<string>((resolve, reject) =>
          execFile("bash", ["-c", `ERR=$(mktemp); ${script}; rm -f "$ERR"`], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
        );
        const [code, ...stderr] = out.split("\n");
        expect(stderr.join("\n").trim()).toBe("");
        expect(code).toBe("0");
      }
    });

    // last: it ends the daemon
    it("stop --all, daemon status, daemon stop", async () => {
      (await up()).close();
      const s = await statusJson(rig.configPath);
      const stop = await runCliInProcess(["stop", "--all", "--json", ...cfg], env);
      expect(stop.code).toBe(0);
      expect(JSON.parse(stop.stdout).results.map((x: { ok: boolean }) => x.ok)).toEqual([true, true, true]);

      const ds = await runCliInProcess(["daemon", "status", ...cfg], env);
      expect(ds.stdout).toContain(`daemon running: pid ${s.daemon.pid}`);
      const dstop = await runCliInProcess(["daemon", "stop", ...cfg], env);
      expect(dstop.code).toBe(0);
      expect(isAlive(s.daemon.pid)).toBe(false);
      expect((await runCliInProcess(["daemon", "status", ...cfg], env)).code).toBe(1);
    });
  });
});
