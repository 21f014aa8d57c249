// How to reach a rig of the rigs file: its daemon's socket (a rig on this machine), this postdeck's
// `bridge --read-only` (a read-only rig on this machine: the bridge refuses what mutates), or
// `ssh … HOST postdeck bridge …` (a rig over OpenSSH). The result feeds src/client: a SocketClient
// with these options, or setRigTarget for `postdeck --rig NAME`.
import type { RigTarget } from "../client/connect.js";
import { commandTransport, sshTransport } from "../client/ssh-transport.js";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { ConfigError } from "../config/config-error.js";
import { expandHome } from "../config/config-path.js";
import { defaultStateDir, loadConfig } from "../config/load.js";
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

/** How a rig's daemon is reached: the socket (or the transport's label) and the client options. */
export type RigEndpoint = Pick<RigTarget, "socket" | "options">;

/** `stateDir` is asked only for a local rig reached on its socket. */
function endpoint(r: Rig, readOnly: boolean, stateDir: (file: string) => Promise<string>): Promise<RigEndpoint> | RigEndpoint {
  if (r.kind === "ssh") {
    const transport = sshTransport({ host: r.host, sshOptions: r.sshOptions, command: r.command, config: r.config, readOnly });
    return { socket: transport.label, options: { transport, unreachableWaitMs: 0 } };
  }
  if (readOnly) {
    const argv = [process.execPath, POSTDECK_BIN, "bridge", "--config", r.config, "--read-only"];
    const transport = commandTransport(argv, `postdeck bridge --read-only (rig ${r.name})`);
    return { socket: transport.label, options: { transport, unreachableWaitMs: 0 } };
  }
  return stateDir(r.config).then((dir) => ({ socket: socketPath(dir), options: { stateDir: dir } }));
}

/**
 * The state dir a local rig's config names (its top-level `stateDir`, else the default), read
 * without parsing and checking the whole file: the fleet needs only its daemon's socket, and a
 * full config load per rig was the larger part of `postdeck fleet`'s own CPU (the rig's daemon
 * checked the config when it started). Only the `stateDir:` line goes through the YAML parser.
 */
export async function localStateDir(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [`${file}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  const line = /^stateDir[ \t]*:.*$/m.exec(text)?.[0];
  let dir: unknown = null;
  try {
    dir = line === undefined ? null : (parse(line) as { stateDir?: unknown }).stateDir;
  } catch {
    dir = undefined; // not YAML: said below
  }
  if (dir !== null && typeof dir !== "string")
    throw new ConfigError(file, [`${file}: stateDir: expected a directory path (check the file with postdeck --config ${file} config check)`]);
  return dir ? path.resolve(path.dirname(file), expandHome(dir)) : defaultStateDir(env);
}

/** How the rig's daemon is reached, without loading its config (the fleet's rows). */
export async function rigEndpoint(r: Rig, o: { readOnly?: boolean } = {}): Promise<RigEndpoint> {
  return endpoint(r, r.readOnly || o.readOnly === true, (file) => localStateDir(file));
}

/** The rig's config (or stand-in) and how its daemon is reached. `readOnly` forces a read-only connection. */
export async function rigTarget(r: Rig, o: { readOnly?: boolean } = {}): Promise<RigTarget> {
  const readOnly = r.readOnly || o.readOnly === true;
  if (r.kind === "ssh") return { config: remoteConfig(r), ...(await endpoint(r, readOnly, (file) => localStateDir(file))) };
  const config = await loadConfig({ flag: r.config });
  return { config, ...(await endpoint(r, readOnly, async () => config.stateDir)) };
}
