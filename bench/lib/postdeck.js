// postdeck's daemon as a bench supervisor: a throw-away rig (identities, PoS dirs with valid
// metadata, postdeck.yaml whose services run the bench child), started detached with the command
// line `postdeck daemon start` uses and stopped with `postdeck daemon stop --stop-services`.
import { execFile, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { POSTDECK_BIN } from "./children.js";
import { findMarked, isAlive, killMarked, sleep, waitFor } from "./proc.js";
import { withRotated } from "./captured.js";
import { startSimNode } from "./sim-node.js";
import { DaemonProbe } from "./probe.js";

/** A key in <dataFolder>/identities/<keyName> and a PoS dir whose metadata names it (what the supervisor checks). */
export function identity(dataFolder, posDir, keyName) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const ids = path.join(dataFolder, "identities");
  mkdirSync(ids, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(ids, keyName), Buffer.concat([seed, pub]).toString("hex"), { mode: 0o600 });
  mkdirSync(posDir, { recursive: true });
  const meta = {
    NodeId: pub.toString("base64"),
    CommitmentAtxId: Buffer.alloc(32, 7).toString("base64"),
    LabelsPerUnit: 1024,
    NumUnits: 4,
    MaxFileSize: 16384,
    Nonce: 12,
  };
  writeFileSync(path.join(posDir, "postdata_metadata.json"), JSON.stringify(meta, null, "\t"));
}

/** Environment for postdeck commands: the socket in <stateDir> (short temp root), colour off. */
export function postdeckEnv(extra = {}) {
  return { ...process.env, XDG_RUNTIME_DIR: "", NO_COLOR: "1", ...extra };
}

/**
 * The daemon's V8 flags: `flags` or BENCH_DAEMON_FLAGS (space-separated) to try others, else those
 * `postdeck daemon start` of the build at `bin` gives it (its dist/config/daemon-flags.js; builds
 * before that file: --max-semi-space-size=2), so that an A/B of two builds runs each as it ships.
 */
export async function daemonFlags(bin, flags = null) {
  const chosen = flags ?? process.env.BENCH_DAEMON_FLAGS;
  if (chosen) return chosen.split(" ").filter(Boolean);
  const file = path.resolve(path.dirname(bin), "../dist/config/daemon-flags.js");
  if (existsSync(file)) return [...(await import(pathToFileURL(file).href)).DAEMON_NODE_FLAGS];
  return ["--max-semi-space-size=2"];
}

export class PostdeckSupervisor {
  name = "postdeck";
  /**
   * root: a short temp dir; children: from makeChildren; o.logs: logs config; o.restart: restart config;
   * o.node: run a simulated node (log file, gRPC listeners, postcli) as a real rig has (sim-node.js).
   */
  constructor(root, children, o = {}) {
    this.root = root;
    this.children = children;
    this.stateDir = path.join(root, "st");
    this.configPath = path.join(root, "postdeck.yaml");
    const dataFolder = path.join(root, "data");
    const services = children.map((c, i) => {
      const dir = path.join(root, "pos", c.marker);
      identity(dataFolder, dir, `id${i}.key`);
      return { name: c.marker, dir, binary: c.wrapper };
    });
    this.dataFolder = dataFolder;
    this.withNode = o.node === true;
    this.node = null;
    const config = {
      rig: "bench",
      stateDir: this.stateDir,
      node: { dataFolder, grpc: { post: "127.0.0.1:9094" } },
      defaults: { stopGraceS: 3, ...(o.restart ? { restart: o.restart } : {}), ...(o.autostart === false ? { autostart: false } : {}) },
      logs: { maxBytes: 10 * 1024 * 1024, keep: 3, ringLines: 2000, ...(o.logs ?? {}) },
      services,
    };
    this.config = config;
    this.writeConfig();
    this.pid = null;
    /** o.bin: another build's bin/postdeck.js for the daemon and its CLI (an A/B run: bench/profile-daemon.js --versus). */
    this.bin = o.bin ?? POSTDECK_BIN;
    /** o.flags: the daemon's V8 flags for this one (space-separated; an A/B of flags: profile-daemon.js --flags-b). */
    this.flags = o.flags ?? null;
    /** o.env: more environment for this daemon (an A/B of the daemon's environment: bench/rss-versus.js X:env=). */
    this.env = o.env ?? {};
    /** o.probe: { cpu, heap } — the daemon runs with bench/lib/daemon-probe.cjs (event-loop delay, profiles) in <root>/probe. */
    this.probe = o.probe ? new DaemonProbe(path.join(root, "probe"), o.probe) : null;
  }

