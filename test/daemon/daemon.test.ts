// Integration: the real daemon (bin/postdeck.js daemon run) with fake post-services.
import { beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { SnapshotSchema } from "../../src/protocol/model.js";
import { socketPath } from "../../src/config/runtime-paths.js";
import { makeRig } from "../helpers/rig-fixture.js";
import { tempDir } from "../helpers/temp-dir.js";
import { isAlive, trackGroup } from "../helpers/processes.js";
import { waitFor, within } from "../helpers/wait-for.js";
import { describeInTurn } from "../helpers/in-turn.js";
import { clientWhenUp, daemonLogTail, runCli, runCliInProcess, spawnDaemon, realDaemonHooks } from "../helpers/cli.js";
import type { SocketClient } from "../../src/client/socket-client.js";
import type { DaemonEvent } from "../../src/client/types.js";

// Two daemons' lives side by side, cleaned up after the file: one daemon that the tests in turn ask,
// misuse and at last stop, and one rig's services through a SIGKILL, a SIGTERM and a stop.
const clients = realDaemonHooks("file");

/** pids of fake post-services whose --dir is under root (to count duplicates). */
function servicePids(root: string): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
        return cmd.some((a) => a.endsWith("fake-post-service.mjs")) && cmd.some((a) => a.startsWith(root + "/pos"));
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(isAlive)
    .sort((a, b) => a - b);
}

async function upDaemon(rig: ReturnType<typeof makeRig>, env: NodeJS.ProcessEnv) {
  const d = spawnDaemon(rig.configPath, env);
  const log = () => daemonLogTail(d); // (in the message of a step that hangs)
  const c = await clientWhenUp(rig.stateDir, env);
  clients.push(c);
  return { d, c, log };
}

async function runningPids(c: SocketClient, n: number): Promise<number[]> {
  return waitFor(async () => {
    const s = await c.call("snapshot", {});
    for (const v of s.services) trackGroup(v.pid);
    return s.services.filter((v) => v.state === "running").length === n && s.services.map((v) => v.pid!);
  }, { what: `${n} running services` });
}

