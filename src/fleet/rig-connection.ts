// How to reach a rig of the rigs file: its daemon's socket (a rig on this machine), this postdeck's
// `bridge --read-only` (a read-only rig on this machine: the bridge refuses what mutates), or
// `ssh … HOST postdeck bridge …` (a rig over OpenSSH). The result feeds src/client: a SocketClient
// with these options, or setRigTarget for `postdeck --rig NAME`.
import type { RigTarget } from "../client/connect.js";
import { commandTransport, sshTransport } from "../client/ssh-transport.js";
import { loadConfig } from "../config/load.js";
import { socketPath } from "../config/runtime-paths.js";
import type { ResolvedConfig } from "../config/schema.js";
import { POSTDECK_BIN } from "../client/ensure-daemon.js";
import type { Rig, SshRig } from "./rigs-file.js";

/** Thrown when a command needs the config of a rig whose config is on another host. */
export class RemoteConfigError extends Error {
  readonly exitCode = 2;
}

/**
 * A rig over ssh has its config on its host: commands that only talk to the daemon never read it;
 * one that would (to start a daemon, read files) is told so instead of reading a local file.
 */
function remoteConfig(r: SshRig): ResolvedConfig {
  return new Proxy({} as ResolvedConfig, {
    get(_t, key) {
      if (typeof key === "symbol" || key === "then") return undefined; // not a thenable
      throw new RemoteConfigError(`rig ${r.name}: its config is on ${r.host}, and this needs it here; run the command there (ssh ${r.host} postdeck …)`);
    },
  });
}

/** The rig's config (or stand-in) and how its daemon is reached. `readOnly` forces a read-only connection. */
export async function rigTarget(r: Rig, o: { readOnly?: boolean } = {}): Promise<RigTarget> {
  const readOnly = r.readOnly || o.readOnly === true;
  if (r.kind === "ssh") {
    const transport = sshTransport({ host: r.host, sshOptions: r.sshOptions, command: r.command, config: r.config, readOnly });
    return { config: remoteConfig(r), socket: transport.label, options: { transport, unreachableWaitMs: 0 } };
  }
  const config = await loadConfig({ flag: r.config });
  if (readOnly) {
    const argv = [process.execPath, POSTDECK_BIN, "bridge", "--config", config.path, "--read-only"];
    const transport = commandTransport(argv, `postdeck bridge --read-only (rig ${r.name})`);
    return { config, socket: transport.label, options: { transport, unreachableWaitMs: 0 } };
  }
  const socket = socketPath(config.stateDir);
  return { config, socket, options: { stateDir: config.stateDir } };
}
