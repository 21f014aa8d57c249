// The node client's reconnects while the node is down or restarting: a listener that takes each
// connection and drops it at once (a node not serving yet) counts the client's attempts while the
// client polls PostStates as the daemon does; then the node serves on that port and is answered.
import { afterEach, describe, expect, it } from "vitest";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1 } from "../../../src/spacemesh-wire/spacemesh-proto.js";
import { NodeGrpc } from "../../../src/core/spacemesh/node-grpc.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

describe("node gRPC client reconnecting to a node that is down", () => {
  it("tries again within a fraction of a second, and is answered once the node serves", async () => {
    let attempts = 0;
    const dropper = net.createServer((sock) => {
      attempts++;
      sock.destroy();
    });
    await new Promise<void>((r) => dropper.listen(0, "127.0.0.1", r));
    closers.push(() => dropper.close());
    const port = (dropper.address() as net.AddressInfo).port;
    const address = `127.0.0.1:${port}`;
    const c = new NodeGrpc({ public: address, private: address, post: address }, { deadlineMs: 500 });
    closers.push(() => c.close());

    // poll as the daemon does (faster, so the poll is never what waits): grpc-js's own backoff (1 s,
    // then x1.6) makes at most 2 attempts in 1.5 s; 250 ms then x1.6 makes 4 (3 even with timers
    // ~0.7 s late on a busy machine)
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      await c.postStates().catch(() => undefined);
      await sleep(20);
    }
    expect(attempts).toBeGreaterThanOrEqual(3);

    // the node serves on the same port now
    await new Promise<void>((r) => dropper.close(() => r()));
    const server = new grpc.Server();
    server.addService(spacemeshV1()["PostInfoService"]!.service, {
      PostStates: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { states: [{ id: Buffer.alloc(32, 1), state: "PROVING", name: "post1.key" }] }),
    });
    await new Promise<number>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    closers.push(() => server.forceShutdown());
    let states: Awaited<ReturnType<NodeGrpc["postStates"]>> | null = null;
    for (let k = 0; k < 200 && !states; k++) {
      states = await c.postStates().catch(() => null);
      if (!states) await sleep(50);
    }
    expect(states?.[0]?.state).toBe("PROVING");
  }, 20_000);
});

describe("node gRPC events stream, stopped while it waits to reconnect", () => {
  it("leaves no reconnect timer behind (a daemon that drops a node, or a reload, keeps no retry loop to it)", async () => {
    const dropper = net.createServer((sock) => sock.destroy());
    await new Promise<void>((r) => dropper.listen(0, "127.0.0.1", r));
    closers.push(() => dropper.close());
    const address = `127.0.0.1:${(dropper.address() as net.AddressInfo).port}`;
    const pending = new Set<() => void>();
    const setTimer = (fn: () => void, ms: number): (() => void) => {
      const entry = (): void => {
        pending.delete(entry);
        fn();
      };
      const t = setTimeout(entry, ms);
      pending.add(entry);
      return () => {
        clearTimeout(t);
        pending.delete(entry);
      };
    };
    const c = new NodeGrpc({ public: address, private: address, post: address }, { deadlineMs: 500, backoffMs: { initial: 60_000, max: 60_000 }, setTimer });
    closers.push(() => c.close());
    const stop = c.followEvents(
      () => undefined,
      () => undefined,
    );
    // the stream fails at once (the listener drops it): a reconnect waits on its timer
    for (let k = 0; k < 400 && pending.size === 0; k++) await sleep(25);
    expect(pending.size).toBe(1);
    stop();
    expect(pending.size).toBe(0);
  }, 20_000);
});
