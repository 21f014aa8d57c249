// Runs the built CLI (bin/postdeck.js → dist; run `npx tsc -p .` first) and spawns daemons.
import { execFile, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { SocketClient } from "../../src/client/socket-client.js";
import { socketPath } from "../../src/config/runtime-paths.js";
import { spawnTracked } from "./processes.js";
import { waitFor } from "./wait-for.js";

export const BIN = fileURLToPath(new URL("../../bin/postdeck.js", import.meta.url));

/** The CLI tests run the built binary: `npm test` builds first; alone, run `npx tsc -p .`. */
export function requireBuild(): void {
  const main = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -p .)`);
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
