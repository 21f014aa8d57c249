// The socket client: SSE parsing, and reconnection when the daemon comes back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SseParser } from "../../src/client/sse-parser.js";
import { describeSocket, socketPath } from "../../src/config/runtime-paths.js";
import { SocketClient } from "../../src/client/socket-client.js";
import type { ConnectionState, DaemonEvent } from "../../src/client/types.js";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";
import { killTrackedGroups, isAlive } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait-for.js";
import { clientWhenUp, requireBuild, runCli, runCliInProcess, spawnDaemon, TEST_ENV } from "../helpers/cli.js";
import { describeInTurn } from "../helpers/in-turn.js";
import { existsSync, rmSync, statSync } from "node:fs";
import { ensureDaemon } from "../../src/client/ensure-daemon.js";
import { trackGroup } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";
import { VERSION_HEADER } from "../../src/protocol/routes.js";
import { version } from "../../src/version.js";
import http from "node:http";
import type { ChildProcess } from "node:child_process";
import path from "node:path";

beforeAll(() => requireBuild());
// the tests run side by side, but for two groups that share a rig and a daemon in turn; cleaned up
// after the file
afterAll(() => {
  killTrackedGroups();
  cleanupTempDirs();
});

describe.concurrent("SSE parser", () => {
  it("splits events across chunks and ignores comments", () => {
    const p = new SseParser();
    expect(p.feed("event: log\ndata: [1,")).toEqual([]);
    expect(p.feed("2]\n\n: heartbeat\n\nevent: bye\r\ndata: {}\r\n\r\n")).toEqual([
      { event: "log", data: "[1,2]" },
      { event: "bye", data: "{}" },
    ]);
  });
});

describe.concurrent("socket client", () => {
  // the daemon ensureDaemon starts is the one the client then sees go; the daemon the client
  // reconnects to is then the stuck one of the test after
  describeInTurn("a daemon ensureDaemon starts, another, then that one stuck", () => {
    const env = { XDG_RUNTIME_DIR: "" };
    let rig: ReturnType<typeof makeRig>;
    let first: number | undefined;
    let d: ChildProcess | undefined;
    beforeAll(() => {
      rig = makeRig({ services: 1 });
    });

    it("ensureDaemon starts a detached daemon when none runs, and connects to the running one next time", async () => {
      const a = await ensureDaemon(rig.config, { env: { ...TEST_ENV, ...env } });
      trackGroup(a.started?.pid);
      expect(a.started).not.toBeNull();
      const s = await a.client.call("snapshot", {});
      expect(s.daemon.pid).toBe(a.started!.pid);
      for (const v of s.services) trackGroup(v.pid);
      a.client.close();
      const b = await ensureDaemon(rig.config, { env: { ...TEST_ENV, ...env } });
      expect(b.started).toBeNull();
      expect((await b.client.call("snapshot", {})).daemon.pid).toBe(a.started!.pid);
      b.client.close();
      first = a.started!.pid;
    });

    it("follows events, sees bye, and reconnects to a new daemon", async () => {
      const d1 = first ?? spawnDaemon(rig.configPath, env).pid!; // (started above unless that test failed first)
      (await clientWhenUp(rig.stateDir, env)).close();
      const c = new SocketClient(socketPath(rig.stateDir, env), { reconnectMs: { min: 100, max: 300 } });
      const events: DaemonEvent[] = [];
      const states: ConnectionState["kind"][] = [];
      const unsub = c.subscribe((e) => events.push(e), (s) => states.push(s.kind));
      await waitFor(() => events.some((e) => e.type === "snapshot"));
      await waitFor(() => events.some((e) => e.type === "service" && e.data.state === "running") || events.some((e) => e.type === "snapshot" && e.data.services[0]?.state === "running"));
      process.kill(d1, "SIGTERM");
      await waitFor(() => events.some((e) => e.type === "bye"), { what: "bye" });
      await waitFor(() => !isAlive(d1));
      expect(states).toContain("disconnected");
      d = spawnDaemon(rig.configPath, env);
      await waitFor(() => events.filter((e) => e.type === "snapshot").length >= 2, { what: "second snapshot after reconnect" });
      const last = events.filter((e) => e.type === "snapshot").at(-1)!;
      expect(last.type === "snapshot" && last.data.daemon.pid).toBe(d.pid);
      expect(states.at(-1)).toBe("connected");
      unsub();
      c.close();
    });

    it("a daemon holding the lock without a socket: the client says so and how to recover, never 'no daemon' nor a second daemon", async () => {
      // (not the removed-socket test's daemon: one whose socket is removed a second time does not
      // bind it again; src/daemon/socket-keeper.ts closes the first re-bound listener after binding
      // the next, which unlinks the path: reported)
      d ??= spawnDaemon(rig.configPath, env); // (started above unless that test failed first)
      (await clientWhenUp(rig.stateDir, env)).close();
      process.kill(d.pid!, "SIGSTOP"); // a stuck daemon: it cannot re-create its socket
      try {
        rmSync(path.join(rig.stateDir, "daemon.sock"));
        // each waits 5 s for the daemon to answer before it says so: side by side (in-process calls
        // run one at a time, so `daemon start` runs as the program)
        const [status, start] = await Promise.all([
          runCliInProcess(["status", "--config", rig.configPath]),
          runCli(["daemon", "start", "--config", rig.configPath]),
        ]);
        for (const r of [status, start]) {
          expect(r.code).toBe(1);
          expect(r.stderr).toContain(`the postdeck daemon (pid ${d.pid}) holds the lock of ${rig.stateDir}`);
          expect(r.stderr).toContain("the socket file is gone");
          expect(r.stderr).toContain(`kill ${d.pid}`);
          expect(r.stderr).not.toContain("no daemon running");
          expect(r.stderr).not.toContain("already running");
        }
      } finally {
        process.kill(d.pid!, "SIGCONT");
      }
      // going on, the daemon binds its socket again at its next check (every 2 s)
      await waitFor(() => existsSync(path.join(rig.stateDir, "daemon.sock")), { what: "socket re-created", timeoutMs: 15_000 });
      const again = await runCliInProcess(["status", "--json", "--config", rig.configPath]);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).daemon.pid).toBe(d.pid);
    });
  });
});

