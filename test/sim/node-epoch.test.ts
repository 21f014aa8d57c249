// The simulated node's epoch on its network clock: the clock runs from the config's fixed genesis
// (a restart does not reset it), and a cycle gap drives the whole story as a real v1.7 node does:
// PoET proof → PROVING → post execution → ATX broadcast (short ids) → PoET registration for the next
// round → eligibilities and proposals in the target epoch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { spacemeshV1 } from "../../src/spacemesh-wire/spacemesh-proto.js";
import { NodeLogTracker } from "../../src/core/spacemesh/node-log-state.js";
import { assertBuilt, killAll, oneIdentityRig, sim, tmpDir, waitFor, CLIENT_OPTIONS } from "./sim-process.js";

beforeAll(assertBuilt);
// the tests run side by side (each has its own rig and ports; most of their time is the simulated
// clock), so their processes are ended after the file, not after each test
afterAll(killAll);

type Cb = (err: grpc.ServiceError | null, res: Record<string, unknown>) => void;

function call(svc: string, addr: string, method: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const c = new (spacemeshV1()[svc]!)(addr, grpc.credentials.createInsecure(), CLIENT_OPTIONS) as unknown as Record<string, (r: unknown, cb: Cb) => void>;
    c[method]!({}, (err, res) => {
      (c as unknown as grpc.Client).close();
      if (err) reject(err);
      else resolve(res);
    });
  });
}

/** 1 s layers, 6-layer epochs, the PoET round 5 s into each epoch, a 3 s gap before it. */
async function rig(genesisMs: number) {
  return oneIdentityRig({
    genesis: { "genesis-time": new Date(genesisMs).toISOString() },
    main: { "layer-duration": "1s", "layers-per-epoch": 6 },
    poet: { "phase-shift": "5s", "cycle-gap": "3s", "grace-period": "1s" },
  });
}

