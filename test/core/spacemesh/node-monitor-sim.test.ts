// NodeMonitor against the demo rig's simulated node (`postdeck sim node`), a real process: addresses
// read from the node's JSON config, its stdout fed as the node log. Needs dist (npx tsc -p .).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import type { ResolvedConfig } from "../../../src/config/schema.js";
import { NodeMonitor } from "../../../src/core/spacemesh/node-monitor.js";
import { keyHex, serviceView } from "./rig-input.js";
import { freePort } from "../../sim/sim-process.js";
import { waitFor as poll } from "../../helpers/wait-for.js";
import { tempDir } from "../../helpers/temp-dir.js";

const waitFor = (cond: () => boolean, what: string, timeoutMs = 40_000) => poll(cond, { what, timeoutMs, intervalMs: 100 });

const ROOT = path.resolve(__dirname, "../../..");
const BIN = path.join(ROOT, "bin/postdeck.js");
const built = existsSync(path.join(ROOT, "dist/sim/node/main.js"));


describe.skipIf(!built)("NodeMonitor against the simulated node", () => {
  let dir = "";
  let node: ChildProcess | null = null;
  let postService: ChildProcess | null = null;
  let postPort = 0;
  let monitor: NodeMonitor | null = null;
  const k1 = keyHex();
  const k2 = keyHex();

  beforeAll(async () => {
    dir = tempDir("pd-simnode-");
    const ids = path.join(dir, "data", "identities");
    mkdirSync(ids, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(ids, "post1.key"), k1.hex, { mode: 0o600 });
    writeFileSync(path.join(ids, "post2.key"), k2.hex, { mode: 0o600 });
    // PoS data for post1 (tiny: 4 units of 16 labels); post2 has none
    const pos1 = path.join(dir, "pos1");
    mkdirSync(pos1);
    writeFileSync(
      path.join(pos1, "postdata_metadata.json"),
      JSON.stringify({ NodeId: Buffer.from(k1.nodeId, "hex").toString("base64"), CommitmentAtxId: Buffer.alloc(32, 1).toString("base64"), LabelsPerUnit: 16, NumUnits: 4, MaxFileSize: 512, Nonce: 3 }, null, "\t"),
    );
    writeFileSync(path.join(pos1, "postdata_0.bin"), Buffer.alloc(512));
    writeFileSync(path.join(pos1, "postdata_1.bin"), Buffer.alloc(512));
    const [pub, priv, post] = [await freePort(), await freePort(), await freePort()];
    postPort = post;
    const nodeJson = path.join(dir, "node.json");
    writeFileSync(
      nodeJson,
      JSON.stringify({
        smeshing: { "smeshing-start": false, "smeshing-coinbase": "sm1qqqq" },
        api: { "grpc-public-listener": `127.0.0.1:${pub}`, "grpc-private-listener": `127.0.0.1:${priv}`, "grpc-post-listener": `127.0.0.1:${post}` },
        post: { "post-labels-per-unit": 16 },
      }),
    );
    node = spawn(process.execPath, [BIN, "sim", "node", "--data-folder", path.join(dir, "data"), "--config", nodeJson, "--warn-interval", "1"], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const config: ResolvedConfig = {
      path: path.join(dir, "postdeck.yaml"),
      rig: "sim",
      demo: true,
      stateDir: path.join(dir, "state"),
      node: {
        dataFolder: path.join(dir, "data"),
        identitiesDir: ids,
        config: nodeJson,
        log: { file: null, command: ["sim", "node"], cwd: null, env: {} },
        grpc: { public: null, private: null, post: null }, // from the node's JSON config
      },
      postcli: null,
      services: [
        {
          name: "s1", dir: path.join(dir, "pos1"), operatorAddress: null, binary: "post-service", threads: 1, pinnedCores: null, nonces: 128,
          randomxMode: "fast", reconnectIntervalS: 1, maxRetries: null, extraArgs: [], env: {}, autostart: false,
          restart: { policy: "never", maxRestarts: 0, initialDelayMs: 500, maxDelayMs: 15000, resetAfterS: 30 }, stopGraceS: 1,
        },
      ],
      logs: { maxBytes: 1 << 20, keep: 1, ringLines: 100 },
    };
    monitor = new NodeMonitor({ config, pollMs: 300, slowPollMs: 1000, debounceMs: 20 });
    const m = monitor;
    readline.createInterface({ input: node.stdout! }).on("line", (l) => m.ingestNodeLog([l]));
    readline.createInterface({ input: node.stderr! }).on("line", (l) => m.ingestNodeLog([l]));
    await m.start();
  });

  afterAll(async () => {
    await monitor?.stop();
    for (const p of [postService]) {
      if (p?.pid && p.exitCode === null) {
        try {
          process.kill(-p.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
    if (node?.pid && node.exitCode === null) {
      try {
        process.kill(-node.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  });

  it("sees registration in the log, the node over gRPC, and what is missing", async () => {
    const m = monitor!;
    await waitFor(() => m.identities().every((i) => i.registered === "yes" && i.registeredAt !== null), "both identities registered in the log");
    await waitFor(() => m.node().reachable && m.node().version !== null, "node reachable over gRPC");
    await waitFor(() => m.identities().every((i) => i.postState !== null), "PostStates joined");
    expect(m.identities().map((i) => [i.keyFile, i.nodeId])).toEqual([
      ["post1.key", k1.nodeId],
      ["post2.key", k2.nodeId],
    ]);
    expect(m.node().startedAt).not.toBeNull();
    // the node waits for post-services nobody runs
    await waitFor(() => m.findings().filter((f) => f.id === "proving-service-down").length === 2, "proving-service-down for both");
    expect(m.findings().filter((f) => f.id === "key-without-service").map((f) => f.subject)).toEqual(["post2.key"]);
    // the private listener is polled slowly (every second here): its first poll may have come before the node was up
    await waitFor(() => m.node().sources.find((s) => s.name === "grpc-private")?.live === true, "private listener polled");
    const src = Object.fromEntries(m.node().sources.map((s) => [s.name, s.live]));
    expect(src).toMatchObject({ identities: true, "node-config": true, "node-log": true, "grpc-public": true, "grpc-private": true, "grpc-post": true });
  });

  it("a post-service connecting for post1 clears its finding; post2 still waits", async () => {
    const m = monitor!;
    const address = `http://127.0.0.1:${postPort}`;
    postService = spawn(process.execPath, [BIN, "sim", "post-service", "--dir", path.join(dir, "pos1"), "--address", address, "--threads", "1"], {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    readline.createInterface({ input: postService.stderr! }).on("line", (l) => m.ingestServiceLog("s1", [l]));
    m.setServices(
      [serviceView("s1", { dir: path.join(dir, "pos1"), pid: postService.pid!, startedAt: Date.now() - 1000, argv: ["--address", address] })],
      [{ name: "s1", dir: path.join(dir, "pos1"), operatorAddress: null }],
    );
    await waitFor(() => m.identities()[0]!.connected === true, "post1 connected");
    await waitFor(() => !m.findings().some((f) => f.id === "proving-service-down" && f.subject === "post1.key"), "post1 finding cleared");
    expect(m.findings().some((f) => f.id === "proving-service-down" && f.subject === "post2.key")).toBe(true);
    expect(m.identities()[0]).toMatchObject({ service: "s1", initState: "complete", units: 4 });
    expect(m.findings().some((f) => f.id === "post-listener-mismatch")).toBe(false);
  });

  it("when the node goes away, gRPC sources go dead and the identities stay", async () => {
    const m = monitor!;
    process.kill(-node!.pid!, "SIGTERM");
    await waitFor(() => !m.node().reachable, "node unreachable");
    await waitFor(() => m.node().sources.find((s) => s.name === "grpc-post")?.live === false, "post source dead");
    expect(m.identities()).toHaveLength(2);
    expect(m.identities().every((i) => i.postState === null)).toBe(true);
  });
});
