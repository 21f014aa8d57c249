// Where the config file is: --config, $POSTDECK_CONFIG, ./postdeck.yaml, $XDG_CONFIG_HOME/postdeck/config.yaml.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface ConfigLookup {
  flag?: string | null; // --config FILE
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
}

/** The candidate files in lookup order, with where each came from. */
export function configCandidates(o: ConfigLookup = {}): { file: string; from: string }[] {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const home = o.home ?? os.homedir();
  const out: { file: string; from: string }[] = [];
  if (o.flag) return [{ file: path.resolve(cwd, expandHome(o.flag, home)), from: "--config" }];
  if (env.POSTDECK_CONFIG) out.push({ file: path.resolve(cwd, expandHome(env.POSTDECK_CONFIG, home)), from: "$POSTDECK_CONFIG" });
  out.push({ file: path.join(cwd, "postdeck.yaml"), from: "./postdeck.yaml" });
  const xdg = env.XDG_CONFIG_HOME || path.join(home, ".config");
  out.push({ file: path.join(xdg, "postdeck", "config.yaml"), from: "$XDG_CONFIG_HOME/postdeck/config.yaml" });
  return out;
}

/** The first existing candidate; an explicit --config or $POSTDECK_CONFIG is used even if missing (reported later). */
export function findConfigFile(o: ConfigLookup = {}): { file: string; from: string } | { file: null; tried: string[] } {
  const c = configCandidates(o);
  for (const cand of c) {
    if (cand.from === "--config" || cand.from === "$POSTDECK_CONFIG") return cand;
    if (existsSync(cand.file)) return cand;
  }
  return { file: null, tried: c.map((x) => x.file) };
}

export function expandHome(p: string, home: string = os.homedir()): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return path.join(home, p.slice(2));
  return p;
}
