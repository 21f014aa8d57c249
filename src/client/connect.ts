// Connecting to the daemon of a config: clientFor (no probe: the first call fails clearly when
// none runs) and connectDaemon (probes first). Starting a daemon is in ensure-daemon.ts, kept
// apart so that the one-shot commands (status, start, logs, ...) load no child_process.
import type { ResolvedConfig } from "../config/schema.js";
import { socketPath } from "../config/runtime-paths.js";
import { SocketClient, type SocketClientOptions } from "./socket-client.js";

/**
 * `postdeck --rig NAME` (src/cli/fleet.ts): the rig every command of this process talks to — its
 * config (a rig over ssh: a stand-in that says the file is on the rig's host) and how to reach its
 * daemon (a transport, or a socket on this machine).
 */
export interface RigTarget {
  config: ResolvedConfig;
  socket: string;
  options: SocketClientOptions;
}
let rigTarget: RigTarget | null = null;
export function setRigTarget(t: RigTarget | null): void {
  rigTarget = t;
}
export function rigTargetConfig(): ResolvedConfig | null {
  return rigTarget?.config ?? null;
}

export function clientFor(config: ResolvedConfig, o: SocketClientOptions & { env?: NodeJS.ProcessEnv } = {}): SocketClient {
  if (rigTarget) return new SocketClient(rigTarget.socket, { ...o, ...rigTarget.options });
  return new SocketClient(socketPath(config.stateDir), { stateDir: config.stateDir, ...o });
}

/** A client to a running daemon; throws DaemonNotRunningError when none answers (DaemonUnreachableError when one holds the lock). */
export async function connectDaemon(config: ResolvedConfig, o: SocketClientOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<SocketClient> {
  const c = clientFor(config, o);
  try {
    await c.call("snapshot", {});
  } catch (err) {
    c.close();
    throw err;
  }
  return c;
}
