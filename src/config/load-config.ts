// loadConfig: find and read the config file, then take the fast path — fast-parse.ts reads the
// usual kinds of file (JSON, plain block YAML) without the `yaml` package, zod validates, the
// config resolves and passes the checks zod cannot make — and return that. When the fast reader
// declines or anything is wrong, the full path (load.ts, loaded only then) parses again with `yaml`
// and throws the ConfigError with every problem and its line: the problems are always the full
// path's. A valid file gives the same ResolvedConfig either way (test/config/fast-parse.test.ts).
// `postdeck status` thus loads neither `yaml` nor the full path (bench/RESULTS.md, section 5).
import { promises as fs } from "node:fs";
import { ConfigError } from "./config-error.js";
import { findConfigFile } from "./config-path.js";
import { fastParse } from "./fast-parse.js";
import { resolveConfig, semanticProblems, type LoadOptions } from "./resolve.js";
import { ConfigSchema, type ResolvedConfig } from "./schema.js";

/** Finds, reads, validates and resolves the config. Throws ConfigError (exit 2) with every problem. */
export async function loadConfig(o: LoadOptions = {}): Promise<ResolvedConfig> {
  const found = findConfigFile(o);
  if (found.file === null) {
    throw new ConfigError("(no config)", [
      `no config file found (tried ${found.tried.join(", ")}); expected one of them, or pass --config FILE`,
    ]);
  }
  let text: string;
  try {
    text = await fs.readFile(found.file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(found.file, [
      `${found.file}: cannot read the config file (${code}, named by ${found.from}); expected a readable YAML file`,
    ]);
  }
  const fast = fastConfig(text, found.file, o);
  if (fast) return fast;
  const { parseConfigText } = await import("./load.js");
  return parseConfigText(text, found.file, o);
}

/** The resolved config when the fast path can vouch for it, else null (the full path decides). */
export function fastConfig(text: string, file: string, o: LoadOptions = {}): ResolvedConfig | null {
  const raw = fastParse(text);
  if (raw === undefined) return null;
  const parsed = ConfigSchema.safeParse(raw, { jitless: true }); // parsed once: zod's compiled fast path would cost more than it saves
  if (!parsed.success) return null;
  const resolved = resolveConfig(parsed.data, file, o);
  if (semanticProblems(parsed.data, resolved, () => "").length > 0) return null;
  return resolved;
}
