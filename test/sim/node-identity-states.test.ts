// The simulated smeshing service's SmeshingIdentitiesService.States (node-split): states recorded
// from the node's events, the request's filters, the answer over real gRPC as the daemon's client
// decodes it, and a plain node (go-spacemesh v1.7.6) answering UNIMPLEMENTED.
import { afterEach, describe, expect, it } from "vitest";
import type * as grpc from "@grpc/grpc-js";
import { EventBus } from "../../src/sim/node/events.js";
import { IdentityStates, statesOfEvent } from "../../src/sim/node/identity-states.js";
import { startGrpc, type NodeApi } from "../../src/sim/node/grpc.js";
import { readNodeConfig } from "../../src/sim/node/config.js";
import { parseNodeArgs } from "../../src/sim/node/args.js";
import type { Smesher } from "../../src/sim/node/smeshing.js";
import { NodeGrpc } from "../../src/core/spacemesh/node-grpc.js";

const A = Buffer.alloc(32, 0xaa);
const B = Buffer.alloc(32, 0xbb);
const servers: grpc.Server[] = [];
const clients: NodeGrpc[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) s.forceShutdown();
});

/** A proof round of one identity as the node emits it. */
function round(bus: EventBus, who: Buffer, ok = true): void {
  bus.emit("bestProofSelected", { url: "https://poet", roundId: "7", ticks: "1", smesher: who }, "");
  bus.emit("postStart", { challenge: Buffer.alloc(32), smesher: who }, "");
  bus.emit("postComplete", { challenge: Buffer.alloc(32), smesher: who }, ok ? "done" : "Node failed PoST execution.", !ok);
  if (ok) bus.emit("atxPublished", { current: 7, target: 8, id: Buffer.alloc(32, 0x1d), smesher: who }, "");
}

/** A smesher stand-in: the services around States only need these answers. */
const smesher = { layer: 40, layersPerEpoch: 10, smeshing: true, postStates: () => [], smesherIds: () => [], register: () => undefined } as unknown as Smesher;

async function serve(identityStates: IdentityStates | null, events = new EventBus()): Promise<string> {
  const api: NodeApi = { smesher, events, identities: [], supervised: false, config: readNodeConfig(null), smeshingStart: false, started: Date.now(), identityStates };
  const { servers: s, bound } = await startGrpc(api, { public: "127.0.0.1:0", private: "127.0.0.1:0", post: "127.0.0.1:0" });
  servers.push(...s);
  return bound.find((l) => l.kind === "private")!.address;
}

describe("sim smeshing service: SmeshingIdentitiesService.States", () => {
  it("records a state for each identity event, in the order of the round", () => {
    const bus = new EventBus();
    const states = new IdentityStates(bus);
    round(bus, A);
    round(bus, B, false);
    bus.emit("proofDownloadedFromPoet", { url: "https://poet", roundId: "7" }, ""); // names nobody: no state
    expect(states.query({}).map((s) => [s.smesher === A ? "A" : "B", s.state])).toEqual([
      ["A", "POET_PROOF_RECEIVED"],
      ["A", "GENERATING_POST_PROOF"],
      ["A", "POST_PROOF_READY"],
      ["A", "ATX_READY"],
      ["A", "ATX_BROADCASTED"],
      ["B", "POET_PROOF_RECEIVED"],
      ["B", "GENERATING_POST_PROOF"],
      ["B", "RETRYING"],
    ]);
    expect(statesOfEvent({ timestamp: {}, failure: false, help: "", registeredInPoet: { url: "https://poet", roundId: "8", smesher: A } })[0]).toMatchObject({
      state: "POET_REGISTERED",
      publishEpoch: 8,
      poetRegistered: { registrations: [{ address: "https://poet", roundId: "8" }] },
    });
  });

  it("filters by state and smesher, orders DESC and stops at the limit", () => {
    const bus = new EventBus();
    const states = new IdentityStates(bus);
    round(bus, A);
    round(bus, B);
    expect(states.query({ smeshers: [B], states: ["GENERATING_POST_PROOF", "ATX_BROADCASTED"] }).map((s) => s.state)).toEqual(["GENERATING_POST_PROOF", "ATX_BROADCASTED"]);
    expect(states.query({ order: "DESC", limit: "2" }).map((s) => [s.smesher === B, s.state])).toEqual([
      [true, "ATX_BROADCASTED"],
      [true, "ATX_READY"],
    ]);
    const t = Number(states.query({})[0]!.time.seconds);
    expect(states.query({ from: { seconds: String(t + 3600), nanos: 0 } })).toEqual([]);
    expect(states.query({ to: { seconds: String(t), nanos: 0 } })).toEqual([]);
  });

  it("answers over gRPC on the smeshing service's private listener, as the daemon's client decodes it", async () => {
    const bus = new EventBus();
    const states = new IdentityStates(bus);
    round(bus, A);
    const address = await serve(states);
    const client = new NodeGrpc({ public: null, private: address, post: null });
    clients.push(client);
    const got = await client.identityStates({ from: null, order: "DESC", limit: 3 });
    expect(got!.map((s) => [s.smesher, s.state])).toEqual([
      [A.toString("hex"), "ATX_BROADCASTED"],
      [A.toString("hex"), "ATX_READY"],
      [A.toString("hex"), "POST_PROOF_READY"],
    ]);
    expect(got![0]!.publishEpoch).toBe(7);
    expect((got![0]!.detail.atxId as Buffer).toString("hex")).toBe("1d".repeat(32));
    expect(Math.abs(got![0]!.at - Date.now())).toBeLessThan(60_000);
  });

  it("a plain node (v1.7.6) answers UNIMPLEMENTED: the client says no listener has it (null)", async () => {
    const address = await serve(null);
    const client = new NodeGrpc({ public: address, private: address, post: null });
    clients.push(client);
    expect(await client.identityStates({ from: null, order: "DESC", limit: 3 })).toBeNull();
  });

  it("`sim node smeshing` runs the smeshing service; any other word is still an unknown command", () => {
    const r = parseNodeArgs(["smeshing", "--data-folder", "/d"]);
    expect(r.ok && [r.args.command, r.args.dataFolder]).toEqual(["smeshing", "/d"]);
    expect(parseNodeArgs(["--data-folder", "/d"]).ok && parseNodeArgs([]).ok).toBe(true);
    expect(parseNodeArgs(["node"])).toEqual({ ok: false, error: 'unknown command "node" for "go-spacemesh"' });
    expect(parseNodeArgs(["--data-folder", "/d", "smeshing"]).ok).toBe(false);
  });
});
