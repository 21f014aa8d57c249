// What every daemon-facing command needs: its options split from its words, the loaded config
// (config problems → exit 2) and a client to the running daemon (none → exit 1, what to do).
import { readFileSync, statSync } from "node:fs";
import { parseArgs as parseArgv, type ParseArgsConfig } from "node:util";
import { takeConfigFlag } from "./take-options.js";
import type { ResolvedConfig } from "../config/schema.js";
import { findConfigFile } from "../config/config-path.js";
import { socketFile, socketPath, stateDirOfConfigText } from "../config/runtime-paths.js";
import { clientFor, rigTargetConfig } from "../client/connect.js";
import { SocketClient, type SocketClientOptions } from "../client/socket-client.js";
import { DaemonNotRunningError, DaemonUnreachableError } from "../client/errors.js";
import type { RouteKey, RouteRequest, RouteResponse } from "../protocol/api.js";
import { UsageError } from "./errors.js";

export interface ParsedArgs {
  config: string | null;
  words: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

/**
 * Splits args into words, boolean flags and valued options (`-n 20`, `-n=20`, `--lines=20`) with
 * node's util.parseArgs; flags are named as given (`--force`, `-f`). Unknown flags, `--`, a flag
 * with a value it does not take, grouped or glued short flags (`-fn`, `-n20`) → UsageError.
 */
export function parseArgs(args: string[], o: { flags?: string[]; valued?: string[]; usage: string }): ParsedArgs {
  const { config, rest } = takeConfigFlag(args);
  const spellings = new Map<string, "boolean" | "string">([...[...(o.flags ?? []), "--debug"].map((f) => [f, "boolean"] as const), ...(o.valued ?? []).map((f) => [f, "string"] as const)]);
  // util.parseArgs keys an option by its long name; a lone short flag (-f) is keyed by its letter
  const options: ParseArgsConfig["options"] = {};
  for (const [f, type] of spellings) options[f.replace(/^--?/, "")] = f.startsWith("--") ? { type } : { type, short: f.slice(1) };
  const { tokens } = parseArgv({ args: rest, options, strict: false, allowPositionals: true, tokens: true });
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const words: string[] = [];
  const unknown = (arg: string) => new UsageError(`unknown option ${arg}\n${o.usage}`);
  for (const t of tokens) {
    if (t.kind === "positional") words.push(t.value);
    else if (t.kind === "option-terminator") throw unknown("--");
    else {
      const arg = rest[t.index]!;
      const type = spellings.get(t.rawName);
      const inline = arg.startsWith(`${t.rawName}=`);
      if (type === undefined || (arg !== t.rawName && !inline)) throw unknown(arg);
      if (type === "boolean") {
        if (inline) throw unknown(arg);
        flags.add(t.rawName);
      } else {
        const v = inline ? arg.slice(t.rawName.length + 1) : t.value;
        if (v === undefined) throw new UsageError(`${t.rawName} needs a value\n${o.usage}`);
        values.set(t.rawName, v);
      }
    }
  }
  return { config, words, flags, values };
}

export async function configFor(p: ParsedArgs): Promise<ResolvedConfig> {
  // with --rig NAME: that rig's (src/cli/fleet.ts); the YAML parser and schemas load only here
  return rigTargetConfig() ?? (await import("../config/load.js")).loadConfig({ flag: p.config });
}

/**
 * A client whose "no daemon answers" is preceded by the config's own problems: the fast path of
 * daemonClientFor did not check the file, so when there is no daemon to talk to the command
 * reports what the full load says (a bad config: its file:line errors, exit 2), as before.
 */
class ConfigCheckedClient extends SocketClient {
  constructor(
    socket: string,
    o: SocketClientOptions,
    private readonly check: () => Promise<unknown>,
  ) {
    super(socket, o);
  }
  override async call<K extends RouteKey>(route: K, body: RouteRequest<K>): Promise<RouteResponse<K>> {
    try {
      return await super.call(route, body);
    } catch (err) {
      if (err instanceof DaemonNotRunningError || err instanceof DaemonUnreachableError) await this.check();
      throw err;
    }
  }
}

/**
 * The daemon's state dir from the config's `stateDir:` line alone, when the daemon's socket is
 * there and the file has not changed since it was created (the daemon checked that config when it
 * started); null otherwise: load the config whole. (Also the bridge's: src/cli/bridge.ts.)
 */
export function cheapStateDir(p: ParsedArgs): string | null {
  if (rigTargetConfig()) return null;
  const found = findConfigFile({ flag: p.config });
  if (found.file === null) return null;
  try {
    const configAt = statSync(found.file).mtimeMs;
    const dir = stateDirOfConfigText(readFileSync(found.file, "utf8"), found.file);
    if (dir === null || statSync(socketFile(dir)).mtimeMs < configAt) return null;
    return dir;
  } catch {
    return null; // no file, no socket: the full load says why
  }
}

/**
 * A client for the config's daemon for commands that need nothing else of the config (status,
 * start/stop/restart, plan): the socket is found without the YAML parser and the schemas (most
 * of a one-shot command's own time); the config is loaded whole when that cannot be done or no
 * daemon answers, so a bad config is reported exactly as by daemonFor.
 */
export async function daemonClientFor(p: ParsedArgs, o: Pick<SocketClientOptions, "timeoutMs"> = {}): Promise<SocketClient> {
  const dir = cheapStateDir(p);
  if (dir === null) return clientFor(await configFor(p), o);
  return new ConfigCheckedClient(socketPath(dir), { ...o, stateDir: dir }, () => configFor(p));
}

/** A client for the config's daemon; the first call fails with DaemonNotRunningError when none runs (no extra probe). */
export async function daemonFor(p: ParsedArgs): Promise<{ config: ResolvedConfig; client: SocketClient }> {
  const config = await configFor(p);
  return { config, client: clientFor(config) };
}

/** Colour only when stdout is a terminal and NO_COLOR is not set; a word or symbol always goes with it. */
export function colours(stream: NodeJS.WriteStream = process.stdout) {
  const on = stream.isTTY === true && !process.env.NO_COLOR;
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[39m` : s);
  return { green: wrap(32), red: wrap(31), yellow: wrap(33), dim: (s: string) => (on ? `\u001b[2m${s}\u001b[22m` : s) };
}
