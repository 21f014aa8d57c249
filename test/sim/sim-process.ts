// Test helpers: spawn `node bin/postdeck.js sim ...` in its own process group, collect output, poll for
// conditions, free ports; killAll() ends every process started here.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freeLoopbackPort } from "../../src/core/supervisor/free-port.js";
import { runQuietly } from "../../src/sim/postcli/main.js";
import { tempDir } from "../helpers/temp-dir.js";
import { waitFor as poll, type Truthy } from "../helpers/wait-for.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(ROOT, "bin/postdeck.js");

export interface SimProc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const started: ChildProcess[] = [];

export function assertBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, "dist/sim/node/main.js"))) throw new Error("dist is missing: run `npx tsc -p .` first");
}

export function sim(args: string[], opts: { env?: Record<string, string>; stdin?: string | "closed" | "open"; cwd?: string } = {}): SimProc {
  const child = spawn(process.execPath, [BIN, "sim", ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  started.push(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  if (opts.stdin === undefined || opts.stdin === "closed") child.stdin.end();
  else if (opts.stdin !== "open") child.stdin.end(opts.stdin);
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Runs to completion. */
export async function simRun(args: string[], opts: Parameters<typeof sim>[1] = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = sim(args, opts);
  const code = await p.exit;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export function killAll(): void {
  for (const c of started.splice(0)) killGroup(c);
}

/** Ends these processes now: a test done with them while the file's other tests go on. */
export function kill(...procs: SimProc[]): void {
  for (const p of procs) killGroup(p.child);
}

function killGroup(c: ChildProcess): void {
  if (c.exitCode === null && c.signalCode === null && c.pid) {
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

export function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 60_000): Promise<Truthy<T>> {
  return poll(fn, { what, timeoutMs, intervalMs: 200 });
}

/** A free loopback port (the same helper the supervisor uses for operator addresses). */
export const freePort = freeLoopbackPort;

/**
 * The options of a gRPC client made here: connections of its own (grpc-js shares one per address and
 * options in the process otherwise; these files share a worker, and a port an earlier file's node had
 * can come back here while grpc-js still waits out that connection's reconnect backoff).
 */
export const CLIENT_OPTIONS = { "grpc.use_local_subchannel_pool": 1 };

/** A temp dir removed (with the processes naming it) after the test file. */
export function tmpDir(): string {
  return tempDir("postdeck-sim-test-");
}

export const COMMITMENT = "ab".repeat(32);

/** The simulated postcli's arguments for a small PoS dir (4 units x 4096 labels, 4 files of 16 KiB). */
const posArgs = (dir: string, extra: string[] = []) =>
  ["-provider=4294967295", "-numUnits", "4", "-labelsPerUnit", "4096", "-maxFileSize", "16384", "-commitmentAtxId", COMMITMENT, "-datadir", dir, "-yes", ...extra];

/** A small PoS dir made by `postdeck sim postcli` (a process: its output and exit code are under test). */
export async function initPos(dir: string, extra: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return simRun(["postcli", ...posArgs(dir, extra)], { env: { POSTDECK_SIM_INIT_BPS: "0" } });
}

/**
 * The same PoS dir for a test of the other simulators: the simulated postcli's own code run in this
 * process (a Node process per dir was ~0.3 s of CPU), as the demo rig's builder does.
 */
export async function makePos(dir: string): Promise<void> {
  const r = await runQuietly(posArgs(dir), { ...process.env, POSTDECK_SIM_INIT_BPS: "0" });
  if (r.code !== 0) throw new Error(`postcli init failed: ${r.stderr}`);
}

/**
 * A node data folder with one identity (post1.key, from a PoS dir initialised by the simulated
 * postcli) and a node JSON config on free loopback ports; `extra` adds config sections.
 */
export async function oneIdentityRig(extra: Record<string, unknown> = {}) {
  const root = tmpDir();
  const pos = path.join(root, "pos1");
  await makePos(pos);
  const data = path.join(root, "data");
  fs.mkdirSync(path.join(data, "identities"), { recursive: true, mode: 0o700 });
  fs.copyFileSync(path.join(pos, "identity.key"), path.join(data, "identities", "post1.key"));
  const nodeId = fs.readFileSync(path.join(pos, "identity.key"), "utf8").slice(64);
  const [post, priv, pub] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  const config = path.join(root, "config.json");
  fs.writeFileSync(
    config,
    JSON.stringify({
      smeshing: { "smeshing-start": false, "smeshing-coinbase": "sm1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq" },
      api: { "grpc-public-listener": `127.0.0.1:${pub}`, "grpc-private-listener": `127.0.0.1:${priv}`, "grpc-post-listener": `127.0.0.1:${post}` },
      ...extra,
    }),
  );
  return { root, pos, data, config, nodeId, post, priv, pub };
}