describe.concurrent("sim node: the network clock and a whole epoch", () => {
  it("counts layers from the config's genesis, across a restart", async () => {
    const r = await rig(Date.now() - 3_600_000);
    const args = ["node", "--data-folder", r.data, "--config", r.config];
    const n1 = sim(args);
    const layer = async () => Number(((await call("NodeService", `127.0.0.1:${r.pub}`, "Status"))["status"] as { topLayer: { number: number } }).topLayer.number);
    const first = await waitFor("status", () => layer().catch(() => null));
    expect(first).toBeGreaterThanOrEqual(3595);
    n1.child.kill("SIGTERM");
    expect(await n1.exit).toBe(0);
    sim(args);
    const again = await waitFor("status after restart", () => layer().catch(() => null));
    expect(again).toBeGreaterThanOrEqual(first);
    const info = await call("NodeService", `127.0.0.1:${r.pub}`, "NodeInfo");
    expect(info["epochSize"]).toBe(6);
  });

  it("runs the cycle: PoET proof, proof in the gap, ATX by short ids, PoET registration, eligibilities and a proposal", async () => {
    // epoch 0 began 2 s ago, epoch 1 starts 4 s from now and every 6 s after; epoch 0's gap opens now
    // (2 s into it) and lasts 3 s. The identity made its initial proof in an earlier run of the node
    // (its persisted state says so), so the open gap is its first proof: the ATX is published for
    // epoch 0 and its eligibilities and proposal come in epoch 1 (the proof has until epoch 2, 10 s
    // from now). The node looks at its PROVING identity every 500 ms instead of 2 s.
    const now = Date.now();
    const r = await rig(now - 2_000);
    fs.writeFileSync(path.join(r.data, "sim-node-state.json"), JSON.stringify({ initialDone: { [r.nodeId]: true } }));
    const node = sim(["node", "--data-folder", r.data, "--config", r.config, "--warn-interval", "1"], { env: { POSTDECK_SIM_NODE_QUERY_MS: "500" } });
    const events: Record<string, unknown>[] = [];
    await waitFor("node up", () => call("PostInfoService", `127.0.0.1:${r.post}`, "PostStates").catch(() => null));
    const admin = new (spacemeshV1()["AdminService"]!)(`127.0.0.1:${r.priv}`, grpc.credentials.createInsecure(), CLIENT_OPTIONS) as unknown as {
      EventsStream(req: unknown): grpc.ClientReadableStream<Record<string, unknown>>;
    } & grpc.Client;
    const stream = admin.EventsStream({});
    stream.on("data", (e) => events.push(e));
    stream.on("error", () => undefined);
    sim(["post-service", "--address", `http://127.0.0.1:${r.post}`, "--dir", r.pos, "--threads", "1", "--nonces", "16", "--reconnect-interval-s", "1"], {
      env: { POSTDECK_SIM_POW_MS: "100", POSTDECK_SIM_READ_S: "1" },
    });
    const kinds = () => events.map((e) => e["details"]);
    await waitFor("a proof in a cycle gap and its ATX", () => kinds().includes("bestProofSelected") && kinds().lastIndexOf("atxPublished") > kinds().indexOf("bestProofSelected"), 60_000);
    await waitFor("registered for the next round", () => kinds().includes("registeredInPoet"), 10_000);
    await waitFor("eligibilities in the target epoch", () => kinds().includes("eligibilities"), 40_000);
    await waitFor("a proposal", () => kinds().includes("proposal"), 40_000);
    stream.cancel();
    admin.close();

    const out = node.stdout();
    expect(out).toMatch(/^\S+\tINFO\tnode\tApp version: v1\.7\.6\. /);
    expect(out).toContain("\tINFO\tnode\tWelcome to Spacemesh. Spacemesh full node is starting...\n");
    const short = r.nodeId.slice(0, 6);
    expect(out).toMatch(new RegExp(`\\tINFO\\tnode\\.atxBuilder\\tbroadcasting ATX\\t\\{"atx_id": "[0-9a-f]{6}", "smesherID": "${short}"\\}\\n`));
    expect(out).toMatch(/\tINFO\tnode\.atxBuilder\tatx published\t\{"atx_id": "[0-9a-f]{6}", "size": \d+\}\n/);
    // postdeck's own reading of this log credits the ATX to the identity by its short id
    const t = new NodeLogTracker();
    t.ingest(out.trim().split("\n"), Date.now());
    expect(t.facts.events.get(short)?.map((e) => e.kind)).toEqual(expect.arrayContaining(["atx_broadcast", "atx_published"]));
    expect(t.facts.postRuns.filter((x) => x.kind === "finish").every((x) => x.durationMs !== null)).toBe(true);
  });
});

describe.concurrent("the demo's network keys in the node config", () => {
  it("adds the timing without losing other keys, keeps the genesis on a re-time, leaves a timed config alone", async () => {
    const { writeDemoNetwork } = await import("../../src/sim/node/network.js");
    const file = path.join(tmpDir(), "config.json");
    fs.writeFileSync(file, JSON.stringify({ main: { "data-folder": "/d" }, smeshing: { "smeshing-coinbase": "sm1q" } }));
    const write = (f: string, t: string) => fs.writeFileSync(f, t);
    const now = Date.parse("2025-01-01T00:00:00Z");
    writeDemoNetwork(file, null, write, now);
    const a = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(a.main).toEqual({ "data-folder": "/d", "layer-duration": "10s", "layers-per-epoch": 24 });
    expect(a.poet).toEqual({ "phase-shift": "2m0s", "cycle-gap": "1m0s", "grace-period": "10s" });
    expect(a.smeshing).toEqual({ "smeshing-coinbase": "sm1q" });
    // the first gap (a quarter epoch after genesis) opens a minute after the rig is made
    expect(Date.parse(a.genesis["genesis-time"]) + 60_000).toBe(now + 60_000);
    writeDemoNetwork(file, 8, write, now + 3_600_000);
    const b = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(b.genesis).toEqual(a.genesis);
    expect(b.main["layer-duration"]).toBe("20s");
    writeDemoNetwork(file, null, write, now + 7_200_000);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(b);
  });
});
