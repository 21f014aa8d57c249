// The daemon's use of SmeshingIdentitiesService.States (node-split): with a smeshing service that
// answers it, an identity's timeline, PoST state and registration come from its states even when
// the node log and the event stream say nothing; a node answering UNIMPLEMENTED (v1.7.6) leaves
// the log/event-derived timeline as it was, and is asked again only now and then.
import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type * as grpc from "@grpc/grpc-js";
import type { ResolvedConfig } from "../../../src/config/schema.js";
import { NodeMonitor } from "../../../src/core/spacemesh/node-monitor.js";
import { NodeGrpc, type NodeGrpcAddresses } from "../../../src/core/spacemesh/node-grpc.js";
import { IdentityStatesTracker, STATES_PROBE_MS, STATES_RETRY_MS, statesAddresses, type IdentityStateInfo } from "../../../src/core/spacemesh/node-grpc-states.js";
import { stepsFromIdentityStates } from "../../../src/core/history/state-steps.js";
import { EventBus } from "../../../src/sim/node/events.js";
import { IdentityStates } from "../../../src/sim/node/identity-states.js";
import { startGrpc } from "../../../src/sim/node/grpc.js";
import { readNodeConfig } from "../../../src/sim/node/config.js";
import type { Smesher } from "../../../src/sim/node/smeshing.js";
import { keyHex } from "./rig-input.js";
import { writePosMetadata } from "../../helpers/pos-identity.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { waitFor } from "../../helpers/wait-for.js";

const servers: grpc.Server[] = [];
const monitors: NodeMonitor[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.stop();
  for (const s of servers.splice(0)) s.forceShutdown();
});

const smesher = { layer: 40, layersPerEpoch: 4032, smeshing: true, postStates: () => [], smesherIds: () => [], register: () => undefined } as unknown as Smesher;

/** The simulator's gRPC listeners, all on one port; `states` makes it a smeshing service. */
async function simNode(events: EventBus, states: IdentityStates | null): Promise<string> {
  const api = { smesher, events, identities: [], supervised: false, config: readNodeConfig(null), smeshingStart: false, started: Date.now() - 10_000, identityStates: states };
  const { servers: s, bound } = await startGrpc(api, { public: "127.0.0.1:0", private: "127.0.0.1:0", post: "127.0.0.1:0" });
  servers.push(...s);
  const at = (k: string) => bound.find((l) => l.kind === k)!.address;
  return JSON.stringify({ public: at("public"), private: at("private"), post: at("post") });
}

function rig(addresses: string): { config: ResolvedConfig; nodeId: string } {
  const root = tempDir("pd-states-");
  const ids = path.join(root, "data", "identities");
  mkdirSync(ids, { recursive: true });
  chmodSync(ids, 0o700);
  const k = keyHex();
  writeFileSync(path.join(ids, "post1.key"), k.hex, { mode: 0o600 });
  writePosMetadata(path.join(root, "pos1"), k.nodeId);
  const svc = {
    name: "s1", dir: path.join(root, "pos1"), operatorAddress: null, binary: "post-service", threads: 1, pinnedCores: null, nonces: 128,
    randomxMode: "fast" as const, reconnectIntervalS: 5, maxRetries: null, extraArgs: [], env: {}, autostart: true,
    restart: { policy: "on-failure" as const, maxRestarts: 10, initialDelayMs: 500, maxDelayMs: 15000, resetAfterS: 30 }, stopGraceS: 10,
  };
  const config: ResolvedConfig = {
    path: path.join(root, "postdeck.yaml"),
    rig: "split",
    demo: false,
    stateDir: path.join(root, "state"),
    node: { dataFolder: path.join(root, "data"), identitiesDir: ids, config: null, log: { file: null, command: null, cwd: null, env: {} }, grpc: JSON.parse(addresses) as ResolvedConfig["node"]["grpc"] },
    postcli: null,
    services: [svc],
    logs: { maxBytes: 1 << 20, keep: 1, ringLines: 100 },
  };
  return { config, nodeId: k.nodeId };
}

function start(config: ResolvedConfig, factory?: (a: NodeGrpcAddresses) => NodeGrpc): NodeMonitor {
  const m = new NodeMonitor({ config, pollMs: 100, slowPollMs: 60_000, debounceMs: 10, watch: false, ...(factory ? { grpcFactory: factory } : {}) });
  monitors.push(m);
  void m.start();
  return m;
}

const steps = (m: NodeMonitor) => m.timeline("post1")?.epochs.flatMap((e) => e.steps).map((s) => [s.kind, s.source]) ?? [];

