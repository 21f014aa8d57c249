// Options that are not a command's own — --config FILE, --rig NAME, --rigs FILE, --read-only — taken
// out of a command line wherever they stand, with node's util.parseArgs; every other argument is
// left as it was, in order, for the command's own parser (cli-context.ts parseArgs).
import { parseArgs, type ParseArgsConfig } from "node:util";

export interface TakenOptions {
  /** Each valued option given (the last one wins): its value, or null when it ended the line. */
  values: Map<string, string | null>;
  /** Each boolean option given. `--read-only=1` is not one: it stays in `rest`, for its command to refuse. */
  flags: Set<string>;
  rest: string[];
}

/** `strings` and `booleans` are long options (`--config`), given as `--name VALUE` or `--name=VALUE`; after `--` nothing is taken. */
export function takeOptions(argv: string[], o: { strings?: string[]; booleans?: string[] }): TakenOptions {
  const strings = new Set(o.strings ?? []);
  const booleans = new Set(o.booleans ?? []);
  const options: ParseArgsConfig["options"] = {};
  for (const s of strings) options[s.slice(2)] = { type: "string" };
  for (const b of booleans) options[b.slice(2)] = { type: "boolean" };
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string | null>();
  const flags = new Set<string>();
  const taken = new Set<number>();
  for (const t of tokens) {
    if (t.kind === "option-terminator") break;
    if (t.kind !== "option") continue;
    if (strings.has(t.rawName)) {
      values.set(t.rawName, t.value ?? null);
      taken.add(t.index);
      if (t.inlineValue === false && t.value !== undefined) taken.add(t.index + 1);
    } else if (booleans.has(t.rawName) && !t.inlineValue) {
      flags.add(t.rawName);
      taken.add(t.index);
    }
  }
  return { values, flags, rest: argv.filter((_, i) => !taken.has(i)) };
}

/** `--config FILE` / `--config=FILE` from an argv, and the argv without it. */
export function takeConfigFlag(args: string[]): { config: string | null; rest: string[] } {
  const t = takeOptions(args, { strings: ["--config"] });
  return { config: t.values.get("--config") ?? null, rest: t.rest };
}

/**
 * Where the command word stands in a postdeck command line: the first argument that is neither an
 * option nor the value of a global valued option (`--config FILE`, `--rigs FILE`); -1 when none.
 */
export function commandIndex(argv: string[]): number {
  const { tokens } = parseArgs({ args: argv, options: { config: { type: "string" }, rigs: { type: "string" } }, strict: false, allowPositionals: true, tokens: true });
  return tokens.find((t) => t.kind === "positional")?.index ?? -1;
}

/**
 * The global flags `--debug` and `--help` (or `-h`) wherever they stand in a command line, each a
 * whole argument (not `--help=x`, not inside `-xh`), not the value of `--config`/`--rigs`, and not
 * after `--`.
 */
export function globalFlags(argv: string[]): { debug: boolean; help: boolean } {
  const options: ParseArgsConfig["options"] = { config: { type: "string" }, rigs: { type: "string" }, debug: { type: "boolean" }, help: { type: "boolean", short: "h" } };
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const given = new Set<string>();
  for (const t of tokens) {
    if (t.kind === "option-terminator") break;
    if (t.kind === "option" && !t.inlineValue && argv[t.index] === t.rawName) given.add(t.name);
  }
  return { debug: given.has("debug"), help: given.has("help") };
}
