// Runs the built CLI (bin/postdeck.js → dist/bundle; run `npm run build` first) and spawns daemons.
import { execFile, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SocketClient } from "../../src/client/socket-client.js";
import { socketPath } from "../../src/config/runtime-paths.js";
import { simWrapperText } from "../../src/sim/rig-builder.js";
import { afterAll, afterEach, beforeAll } from "vitest";
import { killTrackedGroups, spawnTracked } from "./processes.js";
import { cleanupTempDirs } from "./temp-dir.js";
import { waitFor } from "./wait-for.js";

export const BIN = fileURLToPath(new URL("../../bin/postdeck.js", import.meta.url));

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

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `postdeck daemon run --config FILE` in its own process group (killed by killTrackedGroups). */
export function spawnDaemon(configPath: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawnTracked(process.execPath, [BIN, "daemon", "run", "--config", configPath], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
}

export async function clientWhenUp(stateDir: string, env: NodeJS.ProcessEnv): Promise<SocketClient> {
  const c = new SocketClient(socketPath(stateDir, { ...process.env, ...env }), { timeoutMs: 10_000 });
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
