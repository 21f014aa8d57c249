// Simulated `post-service` (spacemeshos/post-rs service v0.8.x): same flags, validation, stderr log
// format, gRPC Register client, operator API and --watch-pid as the real one. See prover.ts for the
// environment knobs (POSTDECK_SIM_POW_MS, POSTDECK_SIM_POW_SLEEP, POSTDECK_SIM_READ_S, POSTDECK_SIM_READ_BPS,
// POSTDECK_SIM_FAIL_PROOF, POSTDECK_SIM_PROOF_PASSES, POSTDECK_SIM_HOLD_PROOF) and disk-share.ts (POSTDECK_SIM_DISKS: a
// simulated disk's bandwidth shared among its readers). No signal handlers: SIGTERM ends it at once.
import fs from "node:fs";
import os from "node:os";
import { EnvLogger, eyreReport, rustLogLevel } from "../env-logger.js";
import { readMetadata, type PostMetadata } from "../post-data.js";
import { parseServiceArgs, type ServiceArgs } from "./args.js";
import { Prover } from "./prover.js";
import { startOperatorServer } from "./operator.js";
import { simDiskOf } from "./disk-share.js";

const MAIN_RS = "service/src/main.rs";

function fail(messages: string[], line: number): number {
  process.stderr.write(eyreReport(messages, `${MAIN_RS}:${line}:10`));
  return 1;
}

function ioError(e: NodeJS.ErrnoException): string {
  if (e.code === "ENOENT") return "No such file or directory (os error 2)";
  if (e.code === "EACCES") return "Permission denied (os error 13)";
  if (e instanceof SyntaxError) return `${e.message} at line 1 column 1`;
  return e.message;
}

function envNumber(name: string, def: number): number {
  const v = Number(process.env[name]);
  return process.env[name] !== undefined && Number.isFinite(v) && v >= 0 ? v : def;
}

