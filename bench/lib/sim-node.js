// A node for bench rigs, so that the daemon measured does all it does on a real rig (and on the
// demo rig): the simulated go-spacemesh node (`postdeck sim node`) started on its own, writing its
// log to a file; postdeck's config then names the node's JSON config, the log file to follow, the
// three gRPC listeners and a postcli (the simulated one) for the GPU/provider list.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { POSTDECK_BIN } from "./children.js";
import { isAlive, sleep } from "./proc.js";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(addr) {
  const [host, port] = addr.split(":");
  return new Promise((resolve) => {
    const c = net.connect(Number(port), host);
    c.once("connect", () => (c.destroy(), resolve(true)));
    c.once("error", () => resolve(false));
  });
}

/**
 * The network clock of the bench's node, in its JSON config (genesis.genesis-time, main.layer-duration
 * and layers-per-epoch, poet.phase-shift, cycle-gap, grace-period) as the demo rig's node has, so
 * that postdeck's epoch clock is the node's own (without these keys postdeck assumes mainnet's timing,
 * whose layer disagrees with the simulated node's: a clock-skew finding whose text moved with each
 * poll). Layers of 5 minutes as a real network's (with the simulated node's 5-second default the
 * node's layer moved 12 times between two of postdeck's rest polls, and what postdeck recomputes
 * when a layer passes came 60 times as often as on a real rig), a 60-second cycle gap opening
 * `gapInMs` from `now`, epochs of twice that, genesis two epochs ago.
 */
export function benchNetwork(now, gapInMs) {
  const layerMs = 300_000;
  const gapMs = 60_000;
  const epochMs = Math.ceil((2 * gapInMs) / layerMs) * layerMs;
  const phaseShiftMs = epochMs / 2;
  // the gap of epoch 2 closes at genesis + 2 epochs + the phase shift = now + gapInMs + the gap
  const genesisMs = Math.floor((now + gapInMs + gapMs - phaseShiftMs - 2 * epochMs) / 1000) * 1000;
  const s = (ms) => `${Math.round(ms / 1000)}s`;
  return {
    genesis: { "genesis-time": new Date(genesisMs).toISOString().replace(/\.\d{3}Z$/, "Z") },
    main: { "layer-duration": s(layerMs), "layers-per-epoch": epochMs / layerMs },
    poet: { "phase-shift": s(phaseShiftMs), "cycle-gap": s(gapMs), "grace-period": s(gapMs / 4) },
  };
}

/**
 * Starts the simulated node for <dataFolder> (its identities/ is the rig's) under <root>/node and
 * waits for its public listener. Returns { config, stop } where config is the postdeck.yaml part:
 * { node: {...}, postcli: {...} }.
 */
export async function startSimNode(root, dataFolder, o = {}) {
  const dir = path.join(root, "node");
  mkdirSync(dir, { recursive: true });
  // A rig at rest: every identity already has its ATX (the node says IDLE, not PROVING for an
  // initial proof its post-service never sends: the bench child is no post-service), and no cycle
  // gap opens during a bench (`o.gapInS` seconds from now, default a day).
  const ids = path.join(dataFolder, "identities");
  const atxs = {};
  for (const f of existsSync(ids) ? readdirSync(ids).filter((x) => x.endsWith(".key")) : []) {
    const hex = readFileSync(path.join(ids, f), "utf8").trim();
    atxs[hex.slice(-64)] = { epoch: 1, atx: "00".repeat(32) };
  }
  writeFileSync(path.join(dataFolder, "sim-node-state.json"), JSON.stringify({ atxs }));
  const gapInS = o.gapInS ?? 86_400;
  const network = benchNetwork(Date.now(), Math.max(gapInS, 120) * 1000);
  const grpc = {
    public: `127.0.0.1:${await freePort()}`,
    private: `127.0.0.1:${await freePort()}`,
    post: `127.0.0.1:${await freePort()}`,
  };
  const nodeConfig = path.join(dir, "config.json");
  writeFileSync(
    nodeConfig,
    JSON.stringify({
      main: { "data-folder": dataFolder, ...network.main },
      genesis: network.genesis,
      poet: network.poet,
      smeshing: { "smeshing-start": false, "smeshing-coinbase": "sm1qqqqqqzzxmvx6wzd8r9vjj3fgqy0ks3pm4e7rzszmkx5g" },
      api: { "grpc-public-listener": grpc.public, "grpc-private-listener": grpc.private, "grpc-post-listener": grpc.post },
      logging: { "log-encoder": "console" },
    }),
  );
  const postcli = path.join(dir, "postcli");
  writeFileSync(postcli, `#!/bin/sh\nexec '${process.execPath}' '${POSTDECK_BIN}' sim postcli "$@"\n`, { mode: 0o755 });
  const logFile = path.join(dir, "node.log");
  const fd = openSync(logFile, "a");
  const child = spawn(process.execPath, [POSTDECK_BIN, "sim", "node", "--data-folder", dataFolder, "--config", nodeConfig], {
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  const pid = child.pid;
  child.unref();
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(grpc.public))) {
    if (!isAlive(pid)) throw new Error(`the simulated node exited at start; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`the simulated node did not listen on ${grpc.public} within 30 s; see ${logFile}`);
    await sleep(100);
  }
  return {
    pid,
    config: { node: { dataFolder, config: nodeConfig, log: { file: logFile }, grpc }, postcli: { binary: postcli } },
    async stop() {
      if (!isAlive(pid)) return;
      process.kill(-pid, "SIGTERM");
      for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
      if (isAlive(pid)) process.kill(-pid, "SIGKILL");
    },
  };
}
