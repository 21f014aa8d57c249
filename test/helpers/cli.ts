// Runs the built CLI (bin/postdeck.js → dist/bundle; run `npm run build` first), as a program or its main
// in this process, and spawns daemons.
import { execFile, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { SocketClient } from "../../src/client/socket-client.js";
import { socketPath } from "../../src/config/runtime-paths.js";
import { simWrapperText } from "../../src/sim/rig-builder.js";
import { afterAll, afterEach, beforeAll } from "vitest";
import { killTrackedGroups, spawnTracked } from "./processes.js";
import { cleanupTempDirs } from "./temp-dir.js";
import { waitFor } from "./wait-for.js";

export const BIN = fileURLToPath(new URL("../../bin/postdeck.js", import.meta.url));
/** What bin/postdeck.js runs. */
const BUNDLE_MAIN = fileURLToPath(new URL("../../dist/bundle/main.js", import.meta.url));

/**
 * The environment this test process started with: what daemons and CLI processes get (plus their
 * own variables), also while runCliInProcess has set a command's variables in process.env.
 */
export const TEST_ENV: NodeJS.ProcessEnv = { ...process.env };

/**
 * `<dir>/postcli`: postdeck's simulated postcli (writes the demo geometry at once) behind the demo
 * rig's wrapper, which answers the `-printProviders` a daemon asks at every start without a Node
 * process. Returns its path.
 */
export function simPostcli(dir: string): string {
  const wrapper = path.join(dir, "postcli");
  writeFileSync(wrapper, simWrapperText(BIN, "postcli"), { mode: 0o755 });
  return wrapper;
}

/** The CLI tests run the built binary (bin/postdeck.js loads dist/bundle/): `npm test` builds first; alone, run `npm run build`. */
export function requireBuild(): void {
  for (const rel of ["../../dist/cli/main.js", "../../dist/bundle/main.js"]) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(file)) throw new Error(`${file} is missing: build first (npm run build)`);
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a program: `node bin/postdeck.js ARGS` in a process of its own, stdin and stdout pipes. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...TEST_ENV, NO_COLOR: "1", ...env }, cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// Node's own import(), not vitest's module runner: the bundle is loaded as bin/postdeck.js loads it
const importNative = createRequire(import.meta.url)("./import-native.cjs") as (url: string) => Promise<{ main: (argv: string[]) => Promise<number> }>;
let bundleMain: Promise<(argv: string[]) => Promise<number>> | undefined;
let inProcessQueue: Promise<unknown> = Promise.resolve();

/**
 * The CLI's main (the bundle bin/postdeck.js runs) called in this process, for tests of what a
 * command does and says rather than of the program around it (a process start costs ~0.3 s of CPU;
 * this call a few ms once the bundle is loaded). As runCli: NO_COLOR=1 and `env` set in
 * process.env, process.argv[1] is bin/postdeck.js, stdout, stderr and stdin are not terminals, and
 * stdout and stderr are captured; a rejection is reported as bin/postdeck.js does (exit 1). Calls run
 * one at a time (they share process.env and the streams). Only commands that end by themselves
 * (`--rig` included: its rig is set for its own command only; `daemon start` and `demo --no-console`
 * leave a detached daemon, a process as from the program, with the call's environment); the
 * program's own start, exit, signals and pipes, and `daemon run`, need runCli.
 */
export function runCliInProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const run = inProcessQueue.then(() => callMain(args, env));
  inProcessQueue = run.catch(() => undefined);
  return run;
}

async function callMain(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  requireBuild();
  const main = await (bundleMain ??= importNative(pathToFileURL(BUNDLE_MAIN).href).then((m) => m.main));
  const out: Omit<CliResult, "code"> = { stdout: "", stderr: "" };
  const undo: (() => void)[] = [];
  const set = <T extends object, K extends keyof T>(obj: T, key: K, value: T[K]) => {
    const own = Object.getOwnPropertyDescriptor(obj, key);
    Object.defineProperty(obj, key, { value, configurable: true, writable: true, enumerable: own?.enumerable ?? true });
    undo.push(() => (own ? Object.defineProperty(obj, key, own) : delete obj[key]));
  };
  for (const [k, v] of Object.entries({ NO_COLOR: "1", ...env })) {
    const was = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    undo.push(() => (was === undefined ? delete process.env[k] : (process.env[k] = was)));
  }
  set(process.argv, 1, BIN);
  for (const stream of [process.stdin, process.stdout, process.stderr]) set(stream, "isTTY", false);
  for (const [name, stream] of [["stdout", process.stdout], ["stderr", process.stderr]] as const) {
    const write = (chunk: string | Uint8Array, enc?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void): boolean => {
      out[name] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
      const done = typeof enc === "function" ? enc : cb;
      if (done) process.nextTick(done);
      return true;
    };
    set(stream, "write", write as typeof stream.write);
  }
  let code: number;
  try {
    code = await main(args);
  } catch (err) {
    out.stderr += `postdeck: ${err instanceof Error ? err.message : String(err)}\n`;
    code = 1;
  } finally {
    for (const u of undo.reverse()) u();
  }
  return { code, ...out };
}

const daemonLogs = new WeakMap<ChildProcess, string[]>();

/**
 * `postdeck daemon run --config FILE` in its own process group (killed by killTrackedGroups). Its log
 * (stderr) is read as it comes — a pipe no one reads stops the daemon once full — and its last
 * lines kept for daemonLogTail.
 */
export function spawnDaemon(configPath: string, env: NodeJS.ProcessEnv): ChildProcess {
  const d = spawnTracked(process.execPath, [BIN, "daemon", "run", "--config", configPath], {
    env: { ...TEST_ENV, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const lines: string[] = [];
  daemonLogs.set(d, lines);
  d.stderr?.setEncoding("utf8").on("data", (t: string) => {
    lines.push(...t.split("\n").filter(Boolean));
    lines.splice(0, lines.length - 40);
  });
  return d;
}

/** The last log lines of a daemon from spawnDaemon (for a failure's message). */
export function daemonLogTail(d: ChildProcess): string {
  return `daemon ${d.pid}'s last log lines:\n${(daemonLogs.get(d) ?? []).join("\n")}`;
}

export async function clientWhenUp(stateDir: string, env: NodeJS.ProcessEnv): Promise<SocketClient> {
  const c = new SocketClient(socketPath(stateDir, { ...TEST_ENV, ...env }), { timeoutMs: 10_000 });
  await waitFor(() => c.call("snapshot", {}).then(() => true), { what: "daemon socket", timeoutMs: 30_000 });
  return c;
}

/**
 * The hooks of a test file that runs real daemons: a build is required, and after each test (or,
 * for a file whose tests run side by side, after the file) the clients pushed onto the returned
 * list are closed, tracked process groups killed and temp dirs removed.
 */
export function realDaemonHooks(after: "each" | "file" = "each"): SocketClient[] {
  const clients: SocketClient[] = [];
  beforeAll(() => requireBuild());
  (after === "each" ? afterEach : afterAll)(() => {
    for (const c of clients.splice(0)) c.close();
    killTrackedGroups();
    cleanupTempDirs();
  });
  return clients;
}
