import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { ResolvedConfig } from "../../../src/config/schema.js";
import { spacemeshV1 } from "../../../src/spacemesh-wire/spacemesh-proto.js";
import { NodeMonitor } from "../../../src/core/spacemesh/node-monitor.js";
import { keyHex, serviceView } from "./rig-input.js";
import { writePosMetadata } from "../../helpers/pos-identity.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { waitFor as poll } from "../../helpers/wait-for.js";

const monitors: NodeMonitor[] = [];
const servers: grpc.Server[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.stop();
  for (const s of servers.splice(0)) s.forceShutdown();
});

const waitFor = (cond: () => boolean, what: string, timeoutMs = 30_000) => poll(cond, { what, timeoutMs });

/** A complete PoS dir for `nodeId`: 4 units of 16 labels, 2 files of 512 bytes, nonce found. */
function writePosDir(dir: string, nodeId: string): void {
  writePosMetadata(dir, nodeId, { CommitmentAtxId: Buffer.alloc(32, 1).toString("base64"), LabelsPerUnit: 16, MaxFileSize: 512, Nonce: 3 });
  writeFileSync(path.join(dir, "postdata_0.bin"), Buffer.alloc(512));
  writeFileSync(path.join(dir, "postdata_1.bin"), Buffer.alloc(512));
}

interface Rig {
  root: string;
  config: ResolvedConfig;
  k1: ReturnType<typeof keyHex>;
  k2: ReturnType<typeof keyHex>;
}

function makeRig(grpcAddr: { public: string | null; private: string | null; post: string | null }): Rig {
  const root = tempDir("pd-mon-");
  const ids = path.join(root, "data", "identities");
  mkdirSync(ids, { recursive: true, mode: 0o700 });
  chmodSync(ids, 0o700);
  const k1 = keyHex();
  const k2 = keyHex();
  writeFileSync(path.join(ids, "post1.key"), k1.hex, { mode: 0o600 });
  writeFileSync(path.join(ids, "post2.key"), k2.hex, { mode: 0o600 });
  writePosDir(path.join(root, "pos1"), k1.nodeId);
  writePosDir(path.join(root, "pos2"), k2.nodeId);
  const nodeJson = path.join(root, "node.json");
  writeFileSync(nodeJson, JSON.stringify({ smeshing: { "smeshing-start": false, "smeshing-coinbase": "sm1qqqq" }, api: { "grpc-post-listener": "127.0.0.1:9094" } }));
  const svc = (name: string, dir: string) => ({
    name, dir, operatorAddress: null, binary: "post-service", threads: 1, pinnedCores: null, nonces: 128,
    randomxMode: "fast" as const, reconnectIntervalS: 5, maxRetries: null, extraArgs: [], env: {}, autostart: true,
    restart: { policy: "on-failure" as const, maxRestarts: 10, initialDelayMs: 500, maxDelayMs: 15000, resetAfterS: 30 }, stopGraceS: 10,
  });
  const config: ResolvedConfig = {
    path: path.join(root, "postdeck.yaml"),
    rig: "test",
    demo: false,
    stateDir: path.join(root, "state"),
    node: {
      dataFolder: path.join(root, "data"),
      identitiesDir: ids,
      config: nodeJson,
      log: { file: path.join(root, "node.log"), command: null, cwd: null, env: {} },
      grpc: grpcAddr,
    },
    postcli: null,
    services: [svc("s1", path.join(root, "pos1")), svc("s2", path.join(root, "pos2"))],
    logs: { maxBytes: 1 << 20, keep: 1, ringLines: 100 },
  };
  return { root, config, k1, k2 };
}

function monitor(config: ResolvedConfig): NodeMonitor {
  const m = new NodeMonitor({ config, pollMs: 200, slowPollMs: 1000, debounceMs: 20 });
  monitors.push(m);
  return m;
}

