// Simulated go-spacemesh node (v1.7.6 at its interfaces): identities/ loading with the real startup
// errors, the single-instance lock, zap console/JSON logs on stdout, gRPC listeners, and a
// time-compressed epoch driving the connected post-services. `postdeck sim node --help` lists the flags.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type * as grpc from "@grpc/grpc-js";
import { ZapLogger } from "../zap-logger.js";
import { parseNodeArgs, NODE_HELP } from "./args.js";
import { readNodeConfig, type NodeConfig } from "./config.js";
import { loadIdentities, NodeStartError } from "./identities.js";
import { acquireLock, releaseLock } from "./file-lock.js";
import { EventBus } from "./events.js";
import { Smesher } from "./smeshing.js";
import { IdentityStates } from "./identity-states.js";
import { GENESIS_ID, NODE_COMMIT, NODE_VERSION } from "./constants.js";
import { networkFromFlags } from "./network.js";

/** The services each listener serves (go-spacemesh v1.7 defaults). */
const GRPC_SERVICES: Record<"public" | "private" | "post", string[]> = {
  public: ["activation", "node"],
  private: ["admin", "smesher"],
  post: ["post", "postInfo"],
};

function cobraError(msg: string): number {
  process.stderr.write(`Error: ${msg}\n`);
  return 1;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseNodeArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`Error: ${parsed.error}\n${NODE_HELP}`);
    return 1;
  }
  const a = parsed.args;
  if (a.help) {
    process.stdout.write(NODE_HELP);
    return 0;
  }
  let config: NodeConfig;
  try {
    config = readNodeConfig(a.config);
  } catch (e) {
    return cobraError(`failed to initialize config: ${(e as Error).message}`);
  }
  const dataFolder = path.resolve(a.dataFolder ?? config.dataFolder ?? path.join(os.homedir(), "spacemesh"));
  const encoder = a.logEncoder ?? config.logEncoder;
  const log = new ZapLogger(process.stdout, encoder, "INFO", "node");
  const smeshingStart = a.smeshingStart ?? config.smeshingStart;

  const lockFile = a.filelock ?? path.join(dataFolder, "spacemesh.lock");
  try {
    fs.mkdirSync(dataFolder, { recursive: true });
    if (!acquireLock(lockFile)) {
      return cobraError(`getting exclusive file lock: only one spacemesh instance should be running (locking file ${lockFile})`);
    }
  } catch (e) {
    return cobraError(`getting exclusive file lock: ${(e as Error).message}`);
  }
  let servers: grpc.Server[] = [];
  let smesher: Smesher | null = null;
  try {
    log.info(`App version: ${NODE_VERSION}. Git: ${NODE_VERSION} - ${NODE_COMMIT} . Go Version: go1.22.5. OS: ${process.platform}-${process.arch === "x64" ? "amd64" : process.arch} . Genesis ${GENESIS_ID}`);
    log.info("Welcome to Spacemesh. Spacemesh full node is starting...");
    let loaded;
    try {
      loaded = loadIdentities(dataFolder, log);
    } catch (e) {
      if (e instanceof NodeStartError) return cobraError(e.message);
      throw e;
    }
    if (smeshingStart && !loaded.supervised) {
      log.error("supervised smeshing cannot be started in a remote or multi-smeshing setup");
      log.error("if you run a supervised node ensure your key file is named local.key and try again");
      return cobraError("smeshing enabled in remote setup");
    }
    if (smeshingStart && !config.coinbase) return cobraError("smeshing enabled but no coinbase account provided");
    if (!config.coinbase) log.named("grpc").warn("coinbase account is not set, connections from remote post services will be rejected");

    // the network clock: from the config's genesis/layer/PoET keys, else from the compression flags
    const network =
      config.network ??
      networkFromFlags(
        {
          layerMs: a.layerDurationS * 1000,
          everyMs: a.cycleGapEveryS * 1000,
          lengthMs: a.cycleGapLengthS * 1000,
          firstGapMs: (a.firstCycleGapS ?? Math.max(1, a.cycleGapEveryS - a.cycleGapLengthS)) * 1000,
        },
        Date.now(),
      );
    // POSTDECK_SIM_NODE_QUERY_MS: the looks while PROVING every that many ms instead of 2 s (tests that compress time)
    const queryMs = Number(process.env["POSTDECK_SIM_NODE_QUERY_MS"]);
    const timing = { network, warnMs: a.warnIntervalS * 1000, ...(queryMs >= 100 ? { queryMs } : {}) };
    // a supervised node waits for StartSmeshing unless smeshing-start; a remote one smeshes when it has a coinbase
    const smeshing = loaded.supervised ? smeshingStart : config.coinbase !== "";

    const events = new EventBus();
    smesher = new Smesher(loaded.identities, timing, config.coinbase, path.join(dataFolder, "sim-node-state.json"), log, events, smeshing);
    const identityStates = a.command === "smeshing" ? new IdentityStates(events) : null;
    // gRPC (grpc-js and the protos: ~0.15 s of CPU) is loaded once the node is past its start-up checks
    const { startGrpc } = await import("./grpc.js");
    const grpcStarted = await startGrpc(
      { smesher, events, identities: loaded.identities, supervised: loaded.supervised, config, smeshingStart, started: Date.now(), identityStates },
      { public: config.publicListener, private: config.privateListener, post: config.postListener },
    ).catch((e: Error) => {
      throw new NodeStartError(`start grpc server: ${e.message}`);
    });
    servers = grpcStarted.servers;
    const byAddress = new Map<string, string[]>();
    for (const l of grpcStarted.bound)
      byAddress.set(l.address, [...(byAddress.get(l.address) ?? []), ...GRPC_SERVICES[l.kind], ...(identityStates && l.kind === "private" ? ["smeshing_identities_v2beta1"] : [])]);
    for (const [address, names] of byAddress) log.info("starting grpc server", [["address", address], ["services", names]]);
    for (const id of loaded.identities) {
      const short = id.id.toString("hex").slice(0, 6);
      for (const m of ["atxHandler", "proposalBuilder", "hare", "blockCert"]) {
        log.named(m).info("registered signing key", [["id", short]]);
      }
      log.named("beacon").info("registered signing key", [["node_id", short]]);
      // the ATX builder registers its signers only once smeshing starts
      if (smeshing) log.named("atxBuilder").info("registered signing key", [["id", short]]);
    }
    if (!smeshing && loaded.supervised) log.named("atxBuilder").info("smeshing not started, waiting to be triggered via smesher api");
    smesher.start();
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    log.info("shutting down");
    return 0;
  } catch (e) {
    if (e instanceof NodeStartError) return cobraError(e.message);
    throw e;
  } finally {
    smesher?.stop();
    for (const s of servers) s.forceShutdown();
    releaseLock(lockFile);
  }
}
