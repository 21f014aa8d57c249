// A throw inside the control server's handling (here: opening the event stream) answers 500 with
// a message and is said in the daemon log; the request does not hang and nothing stays subscribed.
import { afterEach, describe, expect, it } from "vitest";
import { EventEmitter } from "node:events";
import http from "node:http";
import path from "node:path";
import { createControlServer, type ControlHandlers } from "../../src/daemon/control-server.js";
import type { Rig } from "../../src/core/rig.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  cleanupTempDirs();
});

function get(sock: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, path: p }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error("no answer in 5 s")));
    req.on("error", reject);
    req.end();
  });
}

async function serve(rig: Rig, log: string[]): Promise<string> {
  const { server } = createControlServer(rig, {} as ControlHandlers, { log: (l) => log.push(l) });
  const sock = path.join(tempDir("pd-cs-"), "d.sock");
  await new Promise<void>((r) => server.listen(sock, r));
  servers.push(server);
  return sock;
}

describe("control server: internal errors", () => {
  it("the event stream's watch throwing answers 500 with the message, logs it, leaves no listener", async () => {
    const rig = Object.assign(new EventEmitter(), {
      snapshot: () => ({ services: [] }),
      watch: () => {
        throw new Error("watch broke");
      },
    }) as unknown as Rig;
    const log: string[] = [];
    const r = await get(await serve(rig, log), "/v1/events");
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ error: { code: "failed", message: "internal error: watch broke" } });
    expect(log.join("\n")).toMatch(/error: GET \/v1\/events: Error: watch broke/);
    expect(rig.listenerCount("event")).toBe(0);
  });

  it("a snapshot that cannot be made answers 500 before any stream starts, and nothing is watched", async () => {
    let watching = 0;
    const rig = Object.assign(new EventEmitter(), {
      snapshot: () => {
        throw new Error("no snapshot");
      },
      watch: () => {
        watching++;
        return () => watching--;
      },
    }) as unknown as Rig;
    const log: string[] = [];
    const r = await get(await serve(rig, log), "/v1/events");
    expect(r.status).toBe(500);
    expect(r.body).toContain("internal error: no snapshot");
    expect(log).toHaveLength(1);
    expect(watching).toBe(0);
    expect(rig.listenerCount("event")).toBe(0);
  });

  it("a refusal the handler means (HttpError) is answered as it says and not logged as an error", async () => {
    const rig = Object.assign(new EventEmitter(), { snapshot: () => ({}), watch: () => () => undefined }) as unknown as Rig;
    const log: string[] = [];
    const r = await get(await serve(rig, log), "/v1/no-such-route");
    expect(r.status).toBe(404);
    expect(log).toEqual([]);
  });
});