async function fakeNode(states: () => { id: Buffer; state: string; name: string }[]): Promise<string> {
  const server = new grpc.Server();
  const pkg = spacemeshV1();
  const unary = (v: () => unknown) => (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, v());
  server.addService(pkg.NodeService!.service, {
    Status: unary(() => ({ status: { connectedPeers: "5", isSynced: true, syncedLayer: { number: 10 }, topLayer: { number: 4040 } } })),
    Version: unary(() => ({ versionString: { value: "v1.7.6" } })),
    Build: unary(() => ({})),
    StatusStream: () => undefined,
    NodeInfo: unary(() => ({ epochSize: 4032 })),
  });
  server.addService(pkg.PostInfoService!.service, { PostStates: unary(() => ({ states: states() })) });
  server.addService(pkg.SmesherService!.service, {
    IsSmeshing: unary(() => ({})),
    SmesherIDs: unary(() => ({ publicKeys: states().map((s) => s.id) })),
    Coinbase: unary(() => ({ accountId: { address: "sm1qqqq" } })),
    PostConfig: unary(() => ({ bitsPerLabel: 128, labelsPerUnit: "16", minNumUnits: 4, maxNumUnits: 100, k1: 26, k2: 37 })),
  });
  server.addService(pkg.AdminService!.service, { EventsStream: () => undefined });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  servers.push(server);
  return `127.0.0.1:${port}`;
}

/** A port nothing listens on. */
async function deadAddress(): Promise<string> {
  const server = new grpc.Server();
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  server.forceShutdown();
  return `127.0.0.1:${port}`;
}