/** Polls every second; resolves with the line to log when the PID is gone or a zombie. */
function watchPid(pid: number): Promise<string> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(t);
        resolve(`PID ${pid} not found`);
        return;
      }
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
        if (state === "Z" || state === "X") {
          clearInterval(t);
          resolve(`PID ${pid} died (status: ${state === "Z" ? "Zombie" : "Dead"})`);
        }
      } catch {
        /* not Linux or gone: the kill probe decides */
      }
    }, 1000);
  });
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseServiceArgs(argv);
  if (!parsed.ok) {
    if (parsed.stdout) process.stdout.write(parsed.stdout);
    if (parsed.stderr) process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const a: ServiceArgs = parsed.args;
  const log = new EnvLogger(process.stderr, rustLogLevel(process.env["RUST_LOG"]));

  // serde_json of the clap structs (PostConfig, PostSettings), field order as declared in main.rs
  log.info(
    "post_service",
    `POST network parameters: ${JSON.stringify({
      min_num_units: a.minNumUnits,
      max_num_units: a.maxNumUnits,
      k1: a.k1,
      k2: a.k2,
      pow_difficulty: a.powDifficulty.toUpperCase(),
      scrypt: { n: a.n, r: a.r, p: a.p },
    })}`,
  );
  log.info(
    "post_service",
    `POST proving settings: ${JSON.stringify({
      cores: { threads: a.threads, pinned_cores: a.pinnedCores },
      nonces: a.nonces,
      randomx_mode: a.randomxMode === "fast" ? "Fast" : "Light",
    })}`,
  );
  if (a.remoteK2pow) log.info("post_service", `remote k2pow uri: ${a.remoteK2pow}`);
  let threads: number;
  if (a.pinnedCores) {
    threads = a.pinnedCores.length;
    log.info("post_service", `using ${threads} threads, pinned to cores: [${a.pinnedCores.join(", ")}]`);
  } else if (a.threads === 0) {
    threads = os.availableParallelism();
    log.info("post_service", "using all available cores");
  } else {
    threads = a.threads;
    log.info("post_service", `using ${threads} cores`);
  }

  let meta: PostMetadata;
  try {
    meta = readMetadata(a.dir);
  } catch (e) {
    return fail(["creating Post Service", "loading POST metadata", ioError(e as NodeJS.ErrnoException)], 231);
  }
  if (meta.NumUnits < a.minNumUnits || meta.NumUnits > a.maxNumUnits) {
    return fail([`number of units in the POST data is out of range: ${meta.NumUnits} not in ${a.minNumUnits}..=${a.maxNumUnits}`], 247);
  }

  // gRPC (grpc-js and the protos: ~0.15 s of CPU) is loaded once the arguments and the PoS metadata passed
  const { channelCredentials, runClient } = await import("./client.js");
  let credentials = channelCredentials(null);
  const tls = a.caCert && a.cert && a.key;
  if (tls) {
    log.info("post_service", `configuring TLS: server: (CA cert: ${a.caCert}, domain: ${a.domain ?? "None"}), client: (cert: ${a.cert}, key: ${a.key})`);
    try {
      credentials = channelCredentials({ ca: fs.readFileSync(a.caCert!), key: fs.readFileSync(a.key!), cert: fs.readFileSync(a.cert!) });
    } catch (e) {
      return fail([`reading TLS files`, ioError(e as NodeJS.ErrnoException)], 266);
    }
  } else {
    log.info("post_service", "not configuring TLS");
  }

  const prover = new Prover({
    dir: a.dir,
    meta,
    nonces: a.nonces,
    threads,
    k2: a.k2,
    powDifficulty: a.powDifficulty,
    failProof: a.simFailProof || process.env["POSTDECK_SIM_FAIL_PROOF"] === "1",
    powMsPerGroup: envNumber("POSTDECK_SIM_POW_MS", 1500),
    powSleep: process.env["POSTDECK_SIM_POW_SLEEP"] === "1",
    readSeconds: envNumber("POSTDECK_SIM_READ_S", 15),
    readBytesPerSecond: envNumber("POSTDECK_SIM_READ_BPS", 0),
    proofPass: Math.max(1, Math.floor(envNumber("POSTDECK_SIM_PROOF_PASSES", 1))),
    holdFile: process.env["POSTDECK_SIM_HOLD_PROOF"] || null,
    log,
    disk: simDiskOf(a.dir, process.env["POSTDECK_SIM_DISKS"]),
  });

  if (a.operatorAddress) {
    // As post-rs: the operator server runs in a spawned task; it logs the bound address (the real port for
    // :0) and a bind failure is dropped silently (the service keeps running without /status).
    startOperatorServer(a.operatorAddress, () => prover.statusBody()).then(
      (server) => {
        const addr = server.address() as import("node:net").AddressInfo;
        const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
        log.info("post_service::operator", `running operator service on ${host}:${addr.port}`);
      },
      () => undefined,
    );
  }

  let uri: URL;
  try {
    uri = new URL(a.address);
  } catch {
    return fail(["unknown client protocol"], 301);
  }
  if (uri.protocol !== "http:" && uri.protocol !== "https:") return fail(["unknown client protocol"], 301);
  if (uri.protocol === "https:" && !tls) return fail(["client protocol set to https but tls configuration not provided"], 305);

  const client = runClient({
    uri,
    credentials,
    domain: a.domain,
    meta,
    prover,
    log,
    reconnectIntervalS: a.reconnectIntervalS,
    maxRetries: a.maxRetries,
  }).then((err) => ({ kind: "client" as const, err }));

  const waits: Promise<{ kind: "client"; err: string } | { kind: "pid"; line: string }>[] = [client];
  if (a.watchPid !== null) {
    log.info("post_service", `watching PID ${a.watchPid}`);
    waits.push(watchPid(a.watchPid).then((line) => ({ kind: "pid" as const, line })));
  }
  const first = await Promise.race(waits);
  if (first.kind === "pid") {
    log.info("post_service", first.line);
    log.info("post_service", "PID watcher exited: Ok(())");
    log.info("post_service::service", "shutting down post service");
    return 0;
  }
  return fail([first.err], 107);
}
