// The event stream's sample pace (`GET /v1/events?sampleMs=N`): a client that draws CPU/RSS and
// hardware samples no faster than N ms says so (the console: every 10 s), and the daemon hands that
// pace to the rig's watch (which samples at it: test/core/rig-sample-pace.test.ts).
import { afterEach, describe, expect, it } from "vitest";
import { EventEmitter } from "node:events";
import http from "node:http";
import path from "node:path";
import { createControlServer, type ControlHandlers } from "../../src/daemon/control-server.js";
import type { Rig } from "../../src/core/rig.js";
import { SocketClient } from "../../src/client/socket-client.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  cleanupTempDirs();
});

async function listen(server: http.Server): Promise<string> {
  const sock = path.join(tempDir("pd-pace-"), "d.sock");
  await new Promise<void>((r) => server.listen(sock, r));
  servers.push(server);
  return sock;
}

describe("event stream sample pace", () => {
  it("the daemon passes ?sampleMs= to the rig's watch (at most a minute; none or nonsense: no pace)", async () => {
    const asked: unknown[] = [];
    const rig = Object.assign(new EventEmitter(), {
      snapshot: () => ({ services: [] }),
      watch: (_types: unknown, o: unknown) => (asked.push(o), () => undefined),
    }) as unknown as Rig;
    const { server } = createControlServer(rig, {} as ControlHandlers);
    const sock = await listen(server);
    for (const q of ["?sampleMs=10000", "?types=node&sampleMs=10000", "?sampleMs=3600000", "", "?sampleMs=soon", "?sampleMs=0"]) {
      const n = asked.length;
      const req = http.get({ socketPath: sock, path: `/v1/events${q}` });
      req.on("error", () => undefined);
      await waitFor(() => asked.length > n, { what: `the watch of ${q}` });
      req.destroy();
    }
    expect(asked).toEqual([{ sampleMs: 10_000 }, { sampleMs: 10_000 }, { sampleMs: 60_000 }, { sampleMs: undefined }, { sampleMs: undefined }, { sampleMs: undefined }]);
  });

  it("a client asks with ?sampleMs= beside ?types=", async () => {
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      asked.push(req.url ?? "");
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`event: bye\ndata: ${JSON.stringify({ reason: "stop" })}\n\n`);
    });
    const sock = await listen(server);
    for (const o of [{ sampleMs: 10_000 }, { types: ["node" as const], sampleMs: 10_000 }, {}]) {
      const client = new SocketClient(sock, { validateEvents: false, reconnectMs: { min: 60_000, max: 60_000 } });
      const n = asked.length;
      const stop = client.subscribe(() => undefined, undefined, o);
      await waitFor(() => asked.length > n);
      stop();
      client.close();
    }
    expect(asked).toEqual(["/v1/events?sampleMs=10000", "/v1/events?types=node&sampleMs=10000", "/v1/events"]);
  });
});