describe("NodeMonitor", () => {
  it("with the node unreachable, still joins identities from files and reports the dead sources", async () => {
    const dead = await deadAddress();
    const rig = makeRig({ public: dead, private: dead, post: dead });
    chmodSync(path.join(rig.config.node.identitiesDir, "post2.key"), 0o644);
    const m = monitor(rig.config);
    await m.start();
    await waitFor(() => m.node().sources.find((s) => s.name === "grpc-public")?.error != null, "gRPC error reported");
    await m.refresh();
    const ids = m.identities();
    expect(ids.map((i) => [i.keyFile, i.nodeId, i.service, i.initState, i.units])).toEqual([
      ["post1.key", rig.k1.nodeId, "s1", "complete", 4],
      ["post2.key", rig.k2.nodeId, "s2", "complete", 4],
    ]);
    expect(m.findings().map((f) => [f.id, f.subject])).toContainEqual(["key-permissions", "post2.key"]);
    const src = Object.fromEntries(m.node().sources.map((s) => [s.name, s]));
    expect(src.identities!.live).toBe(true);
    expect(src["pos-data"]!.live).toBe(true);
    expect(src["node-config"]!.live).toBe(true);
    expect(src["grpc-public"]!.live).toBe(false);
    expect(src["grpc-public"]!.error).toContain(`NodeService.Status on ${dead}`);
    expect(src["grpc-post"]!.live).toBe(false);
    expect(m.node().reachable).toBe(false);
  });

  it("joins PostStates from the node, and finds and clears `PROVING with the service stopped`", async () => {
    let state = "PROVING";
    let rig: Rig | null = null;
    const addr = await fakeNode(() =>
      rig
        ? [
            { id: Buffer.from(rig.k1.nodeId, "hex"), state, name: "post1.key" },
            { id: Buffer.from(rig.k2.nodeId, "hex"), state: "IDLE", name: "post2.key" },
          ]
        : [],
    );
    rig = makeRig({ public: addr, private: addr, post: addr });
    const m = monitor(rig.config);
    m.setServices(
      [serviceView("s1", { state: "stopped", dir: path.join(rig.root, "pos1") }), serviceView("s2", { dir: path.join(rig.root, "pos2") })],
      rig.config.services.map((s) => ({ name: s.name, dir: s.dir, operatorAddress: null })),
    );
    await m.start();
    await waitFor(() => m.findings().some((f) => f.id === "proving-service-down"), "proving-service-down");
    expect(m.identities()[0]).toMatchObject({ postState: "PROVING", registered: "yes", connected: false });
    await waitFor(() => m.node().version !== null && m.node().epoch !== null, "version and epoch");
    expect(m.node()).toMatchObject({ reachable: true, synced: true, peers: 5, version: "v1.7.6", epoch: 1 });
    // the service starts and connects: its view alone is handed on (the other's stays)
    expect(m.setService(serviceView("s1", { dir: path.join(rig.root, "pos1"), startedAt: 1 }))).toBe(true);
    // one it does not know, or on another dir: not taken (the caller hands on the whole list then)
    expect(m.setService(serviceView("s9", { dir: path.join(rig.root, "pos1") }))).toBe(false);
    expect(m.setService(serviceView("s2", { dir: path.join(rig.root, "elsewhere") }))).toBe(false);
    m.ingestServiceLog("s1", [`[${new Date().toISOString().slice(0, 19)}Z INFO  post_service::client] obtained metadata: PostMetadata { }`]);
    await waitFor(() => !m.findings().some((f) => f.id === "proving-service-down"), "finding cleared");
    expect(m.identities()[0]!.connected).toBe(true);
    state = "IDLE";
    await waitFor(() => m.identities()[0]!.postState === "IDLE", "IDLE");
  });

  it("with the identities dir missing, the other sources keep working", async () => {
    const addr = await fakeNode(() => []);
    const rig = makeRig({ public: addr, private: addr, post: addr });
    rmSync(rig.config.node.identitiesDir, { recursive: true });
    const m = monitor(rig.config);
    await m.start();
    await waitFor(() => m.node().reachable, "node reachable");
    const src = Object.fromEntries(m.node().sources.map((s) => [s.name, s]));
    expect(src.identities).toMatchObject({ live: false, error: `${rig.config.node.identitiesDir} does not exist` });
    expect(src["grpc-public"]!.live).toBe(true);
    expect(m.identities()).toEqual([]);
    // the services' PoS data has no key now
    expect(m.findings().filter((f) => f.id === "pos-without-key").map((f) => f.subject)).toEqual(["s1", "s2"]);
  });

  it("with the node config unreadable, addresses come from postdeck's config and files still join", async () => {
    const addr = await fakeNode(() => []);
    const rig = makeRig({ public: addr, private: addr, post: addr });
    writeFileSync(rig.config.node.config!, "{ not json");
    const m = monitor(rig.config);
    await m.start();
    await waitFor(() => m.node().reachable, "node reachable");
    expect(m.findings().map((f) => f.id)).toContain("node-config-problem");
    expect(m.identities()).toHaveLength(2);
  });

  it("reads registration from fed node-log lines, and sees a key added while running (restart needed)", async () => {
    const dead = await deadAddress();
    const rig = makeRig({ public: dead, private: dead, post: dead });
    const m = monitor(rig.config);
    const seen: string[] = [];
    m.on("identities", () => seen.push("identities"));
    await m.start();
    // the node starts after the key files were written (their ctime is now)
    const t0 = Date.now() + 300;
    const zt = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000");
    m.ingestNodeLog([
      `${zt(t0)}\tINFO\tnode\tLoaded existing identity\t{"filename": "post1.key", "public_key": "${rig.k1.nodeId.slice(0, 5)}", "name": ""}`,
      `${zt(t0 + 1)}\tINFO\tnode.proposalBuilder\tregistered signing key\t{"id": "${rig.k2.nodeId.slice(0, 6)}"}`,
      `${zt(t0 + 2)}\tINFO\tnode.atxBuilder\tregistered signing key\t{"id": "${rig.k1.nodeId.slice(0, 6)}"}`,
    ]);
    await waitFor(() => m.identities()[0]?.registered === "yes", "post1 registered");
    expect(m.identities()[0]!.registeredAt).toBe(new Date(zt(t0 + 2).replace("+0000", "Z")).getTime());
    expect(m.node().startedAt).toBe(new Date(zt(t0).replace("+0000", "Z")).getTime());
    // post2.key was there before the start: registration still pending (not from proposalBuilder)
    expect(m.identities()[1]!.registered).toBe("not-yet");
    // a new key appears after the node's start
    await waitFor(() => Date.now() > t0 + 100, "clock past the node start");
    const k3 = keyHex();
    writeFileSync(path.join(rig.config.node.identitiesDir, "post3.key"), k3.hex, { mode: 0o600 });
    await waitFor(() => m.identities().some((i) => i.keyFile === "post3.key"), "post3.key seen");
    expect(m.identities().find((i) => i.keyFile === "post3.key")!.registered).toBe("restart-needed");
    expect(m.findings().find((f) => f.id === "node-restart-needed")?.subject).toBe("post3.key");
    // emitted on change only
    const n = seen.length;
    m.recompute();
    m.recompute();
    expect(seen.length).toBe(n);
  });

  it("the watcher (not the periodic rescan) sees a permission change, a removal and new PoS metadata", async () => {
    const dead = await deadAddress();
    const rig = makeRig({ public: dead, private: dead, post: dead });
    const m = new NodeMonitor({ config: rig.config, pollMs: 60_000, slowPollMs: 600_000, debounceMs: 20 });
    monitors.push(m);
    await m.start();
    expect(m.findings().map((f) => f.id)).not.toContain("key-permissions");
    const key2 = path.join(rig.config.node.identitiesDir, "post2.key");
    chmodSync(key2, 0o640);
    await waitFor(() => m.findings().some((f) => f.id === "key-permissions" && f.subject === "post2.key"), "key-permissions after chmod");
    chmodSync(key2, 0o600);
    await waitFor(() => !m.findings().some((f) => f.id === "key-permissions"), "key-permissions cleared after chmod 600");
    rmSync(key2);
    await waitFor(() => m.identities().length === 1, "post2.key gone");
    // s2's PoS data now belongs to no key; rewriting its metadata for post1's id makes it a duplicate service
    expect(m.findings().find((f) => f.id === "pos-without-key")?.subject).toBe("s2");
    writePosDir(path.join(rig.root, "pos2"), rig.k1.nodeId);
    await waitFor(() => m.findings().some((f) => f.id === "duplicate-service"), "metadata change seen");
  });
});