describe.concurrent("daemon", () => {
  describeInTurn("one daemon, asked in turn", () => {
    // svc0 and svc1 run, svc2's binary does not exist, svc3 is proving (its operator API says so)
    let rig: ReturnType<typeof makeRig>;
    let env: NodeJS.ProcessEnv;
    let d: Awaited<ReturnType<typeof upDaemon>>["d"];
    let c: SocketClient;
    beforeAll(async () => {
      const proving = JSON.stringify({ Proving: { nonces: { start: 0, end: 128 }, position: 32768 } });
      rig = makeRig({ services: 4, service: (i) => (i === 2 ? { binary: "/nonexistent/post-service" } : i === 3 ? { env: { FAKE_STATUS: proving } } : {}) });
      env = { XDG_RUNTIME_DIR: tempDir("pd-rt-") };
      ({ d, c } = await upDaemon(rig, env));
    });

    it("serves a valid snapshot on a 0600 socket in a 0700 runtime dir, and refuses a second daemon", async () => {
      await runningPids(c, 3);
      // the client trusts a daemon of its own version and takes its answer as sent: what the daemon
      // sends must be exactly its schema's shape (nothing extra, nothing left to defaults)
      const sent = await c.call("snapshot", {});
      const snap = SnapshotSchema.parse(sent);
      expect(snap).toEqual(sent);
      expect(snap.daemon.pid).toBe(d.pid);
      const sock = socketPath(rig.stateDir, env);
      expect(sock).toBe(path.join(rig.stateDir, "daemon.sock")); // never in the caller's $XDG_RUNTIME_DIR
      expect(statSync(sock).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(sock)).mode & 0o777).toBe(0o700);
      const second = await runCli(["daemon", "run", "--config", rig.configPath], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`another postdeck daemon (pid ${d.pid}) is already running`);
      expect(isAlive(d.pid!)).toBe(true);
    });

    it("keeps running with failed services and answers bad requests with a message, no stack", async () => {
      const v = await waitFor(async () => (await c.call("snapshot", {})).services.find((s) => s.name === "svc2" && s.state === "failed"));
      expect(v.reason).toContain("/nonexistent/post-service not found");
      await runningPids(c, 3);
      expect(isAlive(d.pid!)).toBe(true);
      await expect(c.call("logs", { source: "nope", lines: 5 })).rejects.toThrow("no log source 'nope'");
      const raw = await new Promise<{ status: number; body: string }>((resolve) => {
        const req = http.request({ socketPath: socketPath(rig.stateDir, env), path: "/v1/services/start", method: "POST" }, (res) => {
          let body = "";
          res.on("data", (x) => (body += x));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.end(JSON.stringify({ names: "svc0" }));
      });
      expect(raw.status).toBe(400);
      expect(JSON.parse(raw.body).error.message).toContain("names");
      expect(raw.body).not.toContain("at ");
    });

    it("a client disconnecting (mid-stream) affects nothing", async () => {
      const [pid] = await runningPids(c, 3);
      const events: DaemonEvent[] = [];
      const unsub = c.subscribe((e) => events.push(e));
      await waitFor(() => events.some((e) => e.type === "snapshot"), { what: "snapshot event" });
      // a raw connection that goes away abruptly
      await new Promise<void>((resolve) => {
        const req = http.get({ socketPath: socketPath(rig.stateDir, env), path: "/v1/events" }, (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        });
      });
      unsub();
      const r = await runCliInProcess(["stop", "svc0", "--config", rig.configPath], env).then(() => c.call("snapshot", {}));
      expect(r.services[0]!.state).toBe("stopped");
      expect(isAlive(pid!)).toBe(false);
      const r2 = await c.call("start", { names: ["svc0"] });
      expect(r2.results[0]!.ok).toBe(true);
      await runningPids(c, 3);
    });

    it("a reload that applied the config marks the socket newer than the file (the CLI's fast path), a refused one does not", async () => {
      const sock = socketPath(rig.stateDir, env);
      const long = new Date(Date.now() - 60_000);
      // the config edited after the daemon started: the socket is older than the file
      utimesSync(sock, long, long);
      utimesSync(rig.configPath, new Date(), new Date());
      expect(statSync(sock).mtimeMs).toBeLessThan(statSync(rig.configPath).mtimeMs);
      expect((await c.call("reload", {})).ok).toBe(true);
      expect(statSync(sock).mtimeMs).toBeGreaterThanOrEqual(statSync(rig.configPath).mtimeMs);
      // a config the daemon refuses: the socket stays older, the CLI loads the file and says why
      utimesSync(sock, long, long);
      const valid = readFileSync(rig.configPath, "utf8");
      writeFileSync(rig.configPath, valid + "\nnot: [valid\n");
      try {
        await expect(c.call("reload", {})).rejects.toThrow();
        // (as set: the file system keeps the time in ns, so mtimeMs may come back as …625.999, not …626)
        expect(Math.abs(statSync(sock).mtimeMs - long.getTime())).toBeLessThan(1);
      } finally {
        writeFileSync(rig.configPath, valid);
      }
    });

    // last: it ends the daemon
    it("daemon stop --stop-services refuses while a service is proving (nothing stopped) unless --force", async () => {
      const pids = (await runningPids(c, 3)).filter((p) => p); // (svc2 has none)
      await waitFor(async () => (await c.call("snapshot", {})).services.find((v) => v.name === "svc3")?.operator.kind === "proving", { what: "svc3 proving" });
      const refused = await runCliInProcess(["daemon", "stop", "--stop-services", "--config", rig.configPath], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("svc3 is proving; stopping now loses this proof's progress (add --force");
      expect(pids.every(isAlive)).toBe(true);
      expect(isAlive(d.pid!)).toBe(true);
      const forced = await runCliInProcess(["daemon", "stop", "--stop-services", "--force", "--config", rig.configPath], env);
      expect(forced.code).toBe(0);
      expect(pids.some(isAlive)).toBe(false);
      expect(isAlive(d.pid!)).toBe(false);
    });
  });

  describeInTurn("one rig's services through its daemon's SIGKILL, SIGTERM and stop", () => {
    const env = { XDG_RUNTIME_DIR: "" };
    let rig: ReturnType<typeof makeRig>;
    let pids: number[] = [];
    let current: Awaited<ReturnType<typeof upDaemon>> | undefined;
    beforeAll(() => {
      rig = makeRig({ services: 3 });
    });

    it("SIGKILLed daemon: services keep running, a new daemon re-adopts them (same pids, no duplicate)", async () => {
      const first = await upDaemon(rig, env);
      pids = (await runningPids(first.c, 3)).sort((a, b) => a - b);
      // a service just spawned may still show its launcher's argv in /proc for a moment
      await waitFor(() => servicePids(rig.root).join() === pids.join(), { what: "the three services in /proc" });
      process.kill(first.d.pid!, "SIGKILL");
      await waitFor(() => !isAlive(first.d.pid!), { what: "daemon gone" });
      expect(pids.every(isAlive)).toBe(true);
      current = await upDaemon(rig, env);
      const again = (await runningPids(current.c, 3)).sort((a, b) => a - b);
      expect(again).toEqual(pids);
      const snap = await current.c.call("snapshot", {});
      expect(snap.services.every((v) => v.adopted)).toBe(true);
      // give a duplicate start every chance to show up, then count processes
      await new Promise((r) => setTimeout(r, 1500));
      expect(servicePids(rig.root)).toEqual(pids);
    });

    it("SIGTERM ends the daemon and leaves services running; daemon stop --stop-services stops them", async () => {
      const first = current ?? (await upDaemon(rig, env)); // (the daemon that re-adopted them above)
      if (!current) pids = (await runningPids(first.c, 3)).sort((a, b) => a - b);
      const events: DaemonEvent[] = [];
      first.c.subscribe((e) => events.push(e));
      await waitFor(() => events.some((e) => e.type === "snapshot"));
      process.kill(first.d.pid!, "SIGTERM");
      await waitFor(() => !isAlive(first.d.pid!), { what: "daemon exit", detail: first.log });
      expect(events.some((e) => e.type === "bye")).toBe(true);
      expect(pids.every(isAlive)).toBe(true);
      const second = await upDaemon(rig, env);
      expect((await runningPids(second.c, 3)).sort((a, b) => a - b)).toEqual(pids);
      const r = await within(30_000, "daemon stop --stop-services", runCliInProcess(["daemon", "stop", "--stop-services", "--config", rig.configPath], env), second.log);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("stopped");
      expect(pids.some(isAlive)).toBe(false);
      expect(isAlive(second.d.pid!)).toBe(false);
    });
  });
});
