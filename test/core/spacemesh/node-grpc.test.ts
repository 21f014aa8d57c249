import { afterEach, describe, expect, it } from "vitest";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1 } from "../../../src/spacemesh-wire/spacemesh-proto.js";
import { NodeGrpc, type NodeEvent } from "../../../src/core/spacemesh/node-grpc.js";
import { waitFor as poll } from "../../helpers/wait-for.js";

const ID1 = Buffer.alloc(32, 0xa1);
const ID2 = Buffer.alloc(32, 0xb2);
const ts = (s: number) => ({ seconds: String(s), nanos: 5_000_000 });

type Handlers = Record<string, Record<string, grpc.UntypedHandleCall>>;

async function startServer(handlers: Handlers): Promise<{ server: grpc.Server; address: string }> {
  const server = new grpc.Server();
  const pkg = spacemeshV1();
  for (const [svc, impl] of Object.entries(handlers)) server.addService(pkg[svc]!.service, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

const unary = (value: unknown) => (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, value);

const waitFor = (cond: () => boolean, timeoutMs = 20_000) => poll(cond, { timeoutMs, intervalMs: 25 });

const servers: grpc.Server[] = [];
const clients: NodeGrpc[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) s.forceShutdown();
});

describe("node gRPC client against an in-test server", () => {
  it("reads Status, Version, PostStates, SmesherIDs, PostConfig, Coinbase and Highest with ids as hex", async () => {
    const { server, address } = await startServer({
      NodeService: {
        Status: unary({ status: { connectedPeers: "12", isSynced: true, syncedLayer: { number: 100 }, topLayer: { number: 101 }, verifiedLayer: { number: 99 } } }),
        Version: unary({ versionString: { value: "v1.7.6" } }),
        Build: unary({}),
        StatusStream: () => undefined,
        NodeInfo: unary({ hrp: "sm", epochSize: 4032 }),
      },
      PostInfoService: {
        PostStates: unary({ states: [{ id: ID1, state: "PROVING", name: "post1.key" }, { id: ID2, state: "IDLE", name: "post2.key" }] }),
      },
      SmesherService: {
        IsSmeshing: unary({}),
        SmesherIDs: unary({ publicKeys: [ID1, ID2] }),
        Coinbase: unary({ accountId: { address: "sm1qqqq" } }),
        PostConfig: unary({ bitsPerLabel: 128, labelsPerUnit: "4294967296", minNumUnits: 4, maxNumUnits: 4294967295, k1: 26, k2: 37 }),
      },
      ActivationService: { Highest: unary({ atx: { id: { id: Buffer.alloc(32, 0x0c) } } }) },
    });
    servers.push(server);
    const c = new NodeGrpc({ public: address, private: address, post: address });
    clients.push(c);
    expect(await c.status()).toEqual({ peers: 12, synced: true, syncedLayer: 100, topLayer: 101, verifiedLayer: 99 });
    expect(await c.version()).toBe("v1.7.6");
    expect(await c.epochSize()).toBe(4032);
    expect(await c.postStates()).toEqual([
      { nodeId: "a1".repeat(32), state: "PROVING", name: "post1.key" },
      { nodeId: "b2".repeat(32), state: "IDLE", name: "post2.key" },
    ]);
    expect(await c.smesherIds()).toEqual(["a1".repeat(32), "b2".repeat(32)]);
    expect(await c.coinbase()).toBe("sm1qqqq");
    expect(await c.postConfig()).toEqual({ bitsPerLabel: 128, labelsPerUnit: 4294967296, minNumUnits: 4, maxNumUnits: 4294967295, k1: 26, k2: 37 });
    expect(await c.highest()).toBe("0c".repeat(32));
  });

  it("gives up on a call after its deadline and names the call and the address", async () => {
    const { server, address } = await startServer({
      NodeService: { Status: () => undefined, Version: unary({}), Build: unary({}), StatusStream: () => undefined, NodeInfo: unary({}) },
    });
    servers.push(server);
    const c = new NodeGrpc({ public: address, private: null, post: null }, { deadlineMs: 300 });
    clients.push(c);
    await expect(c.status()).rejects.toThrow(`NodeService.Status on ${address}: Deadline exceeded`);
    await expect(c.postStates()).rejects.toThrow("no address for the node's post gRPC listener");
  });

  it("an unreachable node is an error, not a hang", async () => {
    const { server, address } = await startServer({});
    servers.push(server);
    server.forceShutdown();
    const c = new NodeGrpc({ public: address, private: address, post: address }, { deadlineMs: 1000 });
    clients.push(c);
    await expect(c.smesherIds()).rejects.toThrow(/SmesherService\.SmesherIDs on 127\.0\.0\.1:\d+/);
  });

  it("a node that listens nowhere: each call fails as grpc-js's UNAVAILABLE naming the call and address, the events stream retries, and the gRPC library is not loaded until the node answers", async () => {
    // a port nobody listens on (taken and given back)
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, "127.0.0.1", r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const address = `127.0.0.1:${port}`;
    const c = new NodeGrpc({ public: address, private: address, post: address, states: [address] }, { deadlineMs: 1000, backoffMs: { initial: 50, max: 100 } });
    clients.push(c);
    const refused = `No connection established. Last error: Error: connect ECONNREFUSED ${address}`; // as grpc-js says it
    await expect(c.status()).rejects.toThrow(`NodeService.Status on ${address}: ${refused}`);
    await expect(c.postStates()).rejects.toThrow(`PostInfoService.PostStates on ${address}: ${refused}`);
    await expect(c.identityStates({ from: null, order: "DESC", limit: 10 })).rejects.toThrow(`SmeshingIdentitiesService.States on ${address}: ${refused}`);
    const statuses: { live: boolean; error: string | null }[] = [];
    c.followEvents(() => undefined, (s) => statuses.push(s));
    await waitFor(() => statuses.length >= 2); // tried again after its backoff
    expect(statuses[0]).toEqual({ live: false, error: `AdminService.EventsStream on ${address}: ${refused}` });
    expect(c.loaded()).toBe(false);

    // the node comes up on that port: answered, events followed
    const server = new grpc.Server();
    server.addService(spacemeshV1()["NodeService"]!.service, { Status: unary({ status: { connectedPeers: "3", isSynced: true, syncedLayer: { number: 9 }, topLayer: { number: 9 }, verifiedLayer: { number: 8 } } }) });
    server.addService(spacemeshV1()["AdminService"]!.service, { EventsStream: (call: grpc.ServerWritableStream<unknown, unknown>) => call.write({ timestamp: ts(100), postStart: { challenge: Buffer.alloc(32), smesher: ID1 } }) });
    await new Promise<number>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    servers.push(server);
    expect((await c.status()).peers).toBe(3);
    expect(c.loaded()).toBe(true);
    await waitFor(() => statuses[statuses.length - 1]!.live);
  });

  it("follows EventsStream across reconnects: replays and deprecated twins arrive once", async () => {
    let connections = 0;
    const replay = [
      { timestamp: ts(100), postStart: { challenge: Buffer.alloc(32), smesher: ID1 } },
      { timestamp: ts(200), poetWaitProof: { publish: 3, target: 4, smesher: ID1 } },
      { timestamp: ts(200), waitingForPoetRoundEnd: { publish: 3, target: 4, smesher: ID1 } },
      { timestamp: ts(300), failure: true, help: "Node failed PoST execution.", postComplete: { challenge: Buffer.alloc(0), smesher: ID2 } },
    ];
    const { server, address } = await startServer({
      AdminService: {
        EventsStream: (call: grpc.ServerWritableStream<unknown, unknown>) => {
          connections++;
          for (const e of replay) call.write(e);
          if (connections === 1) {
            call.end(); // the node went away: the client must reconnect and get the replay again
          } else {
            call.write({ timestamp: ts(400), atxPublished: { current: 3, target: 4, id: Buffer.alloc(32, 1), smesher: ID1 } });
          }
        },
      },
    });
    servers.push(server);
    const c = new NodeGrpc({ public: null, private: address, post: null }, { backoffMs: { initial: 50, max: 200 } });
    clients.push(c);
    const got: NodeEvent[] = [];
    const statuses: boolean[] = [];
    c.followEvents((e) => got.push(e), (s) => statuses.push(s.live));
    await waitFor(() => got.some((e) => e.kind === "atx_published"));
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(got.map((e) => [e.kind, e.at, e.smesher?.slice(0, 2), e.failure])).toEqual([
      ["post_start", 100_005, "a1", false],
      ["waiting_for_poet_round_end", 200_005, "a1", false],
      ["post_complete", 300_005, "b2", true],
      ["atx_published", 400_005, "a1", false],
    ]);
    expect(statuses).toContain(false);
    expect(statuses[statuses.length - 1]).toBe(true);
  });
});
