// Builders for join/findings inputs: a healthy two-identity rig that tests then break one way at a time.
import { randomBytes } from "node:crypto";
import type { ServiceView } from "../../../src/protocol/model.js";
import { checkKeyContent, publicKeyOfSeed } from "../../../src/core/spacemesh/key-file.js";
import type { KeyInput, PosDirInput } from "../../../src/core/spacemesh/join.js";
import type { FindingsInput } from "../../../src/core/spacemesh/findings.js";
import { emptyNodeLogFacts } from "../../../src/core/spacemesh/node-log-state.js";
import { emptyServiceLogFacts } from "../../../src/core/spacemesh/service-log-state.js";
import type { PosMetadata } from "../../../src/core/spacemesh/pos-metadata.js";

export function keyHex(): { hex: string; nodeId: string } {
  const seed = randomBytes(32);
  const pub = publicKeyOfSeed(seed);
  return { hex: Buffer.concat([seed, pub]).toString("hex"), nodeId: pub.toString("hex") };
}

export function keyInput(name: string, content: string, opts: Partial<KeyInput> = {}): KeyInput {
  return {
    name,
    path: `/data/identities/${name}`,
    mode: 0o600,
    mtimeMs: 1000,
    check: checkKeyContent(name, Buffer.from(content)),
    appearedAt: 1000,
    ...opts,
  };
}

export function meta(nodeId: string, extra: Partial<PosMetadata> = {}): PosMetadata {
  return {
    nodeId,
    commitmentAtxId: "00".repeat(32),
    labelsPerUnit: 4294967296,
    numUnits: 4,
    maxFileSize: 4294967296,
    nonce: 7,
    nonceValue: null,
    lastPosition: null,
    ...extra,
  };
}

export function posDir(service: string, nodeId: string): PosDirInput {
  const m = meta(nodeId);
  const total = m.numUnits * m.labelsPerUnit * 16;
  return {
    service,
    dir: `/pos/${service}`,
    metadata: { ok: true, meta: m },
    data: { state: "complete", bytesPresent: total, bytesTotal: total, filesPresent: 64, filesExpected: 64 },
  };
}

export function serviceView(name: string, extra: Partial<ServiceView> = {}): ServiceView {
  return {
    name,
    dir: `/pos/${name}`,
    state: "running",
    pid: 100,
    startedAt: 5000,
    restarts: 0,
    cpuPercent: null,
    rssBytes: null,
    operatorAddress: "127.0.0.1:50051",
    operator: { kind: "idle" },
    lastExit: null,
    reason: null,
    nextRestartAt: null,
    autostart: true,
    restartPolicy: "on-failure",
    argv: ["--address", "http://127.0.0.1:9094", "--dir", `/pos/${name}`],
    logFile: `/state/${name}.log`,
    adopted: false,
    orchestration: null,
    ...extra,
  };
}

export const NOW = 1_000_000;
export const NODE_START = 2000;

/** A healthy rig: two keys, two running connected services, node config right, everything registered. */
export function healthyRig(): { input: FindingsInput; k1: ReturnType<typeof keyHex>; k2: ReturnType<typeof keyHex> } {
  const k1 = keyHex();
  const k2 = keyHex();
  const nodeLog = emptyNodeLogFacts();
  nodeLog.startedAt = NODE_START;
  nodeLog.registered.set(k1.nodeId.slice(0, 6), NODE_START + 10);
  nodeLog.registered.set(k2.nodeId.slice(0, 6), NODE_START + 11);
  nodeLog.connected.set(k1.nodeId, 6000);
  nodeLog.connected.set(k2.nodeId, 6001);
  const sl1 = emptyServiceLogFacts();
  sl1.connectedAt = 6000;
  const sl2 = emptyServiceLogFacts();
  sl2.connectedAt = 6001;
  const input: FindingsInput = {
    now: NOW,
    keys: [keyInput("post1.key", k1.hex), keyInput("post2.key", k2.hex)],
    posDirs: [posDir("s1", k1.nodeId), posDir("s2", k2.nodeId)],
    services: [serviceView("s1"), serviceView("s2")],
    postStates: [
      { nodeId: k1.nodeId, state: "IDLE", name: "post1.key" },
      { nodeId: k2.nodeId, state: "IDLE", name: "post2.key" },
    ],
    smesherIds: [k1.nodeId, k2.nodeId],
    nodeLog,
    serviceLogs: { s1: sl1, s2: sl2 },
    events: [],
    nodeStartedAt: NODE_START,
    identities: [],
    identitiesDir: "/data/identities",
    identitiesDirMode: 0o700,
    dataFolder: "/data",
    nodeConfig: {
      file: "/etc/node.json",
      smeshingStart: false,
      coinbase: "sm1qqqq",
      dataFolder: "/data",
      listeners: { public: null, private: null, post: "127.0.0.1:9094", tls: null },
      tls: { caCert: null, cert: null, key: null },
      logEncoder: null,
    },
    nodeConfigProblems: [],
    coinbase: "sm1qqqq",
    postAddresses: [
      { service: "s1", address: "http://127.0.0.1:9094" },
      { service: "s2", address: "http://127.0.0.1:9094" },
    ],
    disk: [
      { path: "/data", freeBytes: 500 * 1024 ** 3, totalBytes: 1000 * 1024 ** 3 },
      { path: "/pos", freeBytes: 10 * 1024 ** 3, totalBytes: 4000 * 1024 ** 3 },
    ],
    doneSince: {},
    nodeReachable: true,
  };
  return { input, k1, k2 };
}