describe.concurrent("answers by daemon version", () => {
  /** A stand-in daemon on a Unix socket answering every request with `body` and the version header `v`. */
  async function fakeDaemon(v: string, status: number, body: unknown): Promise<SocketClient> {
    const sock = path.join(tempDir("pd-fake-"), "d.sock");
    const server = http.createServer((_req, res) => {
      res.writeHead(status, { "content-type": "application/json", [VERSION_HEADER]: v });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(sock, r));
    servers.push(server);
    return new SocketClient(sock);
  }
  const servers: http.Server[] = [];
  afterAll(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const odd = { services: "not a list" };

  it("takes a same-version daemon's answer as sent", async () => {
    const c = await fakeDaemon(version, 200, odd);
    expect(await c.call("snapshot", {})).toEqual(odd);
    const e = await fakeDaemon(version, 409, { error: { code: "refused", message: "no such service" } });
    await expect(e.call("start", { names: ["x"] })).rejects.toThrow("no such service");
  });

  it("validates another version's answers with the protocol's schemas", async () => {
    const c = await fakeDaemon("0.0.0-other", 200, odd);
    await expect(c.call("snapshot", {})).rejects.toThrow("does not match this client's protocol (daemon of another version?)");
    const ok = await fakeDaemon("0.0.0-other", 200, { ok: true, message: "stopping", extra: 1 });
    expect(await ok.call("daemonStop", { stopServices: false })).toEqual({ ok: true, message: "stopping" });
    const e = await fakeDaemon("0.0.0-other", 500, { oops: true });
    await expect(e.call("doctor", {})).rejects.toThrow("daemon error HTTP 500 on /v1/doctor");
  });
});

describe.concurrent("a client always finds its daemon", () => {
  // a state dir whose socket path is longer than sun_path (108 bytes): what follows holds there too
  describeInTurn("one daemon with a long state dir: its socket where XDG_RUNTIME_DIR does not move it, then removed", () => {
    let rig: ReturnType<typeof makeRig>;
    let long = ""; // the state dir (not rig.stateDir: the fixture's own, short one)
    let d: ChildProcess;
    beforeAll(async () => {
      long = path.join(tempDir("pd-"), "a".repeat(60), "b".repeat(60), "st");
      rig = makeRig({ services: 1, extra: { stateDir: long } });
      d = spawnDaemon(rig.configPath, { XDG_RUNTIME_DIR: tempDir("pd-rt-") }); // as from a login shell
      await waitFor(() => existsSync(path.join(long, "daemon.sock")), { what: "socket in the long state dir", timeoutMs: 30_000 });
    });

    it("whatever XDG_RUNTIME_DIR the daemon and the client have, and however long its path: the socket is at <stateDir>/daemon.sock", async () => {
      expect(Buffer.byteLength(path.join(long, "daemon.sock"))).toBeGreaterThan(107);
      // the path the client computes is that file (reached through a descriptor of the dir when too long)
      expect(describeSocket(socketPath(long))).toBe(path.join(long, "daemon.sock"));
      expect(statSync(path.join(long, "daemon.sock")).mode & 0o777).toBe(0o600);
      for (const env of [{ XDG_RUNTIME_DIR: "" }, { XDG_RUNTIME_DIR: tempDir("pd-rt2-") }]) {
        const r = await runCliInProcess(["status", "--json", "--config", rig.configPath], env); // as from cron, or sudo -u
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout).daemon.pid).toBe(d.pid);
      }
    });

    it("a removed socket is noticed and bound again by the daemon", async () => {
      const sock = path.join(long, "daemon.sock");
      rmSync(sock); // as logind does to /run/user/UID at logout
      await waitFor(() => existsSync(sock), { what: "socket re-created", timeoutMs: 15_000 });
      const r = await runCliInProcess(["status", "--json", "--config", rig.configPath]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).daemon.pid).toBe(d.pid);
      expect(statSync(sock).mode & 0o777).toBe(0o600);
    });
  });
});