describe("daemon: SmeshingIdentitiesService.States in the identity timeline", () => {
  it("a smeshing service that answers States: the timeline, PoST state and registration come from it when logs and events say nothing", async () => {
    const states = new EventBus(); // what the smeshing service records; its event stream stays silent
    const tracker = new IdentityStates(states);
    const r = rig(await simNode(new EventBus(), tracker));
    const id = Buffer.from(r.nodeId, "hex");
    states.emit("bestProofSelected", { url: "https://poet", roundId: "3", smesher: id }, "");
    states.emit("postStart", { challenge: Buffer.alloc(32), smesher: id }, "");
    const m = start(r.config);
    await waitFor(() => m.identities()[0]?.postState === "PROVING", { what: "PROVING from GENERATING_POST_PROOF", timeoutMs: 20_000 });
    expect(m.identities()[0]!.registered).toBe("yes");
    expect(steps(m)).toEqual([
      ["poet-proof", "grpc"],
      ["post-start", "grpc"],
    ]);
    states.emit("postComplete", { challenge: Buffer.alloc(32), smesher: id }, "done");
    states.emit("atxPublished", { current: 3, target: 4, id: Buffer.alloc(32, 9), smesher: id }, "");
    await waitFor(() => m.identities()[0]?.postState === "IDLE" && steps(m).length === 4, { what: "the proof's end from States", timeoutMs: 20_000 });
    expect(steps(m).map((s) => s[0])).toEqual(["poet-proof", "post-start", "post-finish", "atx-broadcast"]);
  });

  it("a node that answers UNIMPLEMENTED: the timeline is the event stream's (the fallback), and States is asked again only after a while", async () => {
    const events = new EventBus();
    const r = rig(await simNode(events, null));
    const id = Buffer.from(r.nodeId, "hex");
    let asked = 0;
    const m = start(r.config, (a) => {
      const g = new NodeGrpc(a);
      const ask = g.identityStates.bind(g);
      g.identityStates = (q) => (asked++, ask(q));
      return g;
    });
    events.emit("postStart", { challenge: Buffer.alloc(32), smesher: id }, "Node started PoST execution using the challenge from PoET.");
    await waitFor(() => steps(m).length === 1, { what: "the event stream's step", timeoutMs: 20_000 });
    expect(steps(m)).toEqual([["post-start", "event"]]);
    expect(m.identities()[0]!.postState).toBeNull(); // PostStates lists nobody; no States to say PROVING
    await new Promise((res) => setTimeout(res, 500)); // ~5 fast polls
    expect(asked).toBe(1);
  });

  it("the tracker: forward pages from the newest state, UNIMPLEMENTED remembered for STATES_PROBE_MS, errors leave the states", async () => {
    const t = new IdentityStatesTracker();
    const st = (state: IdentityStateInfo["state"], at: number): IdentityStateInfo => ({ smesher: "aa".repeat(32), state, publishEpoch: null, at, detail: {} });
    const queries: unknown[] = [];
    let answer: IdentityStateInfo[] | null | Error = [st("GENERATING_POST_PROOF", 1000)];
    const client = {
      identityStates: (q: unknown) => (queries.push(q), answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)),
    } as unknown as NodeGrpc;
    expect(await t.poll(client, 0)).toBe(true);
    answer = [st("GENERATING_POST_PROOF", 1000), st("POST_PROOF_READY", 5000)];
    expect(await t.poll(client, 100)).toBe(true);
    expect(await t.poll(client, 200)).toBe(false); // nothing new
    expect(queries).toEqual([
      { from: null, order: "DESC", limit: 1000 },
      { from: 1000, order: "ASC", limit: 1000 },
      { from: 5000, order: "ASC", limit: 1000 },
    ]);
    expect(t.latest()).toEqual({ ["aa".repeat(32)]: "POST_PROOF_READY" });
    answer = new Error("unreachable");
    expect(await t.poll(client, 300)).toBe(false);
    expect([t.available, t.error, t.forIdentity("aa".repeat(32)).length]).toEqual([true, "unreachable", 2]);
    answer = null;
    expect(await t.poll(client, 400)).toBe(true);
    expect(queries).toHaveLength(5);
    // a node that never answered: after an error it is asked again soon, after UNIMPLEMENTED rarely
    const u = new IdentityStatesTracker();
    answer = new Error("deadline");
    await u.poll(client, 0);
    expect(await u.poll(client, STATES_RETRY_MS - 1)).toBe(false);
    answer = null;
    expect(await u.poll(client, STATES_RETRY_MS)).toBe(true);
    expect(u.available).toBe(false);
    expect(queries).toHaveLength(7);
    queries.splice(5);
    expect([t.available, t.forIdentity("aa".repeat(32)).length]).toEqual([false, 0]);
    expect(await t.poll(client, 400 + STATES_PROBE_MS - 1)).toBe(false);
    expect(queries).toHaveLength(5);
    await t.poll(client, 400 + STATES_PROBE_MS);
    expect(queries).toHaveLength(6);
  });

  it("states → steps: a proof's duration from GENERATING_POST_PROOF to POST_PROOF_READY; a retry during a proof is the proof failing", () => {
    const st = (state: IdentityStateInfo["state"], at: number, detail: Record<string, unknown> = {}): IdentityStateInfo => ({ smesher: "aa".repeat(32), state, publishEpoch: 5, at, detail });
    const out = stepsFromIdentityStates(
      [
        st("WAITING_FOR_POET_REGISTRATION_WINDOW", 500),
        st("POET_REGISTERED", 1000, { registrations: [{ roundId: "5", address: "https://poet" }] }),
        st("GENERATING_POST_PROOF", 2000),
        st("RETRYING", 3000, { message: "post service not connected" }),
        st("GENERATING_POST_PROOF", 4000),
        st("POST_PROOF_READY", 9000),
        st("RETRYING", 9500, { message: "publish failed" }),
      ],
      null,
    );
    expect(out.map((s) => [s.kind, s.ok, s.durationMs, s.text])).toEqual([
      ["poet-registered", true, null, "round 5 at https://poet (publish epoch 5)"],
      ["post-start", true, null, "smeshing service: generating the PoST proof"],
      ["post-failed", false, null, "retrying: post service not connected"],
      ["post-start", true, null, "smeshing service: generating the PoST proof"],
      ["post-finish", true, 5000, "smeshing service: PoST proof ready"],
      ["atx-failed", false, null, "retrying: publish failed"],
    ]);
  });

  it("where States is asked: the node's listeners, then those of the config postdeck's addresses override (the smeshing service's)", () => {
    expect(statesAddresses({ private: "127.0.0.1:9093", public: "127.0.0.1:9092" }, { private: "127.0.0.1:9193", public: "127.0.0.1:9093" })).toEqual(["127.0.0.1:9093", "127.0.0.1:9092", "127.0.0.1:9193"]);
  });
});
