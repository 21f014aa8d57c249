// The event stream's type filter (`GET /v1/events?types=…`), the Fleet view's cheap refresh: the
// daemon sends only the types asked for (after the first snapshot); a client also drops the other
// types itself when a daemon of another version does not filter.
import { afterEach, describe, expect, it } from "vitest";
import { EventEmitter } from "node:events";
import http from "node:http";
import path from "node:path";
import { createControlServer, type ControlHandlers } from "../../src/daemon/control-server.js";
import type { Rig } from "../../src/core/rig.js";
import { SocketClient } from "../../src/client/socket-client.js";
import type { DaemonEvent } from "../../src/client/types.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  cleanupTempDirs();
});

async function listen(server: http.Server): Promise<string> {
  const sock = path.join(tempDir("pd-events-"), "d.sock");
  await new Promise<void>((r) => server.listen(sock, r));
  servers.push(server);
  return sock;
}

/** Reads an event stream's raw text until `until` shows in it. */
function readStream(sock: string, p: string, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, path: p }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
        if (text.includes(until)) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const events = (text: string) => [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1] ?? "");

describe("event stream filtered by type", () => {
  /** What a fresh daemon's stream at `p` carries when the rig sends one event of several types. */
  async function streamOf(p: string): Promise<string[]> {
    const emitter = new EventEmitter(); // the rig's "event" emitter, untyped: the test sends any shape
    const rig = Object.assign(emitter, { snapshot: () => ({ services: [] }), watch: () => () => undefined }) as unknown as Rig;
    const { server } = createControlServer(rig, {} as ControlHandlers);
    const text = readStream(await listen(server), p, `"last":true`);
    await waitFor(() => rig.listenerCount("event") === 1);
    for (const type of ["log", "hardware", "node", "findings"]) emitter.emit("event", { type, data: [] });
    emitter.emit("event", { type: "task", data: { last: true } });
    return events(await text);
  }

  it("the daemon sends the first snapshot, then only the types asked for (unknown names ignored)", async () => {
    expect(await streamOf("/v1/events?types=node,findings,task,no-such-type")).toEqual(["snapshot", "node", "findings", "task"]);
    expect(await streamOf("/v1/events")).toEqual(["snapshot", "log", "hardware", "node", "findings", "task"]);
  });

  it("a client asks with ?types= and drops other types a daemon that does not filter still sends", async () => {
    let asked = "";
    const server = http.createServer((req, res) => {
      asked = req.url ?? "";
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const [type, data] of [["snapshot", {}], ["log", []], ["hardware", {}], ["node", {}], ["bye", { reason: "stop" }]] as const)
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const client = new SocketClient(await listen(server), { validateEvents: false });
    const got: DaemonEvent["type"][] = [];
    const stop = client.subscribe((e) => got.push(e.type), undefined, { types: ["node"] });
    await waitFor(() => got.includes("bye"));
    stop();
    client.close();
    expect(asked).toBe("/v1/events?types=node");
    expect(got).toEqual(["snapshot", "node", "bye"]);
  });
});
