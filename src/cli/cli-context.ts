// What every daemon-facing command needs: its options split from its words, the loaded config
// (config problems → exit 2) and a client to the running daemon (none → exit 1, what to do).
import { loadConfig } from "../config/load.js";
import { takeConfigFlag } from "../config/config-path.js";
import type { ResolvedConfig } from "../config/schema.js";
import { clientFor, rigTargetConfig } from "../client/connect.js";
import type { SocketClient } from "../client/socket-client.js";
import { UsageError } from "./errors.js";

export interface ParsedArgs {
  config: string | null;
  words: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

/** Splits args into words, boolean flags and valued options (`-n 20`, `-n=20`). Unknown flags → UsageError. */
export function parseArgs(args: string[], o: { flags?: string[]; valued?: string[]; usage: string }): ParsedArgs {
  const { config, rest } = takeConfigFlag(args);
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const words: string[] = [];
  const known = new Set([...(o.flags ?? []), "--debug"]);
  const valued = new Set(o.valued ?? []);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith("-") || a === "-") {
      words.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valued.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : rest[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value\n${o.usage}`);
      values.set(name, v);
    } else if (known.has(a)) flags.add(a);
    else throw new UsageError(`unknown option ${a}\n${o.usage}`);
  }
  return { config, words, flags, values };
}

export async function configFor(p: ParsedArgs): Promise<ResolvedConfig> {
  return rigTargetConfig() ?? loadConfig({ flag: p.config }); // with --rig NAME: that rig's (src/cli/fleet.ts)
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
