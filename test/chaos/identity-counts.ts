// Independent counts after an interrupted identity operation (not postdeck's own code): key files
// per identity in identities/, services per PoS dir in postdeck.yaml, processes per PoS dir.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { pidsOnDir } from "./count.js";

/** Node id (hex) → how many `*.key` files directly in identities/ hold it (the node loads each). */
export function keysPerIdentity(identitiesDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of readdirSync(identitiesDir)) {
    if (!f.endsWith(".key")) continue;
    const hex = readFileSync(path.join(identitiesDir, f), "utf8").trim();
    const id = hex.slice(64, 128).toLowerCase();
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/** Service names per PoS dir (resolved against the config's folder) in postdeck.yaml. */
export function servicesPerDir(configPath: string): Map<string, string[]> {
  const doc = parse(readFileSync(configPath, "utf8")) as { services?: { name: string; dir: string }[] };
  const out = new Map<string, string[]>();
  for (const s of doc.services ?? []) {
    const dir = path.resolve(path.dirname(configPath), s.dir);
    out.set(dir, [...(out.get(dir) ?? []), s.name]);
  }
  return out;
}

export interface IdentityCounts {
  /** Copies of this identity's key in identities/ (0: retired or not placed, 1: loaded once). */
  keys: number;
  /** Services configured on its PoS dir. */
  services: string[];
  /** Live processes with `--dir` its PoS dir. */
  processes: number;
}

export function countIdentity(o: { identitiesDir: string; configPath: string; nodeId: string; dir: string }): IdentityCounts {
  return {
    keys: keysPerIdentity(o.identitiesDir).get(o.nodeId.toLowerCase()) ?? 0,
    services: servicesPerDir(o.configPath).get(o.dir) ?? [],
    processes: pidsOnDir(o.dir).length,
  };
}
