// Starting the daemon of a config: startDetachedDaemon, and ensureDaemon (connects, starting a
// detached daemon first when none runs: used by the console). Connecting alone is connect.ts.
import { spawn } from "node:child_process";
import { mkdirSync, openSync, closeSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ResolvedConfig } from "../config/schema.js";
import { daemonLogPath, describeSocket, socketPath } from "../config/runtime-paths.js";
import { lockHolder } from "../config/lock-holder.js";
import { DAEMON_NODE_FLAGS } from "../config/daemon-flags.js";
import { connectDaemon } from "./connect.js";
import { DaemonNotRunningError } from "./errors.js";
import { SocketClient } from "./socket-client.js";

/** The launcher of this installation (bin/postdeck.js). */
export const POSTDECK_BIN = fileURLToPath(new URL("../../bin/postdeck.js", import.meta.url));

export interface StartedDaemon {
  pid: number;
  socket: string;
  logFile: string;
}

/** Spawns `postdeck daemon run --config <file>` detached (stdio to <stateDir>/daemon.log) and waits for its socket. */
export async function startDetachedDaemon(config: ResolvedConfig, o: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<StartedDaemon> {
  const env = o.env ?? process.env;
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const logFile = daemonLogPath(config.stateDir);
  const sock = socketPath(config.stateDir);
  const holder = lockHolder(config.stateDir);
  if (holder !== null) {
    // a daemon already holds the lock: a second one would only exit with "already running"; use
    // this one if it answers, else say exactly what is wrong (DaemonUnreachableError)
    const c = new SocketClient(sock, { stateDir: config.stateDir, timeoutMs: 2000 });
    try {
      await c.call("snapshot", {});
      return { pid: holder, socket: describeSocket(sock), logFile };
    } finally {
      c.close();
    }
  }
  const fd = openSync(logFile, "a", 0o600);
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, POSTDECK_BIN, "daemon", "run", "--config", config.path], {
    detached: true,
    stdio: ["ignore", fd, fd],
    env,
    cwd: config.stateDir,
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  child.unref();
  const client = new SocketClient(sock, { timeoutMs: 2000 });
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  try {
    for (;;) {
      try {
        await client.call("snapshot", {});
        return { pid: child.pid!, socket: describeSocket(sock), logFile };
      } catch (err) {
        if (!(err instanceof DaemonNotRunningError)) throw err;
      }
      if (exited !== undefined) {
        const tail = lastLines(logFile, 5);
        throw new Error(`the daemon exited at start (code ${exited}); from ${logFile}:\n  ${tail.join("\n  ")}`);
      }
      if (Date.now() > deadline) throw new Error(`the daemon did not answer on ${describeSocket(sock)} within ${(o.timeoutMs ?? 20_000) / 1000} s; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
}

function lastLines(file: string, n: number): string[] {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-n);
  } catch {
    return [];
  }
}

/** Connects to the daemon, starting a detached one first when none runs (the console's way in). */
export async function ensureDaemon(config: ResolvedConfig, o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ client: SocketClient; started: StartedDaemon | null }> {
  try {
    return { client: await connectDaemon(config, o), started: null };
  } catch (err) {
    if (!(err instanceof DaemonNotRunningError)) throw err;
  }
  const started = await startDetachedDaemon(config, o);
  return { client: await connectDaemon(config, o), started };
}
