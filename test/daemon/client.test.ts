// The socket client: SSE parsing, and reconnection when the daemon comes back.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { SseParser } from "../../src/client/sse-parser.js";
import { socketPath } from "../../src/config/runtime-paths.js";
import { SocketClient } from "../../src/client/socket-client.js";
import type { ConnectionState, DaemonEvent } from "../../src/client/types.js";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";
import { killTrackedGroups, isAlive } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait-for.js";
import { clientWhenUp, requireBuild, spawnDaemon } from "../helpers/cli.js";
import { ensureDaemon } from "../../src/client/ensure-daemon.js";
import { trackGroup } from "../helpers/processes.js";

beforeAll(() => requireBuild());
afterEach(() => {
  killTrackedGroups();
  cleanupTempDirs();
});

describe("SSE parser", () => {
  it("splits events across chunks and ignores comments", () => {
    const p = new SseParser();
    expect(p.feed("event: log\ndata: [1,")).toEqual([]);
    expect(p.feed("2]\n\n: heartbeat\n\nevent: bye\r\ndata: {}\r\n\r\n")).toEqual([
      { event: "log", data: "[1,2]" },
      { event: "bye", data: "{}" },
    ]);
  });
});

describe("socket client", () => {
  it("follows events, sees bye, and reconnects to a new daemon", async () => {
    const rig = makeRig({ services: 1 });
    const env = { XDG_RUNTIME_DIR: "" };
    const d1 = spawnDaemon(rig.configPath, env);
    (await clientWhenUp(rig.stateDir, env)).close();
    const c = new SocketClient(socketPath(rig.stateDir, env), { reconnectMs: { min: 100, max: 300 } });
    const events: DaemonEvent[] = [];
    const states: ConnectionState["kind"][] = [];
    const unsub = c.subscribe((e) => events.push(e), (s) => states.push(s.kind));
    await waitFor(() => events.some((e) => e.type === "snapshot"));
    await waitFor(() => events.some((e) => e.type === "service" && e.data.state === "running") || events.some((e) => e.type === "snapshot" && e.data.services[0]?.state === "running"));
    process.kill(d1.pid!, "SIGTERM");
    await waitFor(() => events.some((e) => e.type === "bye"), { what: "bye" });
    await waitFor(() => !isAlive(d1.pid!));
    expect(states).toContain("disconnected");
    const d2 = spawnDaemon(rig.configPath, env);
    await waitFor(() => events.filter((e) => e.type === "snapshot").length >= 2, { what: "second snapshot after reconnect" });
    const last = events.filter((e) => e.type === "snapshot").at(-1)!;
    expect(last.type === "snapshot" && last.data.daemon.pid).toBe(d2.pid);
    expect(states.at(-1)).toBe("connected");
    unsub();
    c.close();
  });
});

describe("ensureDaemon", () => {
  it("starts a detached daemon when none runs, and connects to the running one next time", async () => {
    const rig = makeRig({ services: 1 });
    const env = { ...process.env, XDG_RUNTIME_DIR: "" };
    const a = await ensureDaemon(rig.config, { env });
    trackGroup(a.started?.pid);
    expect(a.started).not.toBeNull();
    const s = await a.client.call("snapshot", {});
    expect(s.daemon.pid).toBe(a.started!.pid);
    for (const v of s.services) trackGroup(v.pid);
    a.client.close();
    const b = await ensureDaemon(rig.config, { env });
    expect(b.started).toBeNull();
    expect((await b.client.call("snapshot", {})).daemon.pid).toBe(a.started!.pid);
    await b.client.call("daemonStop", { stopServices: true });
    b.client.close();
    await waitFor(() => !isAlive(a.started!.pid), { what: "daemon exit" });
  });
});
