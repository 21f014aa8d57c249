// The bridge (`postdeck bridge`, the far end of ssh): requests pass to the daemon's socket; with
// --read-only every route marked `mutates` is refused by the bridge itself — the daemon never sees
// it — also when sent after a read on the same stream.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { Duplex, PassThrough } from "node:stream";
import { runBridge } from "../../src/fleet/bridge.js";
import { SocketClient } from "../../src/client/socket-client.js";
import { DaemonCallError } from "../../src/client/errors.js";
import { ROUTES, VERSION_HEADER } from "../../src/protocol/routes.js";
import type { RouteKey } from "../../src/protocol/api.js";
import { version } from "../../src/version.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";

let socket = "";
let daemon: http.Server;
const seen: string[] = [];
let daemonVersion = version;

beforeAll(async () => {
  socket = path.join(tempDir("pd-bridge-"), "daemon.sock");
  daemon = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify({ ok: true, message: "done" });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), [VERSION_HEADER]: daemonVersion });
      res.end(body);
    });
  });
  await new Promise<void>((r) => daemon.listen(socket, r));
});
afterEach(() => {
  seen.splice(0);
  daemonVersion = version;
});
afterAll(async () => {
  await new Promise((r) => daemon.close(r));
  cleanupTempDirs();
});

/** A stream to a bridge running in this process (as ssh would give one to a remote bridge). */
function bridged(readOnly: boolean, sock = socket): { connect: () => net.Socket; label: string } {
  return {
    label: "test bridge",
    connect: () => {
      const toBridge = new PassThrough();
      const fromBridge = new PassThrough();
      void runBridge({ socket: sock, socketLabel: sock, readOnly, input: toBridge, output: fromBridge });
      const d = Duplex.from({ readable: fromBridge, writable: toBridge }) as Duplex & Record<string, unknown>;
      d.setTimeout = () => d;
      return d as unknown as net.Socket;
    },
  };
}

const keys = Object.keys(ROUTES) as RouteKey[];
const mutating = keys.filter((k) => "mutates" in ROUTES[k]);
const reading = keys.filter((k) => !("mutates" in ROUTES[k]));

describe("postdeck bridge", () => {
  it("marks the routes that change the rig, and not the reads", () => {
    expect(mutating).toEqual(
      expect.arrayContaining(["daemonStop", "identityAdd", "identityImport", "identityPermissions", "identityRename", "identityRetire", "identityRollback", "reload", "restart", "start", "stop", "taskCancel"]),
    );
    expect(reading).toEqual(expect.arrayContaining(["snapshot", "logs", "doctor", "providers", "identityTimeline", "plan"]));
    expect(mutating.filter((k) => ["snapshot", "logs", "doctor", "providers", "identityTimeline", "plan"].includes(k))).toEqual([]);
  });

  it("read-only: refuses each mutating route with 403 and a message, before the daemon sees it; read routes pass", async () => {
    const c = new SocketClient("test", { transport: bridged(true) });
    for (const k of mutating) {
      const err = await c.call(k, {}).then(() => null, (e: unknown) => e);
      expect(err, k).toBeInstanceOf(DaemonCallError);
      expect((err as DaemonCallError).status).toBe(403);
      expect((err as DaemonCallError).message).toContain(`read-only connection: ${k} (${ROUTES[k].method} ${ROUTES[k].path}) changes the rig and is refused`);
    }
    expect(seen).toEqual([]);
    for (const k of reading) await c.call(k, {});
    expect(seen).toEqual(reading.map((k) => `${ROUTES[k].method} ${ROUTES[k].path}`));
    c.close();
  });

  it("read-only: judges every request of a stream, not just the first", async () => {
    const toBridge = new PassThrough();
    const fromBridge = new PassThrough();
    const done = runBridge({ socket, socketLabel: socket, readOnly: true, input: toBridge, output: fromBridge });
    let out = "";
    fromBridge.on("data", (c: Buffer) => (out += c.toString()));
    toBridge.end(
      "GET /v1/doctor HTTP/1.1\r\nHost: x\r\n\r\n" +
        'POST /v1/services/stop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"all":true}' +
        "GET /v1/snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    await done;
    await new Promise((r) => setImmediate(r)); // the last chunk's data event
    expect(out.match(/HTTP\/1\.1 \d+/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 403", "HTTP/1.1 200"]);
    expect(seen).toEqual(["GET /v1/doctor", "GET /v1/snapshot"]);
  });

  it("without --read-only, mutating routes reach the daemon", async () => {
    const c = new SocketClient("test", { transport: bridged(false) });
    await c.call("stop", { names: ["post1"] });
    expect(seen).toEqual(["POST /v1/services/stop"]);
    c.close();
  });

  it("a daemon of another version is told apart by its header: its answers are checked against this client's schemas", async () => {
    daemonVersion = "0.0.1-other";
    const c = new SocketClient("test", { transport: bridged(true) });
    const err = (await c.call("snapshot", {}).catch((e: unknown) => e)) as DaemonCallError;
    expect(err).toBeInstanceOf(DaemonCallError);
    expect(err.message).toMatch(/the daemon's answer to \/v1\/snapshot does not match this client's protocol \(daemon of another version\?\)/);
    c.close();
  });

  it("no daemon on that host: 503 saying to start one there", async () => {
    const c = new SocketClient("test", { transport: bridged(true, path.join(path.dirname(socket), "none.sock")) });
    const err = (await c.call("snapshot", {}).catch((e: unknown) => e)) as DaemonCallError;
    expect(err).toBeInstanceOf(DaemonCallError);
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/^no postdeck daemon runs on .+ \(no answer on .+none\.sock\); start it there with `postdeck daemon start`$/);
    c.close();
  });
});
