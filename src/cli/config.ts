// `postdeck config check [--json]`: validate the config and print it resolved, or its problems (exit 2).
import { loadConfig } from "../config/load.js";
import { takeConfigFlag } from "./take-options.js";
import { ConfigError } from "../config/config-error.js";
import { UsageError } from "./errors.js";

export async function run(args: string[]): Promise<number> {
  const { config, rest } = takeConfigFlag(args);
  const opts = rest.filter((a) => a.startsWith("-") && a !== "--debug");
  const words = rest.filter((a) => !a.startsWith("-"));
  const json = opts.includes("--json");
  const unknown = opts.filter((o) => o !== "--json");
  if (words[0] !== "check" || words.length > 1 || unknown.length > 0) {
    throw new UsageError(`usage: postdeck config check [--json] [--config FILE]${unknown.length ? ` (unknown option ${unknown[0]})` : ""}`);
  }
  try {
    const resolved = await loadConfig({ flag: config });
    if (json) process.stdout.write(JSON.stringify({ ok: true, config: resolved }, null, 2) + "\n");
    else {
      process.stdout.write(`${resolved.path}: ok (${resolved.services.length} service(s), state in ${resolved.stateDir})\n`);
      process.stdout.write(JSON.stringify(resolved, null, 2) + "\n");
    }
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (json) process.stdout.write(JSON.stringify({ ok: false, file: err.file, problems: err.problems }, null, 2) + "\n");
    else for (const p of err.problems) process.stderr.write(p + "\n");
    return 2;
  }
}