describe("NodeMonitor: the epoch clock and the identity timeline", () => {
  it("publishes the clock from the node config, says when the node's layer disagrees, and clears it when the config is right", async () => {
    const addr = await fakeNode(() => []);
    const rig = makeRig({ public: addr, private: addr, post: addr });
    const m = monitor(rig.config);
    await m.start();
    await waitFor(() => m.node().clock?.nodeLayer === 4040, "clock with the node's layer");
    expect(m.node().clock!.source).toBe("mainnet-fallback");
    expect(m.node().clock!.notes[0]).toContain("does not set genesis.genesis-time");
    expect(m.findings().map((f) => f.id)).toContain("clock-skew");
    // the node's real timing: 4040 layers of 1 s since genesis
    const genesis = new Date(Date.now() - 4040 * 1000 - 500).toISOString();
    writeFileSync(
      rig.config.node.config!,
      JSON.stringify({
        smeshing: { "smeshing-start": false, "smeshing-coinbase": "sm1qqqq" },
        api: { "grpc-post-listener": "127.0.0.1:9094" },
        genesis: { "genesis-time": genesis },
        main: { "layer-duration": "1s", "layers-per-epoch": 4032 },
        poet: { "phase-shift": "10m", "cycle-gap": "2m", "grace-period": "10s" },
      }),
    );
    await m.refresh();
    expect(m.node().clock).toMatchObject({ source: "node-config", layerMs: 1000, cycleGapMs: 120_000, notes: [] });
    expect(Math.abs(m.node().clock!.skewLayers!)).toBeLessThanOrEqual(2);
    expect(m.findings().map((f) => f.id)).not.toContain("clock-skew");
  });

  it("keeps an identity's steps in the state dir: a new monitor (a daemon restart) shows the same timeline", async () => {
    const dead = await deadAddress();
    const rig = makeRig({ public: dead, private: dead, post: dead });
    const opts = { config: rig.config, pollMs: 200, slowPollMs: 1000, debounceMs: 20, historyDir: rig.config.stateDir, watch: false };
    const m1 = new NodeMonitor(opts);
    monitors.push(m1);
    await m1.start();
    const short = rig.k1.nodeId.slice(0, 6);
    const t = new Date(Date.now() - 60_000).toISOString().replace("Z", "+0000");
    m1.ingestNodeLog([`${t}\tINFO\tnode.atxBuilder\tbroadcasting ATX\t{"atx_id": "f00d01", "smesherID": "${short}"}`]);
    await m1.refresh();
    expect(m1.timeline("post1")!.epochs.flatMap((e) => e.steps).map((s) => [s.kind, s.source])).toEqual([["atx-broadcast", "log"]]);
    expect(m1.timeline("s1")!.keyFile).toBe("post1.key");
    expect(m1.timeline("nobody")).toBeNull();
    await m1.stop();
    const m2 = new NodeMonitor(opts);
    monitors.push(m2);
    await m2.start();
    await m2.refresh();
    expect(m2.timeline("post1.key")!.epochs.flatMap((e) => e.steps).map((s) => s.kind)).toEqual(["atx-broadcast"]);
  });
});
