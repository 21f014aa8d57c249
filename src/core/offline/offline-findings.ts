// Findings without a daemon (`postdeck doctor` when none runs): everything that can be read from
// files — postdeck's config and state file, identities/ (and retired/), each PoS dir's metadata, the
// node's JSON config, the node log, free space — joined and judged by the same findings code the
// daemon uses. Live checks (node gRPC, operator APIs) are skipped and named.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { ResolvedConfig } from "../../config/schema.js";
import type { Finding, ServiceView } from "../../protocol/model.js";
import { readIdentitiesDir } from "../spacemesh/key-file.js";
import { posDataState, readPosMetadata } from "../spacemesh/pos-metadata.js";
import { readNodeConfig, type NodeJsonConfig } from "../spacemesh/node-config.js";
import { NodeLogTracker } from "../spacemesh/node-log-state.js";
import { joinIdentities, type JoinInput, type KeyInput, type PosDirInput } from "../spacemesh/join.js";
import { attachFindings, computeFindings, type DiskUsage } from "../spacemesh/findings.js";
import { loadStateFile } from "../supervisor/state-file.js";
import { isSameProcess } from "../supervisor/proc-stat.js";
import { nodeFsProbe } from "../hardware/volumes.js";
import { logFileOf, nodeLogFileProblem, readFormerKeys } from "./rig-files.js";

/** What `doctor` could not check without a daemon. */
export const SKIPPED_LIVE_CHECKS = [
  "node gRPC (sync, peers, PostStates PROVING/IDLE, registered identities, coinbase, events)",
  "post-service operator APIs (proving progress, stuck proofs)",
  "post-service connections seen since the daemon stopped",
];

/** Bytes read from the end of the node log. */
const NODE_LOG_TAIL_BYTES = 4 << 20;

export interface OfflineResult {
  findings: Finding[];
  skipped: string[];
}

/** The whole lines in the last `maxBytes` of a file, unchanged (tabs kept: the node log's fields are tab-separated). */
async function rawTail(file: string, maxBytes: number): Promise<string[]> {
  const fh = await fs.open(file, "r");
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(size - start), 0, size - start, start);
    const lines = buffer.subarray(0, bytesRead).toString("utf8").split("\n");
    if (start > 0) lines.shift(); // partial first line
    return lines.filter((l) => l !== "");
  } finally {
    await fh.close();
  }
}

/** ServiceViews from the config and the state file: alive pids are running, the rest stopped. */
async function servicesFromState(config: ResolvedConfig, procRoot?: string): Promise<ServiceView[]> {
  const { state } = await loadStateFile(path.join(config.stateDir, "state.json"));
  return config.services.map((s) => {
    const rec = state.services[s.name];
    const alive = rec?.pid != null && isSameProcess(rec.pid, rec.startTime, procRoot);
    const wanted = rec ? rec.wanted : s.autostart;
    return {
      name: s.name,
      dir: s.dir,
      state: alive ? "running" : "stopped",
      pid: alive ? rec.pid : null,
      startedAt: alive ? rec.startedAt : null,
      restarts: rec?.restarts ?? 0,
      cpuPercent: null,
      rssBytes: null,
      operatorAddress: rec?.operatorAddress ?? s.operatorAddress,
      operator: { kind: "none" },
      lastExit: null,
      // wanted but not running, and no daemon to restart it: nobody asked it to stop
      reason: !alive && wanted ? "not running, and no daemon runs to restart it" : null,
      nextRestartAt: null,
      autostart: s.autostart,
      restartPolicy: s.restart.policy,
      argv: rec?.argv ?? [],
      logFile: logFileOf(config, s.name) ?? "",
      adopted: false,
      orchestration: null,
    };
  });
}

export async function offlineFindings(
  config: ResolvedConfig,
  o: { now?: number; daemonProblem: string; procRoot?: string },
): Promise<OfflineResult> {
  const now = o.now ?? Date.now();
  const idDir = config.node.identitiesDir;
  const dirMode = await fs.stat(idDir).then((s) => s.mode & 0o777, () => null);
  const keys: KeyInput[] = (await readIdentitiesDir(idDir)).map((k) => ({ ...k, appearedAt: k.mtimeMs || null }));
  const posDirs: PosDirInput[] = await Promise.all(
    config.services.map(async (s) => {
      const metadata = await readPosMetadata(s.dir);
      return { service: s.name, dir: s.dir, metadata, data: metadata.ok ? await posDataState(s.dir, metadata.meta) : null };
    }),
  );
  let nodeConfig: NodeJsonConfig | null = null;
  let nodeConfigProblems: string[] = [];
  if (config.node.config) {
    const r = await readNodeConfig(config.node.config);
    nodeConfig = r.config;
    nodeConfigProblems = r.problems;
  }
  const logFile = logFileOf(config, "node");
  let nodeLog: JoinInput["nodeLog"] = null;
  let nodeLogFile: { path: string; problem: string | null } | null = null;
  if (logFile) {
    const problem = await nodeLogFileProblem(logFile);
    if (config.node.log.file) nodeLogFile = { path: logFile, problem };
    if (problem === null) {
      const tracker = new NodeLogTracker();
      tracker.ingest(await rawTail(logFile, NODE_LOG_TAIL_BYTES), now);
      nodeLog = tracker.facts;
    }
  }
  const services = await servicesFromState(config, o.procRoot);
  const disk: DiskUsage[] = [];
  for (const p of [config.node.dataFolder, ...config.services.map((s) => s.dir)]) {
    const st = await nodeFsProbe.statfs(p);
    if (st) disk.push({ path: p, ...st });
  }
  const join: JoinInput = {
    now,
    keys,
    posDirs,
    services,
    postStates: null,
    smesherIds: null,
    nodeLog,
    serviceLogs: {},
    events: [],
    nodeStartedAt: nodeLog?.startedAt ?? null,
  };
  const identities = joinIdentities(join);
  const findings = computeFindings({
    ...join,
    identities,
    identitiesDir: idDir,
    identitiesDirMode: dirMode,
    dataFolder: config.node.dataFolder,
    nodeConfig,
    nodeConfigProblems,
    coinbase: null,
    postAddresses: [],
    disk,
    doneSince: {},
    nodeReachable: false,
    nodeLogFile,
    formerKeys: await readFormerKeys(idDir),
    daemonDown: o.daemonProblem,
  });
  attachFindings(identities, findings);
  return { findings, skipped: SKIPPED_LIVE_CHECKS };
}