  /** The event-loop delay since the last report (and a CPU profile / heap snapshot when asked): see daemon-probe.cjs. */
  async probeReport(o = {}) {
    return this.probe && this.pid ? this.probe.report(this.pid, o) : null;
  }

  writeConfig() {
    writeFileSync(this.configPath, JSON.stringify(this.config, null, 2)); // JSON is YAML
  }

  cli(args, o = {}) {
    return spawnSync(process.execPath, [this.bin, "--config", this.configPath, ...args], {
      env: postdeckEnv(),
      encoding: "utf8",
      timeout: o.timeoutMs ?? 120_000,
    });
  }

  /** The CLI without blocking the event loop (the daemon is our child: it must be reaped while we wait). */
  cliAsync(args, o = {}) {
    return new Promise((resolve) => {
      execFile(process.execPath, [this.bin, "--config", this.configPath, ...args], { env: postdeckEnv(o.env), encoding: "utf8", timeout: o.timeoutMs ?? 120_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  /**
   * Starts the daemon as `postdeck daemon start` does (detached, the same Node flags), waits until
   * `status` answers, then for the children unless o.waitChildren is false.
   */
  async start(o = {}) {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    if (this.withNode && !this.node) {
      this.node = await startSimNode(this.root, this.dataFolder);
      Object.assign(this.config, this.node.config);
      this.writeConfig();
    }
    // what `postdeck daemon start` runs (src/client/ensure-daemon.ts), started here so that a
    // machine loaded by others gets more than the CLI's 20 s to see the daemon answer
    const logFd = openSync(path.join(this.stateDir, "daemon.log"), "a", 0o600);
    const child = spawn(process.execPath, [...(await daemonFlags(this.bin, this.flags)), this.bin, "daemon", "run", "--config", this.configPath], {
      detached: true,
      stdio: ["ignore", logFd, logFd],
      env: postdeckEnv({ ...(this.probe ? this.probe.env : {}), ...this.env }),
      cwd: this.stateDir,
    });
    closeSync(logFd);
    child.unref();
    this.pid = child.pid;
    await waitFor(async () => {
      if (!isAlive(this.pid)) throw new Error(`postdeck's daemon exited at start; see ${path.join(this.stateDir, "daemon.log")}`);
      return (await this.cliAsync(["status", "--json"], { timeoutMs: 20_000 })).status === 0;
    }, "postdeck's daemon to answer", 180_000, 250);
    if (o.waitChildren !== false) await this.waitChildren();
  }

  async waitChildren(timeoutMs = 240_000) {
    await waitFor(() => {
      const m = findMarked(null);
      return this.children.every((c) => (m.get(c.marker) ?? []).length > 0);
    }, `${this.children.length} children under postdeck`, timeoutMs, 100);
  }

  supervisorPids() {
    return this.pid && isAlive(this.pid) ? [this.pid] : [];
  }

  logFiles(marker) {
    return withRotated(path.join(this.stateDir, "logs", `${marker}.log`));
  }

  async stop() {
    if (this.pid && isAlive(this.pid)) {
      const r = await this.cliAsync(["daemon", "stop", "--stop-services", "--force"]);
      if (r.status !== 0) process.kill(this.pid, "SIGTERM");
      for (let i = 0; i < 100 && isAlive(this.pid); i++) await sleep(100);
      if (isAlive(this.pid)) process.kill(this.pid, "SIGKILL");
    }
    const prefix = this.children[0]?.marker.split("-")[0];
    if (prefix) killMarked(prefix + "-");
    await this.node?.stop();
  }
}
