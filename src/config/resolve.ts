// From a validated config to a ResolvedConfig (defaults applied, paths absolute), and the checks zod
// cannot express. Shared by both ways of loading: load-config.ts (the fast path for a valid file)
// and load.ts (the full path, with line numbers in problems). Does not import `yaml`.
import os from "node:os";
import path from "node:path";
import { expandHome, type ConfigLookup } from "./config-path.js";
import { RestartSchema, type Config, type ResolvedConfig, type ResolvedService } from "./schema.js";

export interface LoadOptions extends ConfigLookup {
  hostname?: string;
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  return env.XDG_STATE_HOME ? path.join(env.XDG_STATE_HOME, "postdeck") : path.join(home, ".local", "state", "postdeck");
}

/** Applies defaults per service and makes paths absolute (relative to the config file's dir, `~` expanded). */
export function resolveConfig(c: Config, file: string, o: LoadOptions = {}): ResolvedConfig {
  const home = o.home ?? os.homedir();
  const env = o.env ?? process.env;
  const base = path.dirname(path.resolve(file));
  const abs = (p: string) => path.resolve(base, expandHome(p, home));
  // A binary with a slash is a path (relative to the config dir); a bare name is looked up on PATH at start.
  const bin = (b: string) => (b.includes("/") ? abs(b) : b);
  const d = c.defaults;
  const services: ResolvedService[] = c.services.map((s) => ({
    name: s.name,
    dir: abs(s.dir),
    operatorAddress: s.operatorAddress ?? null,
    binary: bin(s.binary ?? d.binary),
    threads: s.threads ?? d.threads,
    pinnedCores: s.pinnedCores ?? null,
    nonces: s.nonces ?? d.nonces,
    randomxMode: s.randomxMode ?? d.randomxMode,
    reconnectIntervalS: s.reconnectIntervalS ?? d.reconnectIntervalS,
    maxRetries: s.maxRetries === undefined ? d.maxRetries : s.maxRetries,
    extraArgs: s.extraArgs ?? d.extraArgs,
    env: { ...d.env, ...(s.env ?? {}) },
    autostart: s.autostart ?? d.autostart,
    restart: RestartSchema.parse({ ...d.restart, ...(s.restart ?? {}) }),
    stopGraceS: d.stopGraceS,
  }));
  const dataFolder = abs(c.node.dataFolder);
  return {
    path: path.resolve(file),
    rig: c.rig ?? o.hostname ?? os.hostname(),
    demo: c.demo,
    stateDir: c.stateDir ? abs(c.stateDir) : defaultStateDir(env, home),
    node: {
      dataFolder,
      identitiesDir: path.join(dataFolder, "identities"),
      config: c.node.config ? abs(c.node.config) : null,
      log: {
        file: c.node.log?.file ? abs(c.node.log.file) : null,
        command: c.node.log?.command ? [bin(c.node.log.command[0]!), ...c.node.log.command.slice(1)] : null,
        cwd: c.node.log?.cwd ? abs(c.node.log.cwd) : null,
        env: c.node.log?.env ?? {},
      },
      grpc: {
        public: c.node.grpc.public ?? null,
        private: c.node.grpc.private ?? null,
        post: c.node.grpc.post ?? null,
      },
    },
    postcli: c.postcli ? { binary: bin(c.postcli.binary) } : null,
    services,
    logs: c.logs,
  };
}

/** Checks zod cannot express: duplicates, post-service's nonce rules, pinnedCores with threads. */
export function semanticProblems(c: Config, r: ResolvedConfig, where: (p: ReadonlyArray<PropertyKey>) => string): string[] {
  const out: string[] = [];
  const seen = (key: (s: ResolvedService, i: number) => string | null, field: string, what: string) => {
    const first = new Map<string, number>();
    r.services.forEach((s, i) => {
      const k = key(s, i);
      if (k === null) return;
      const j = first.get(k);
      if (j === undefined) first.set(k, i);
      else out.push(`${where(["services", i, field])}: found ${JSON.stringify(k)}, the same ${what} as services[${j}] (${r.services[j]!.name}); expected a unique ${what} per service`);
    });
  };
  seen((s) => s.name, "name", "name");
  seen((s) => s.dir, "dir", "PoS directory");
  seen((s) => (s.operatorAddress ? normaliseAddr(s.operatorAddress) : null), "operatorAddress", "operator address");
  if (r.services.some((s) => s.name === "node")) {
    const i = r.services.findIndex((s) => s.name === "node");
    out.push(`${where(["services", i, "name"])}: found "node"; expected another name ("node" names the node's log)`);
  }
  const nonceCheck = (v: number | undefined, p: PropertyKey[]) => {
    if (v === undefined) return;
    if (v % 16 !== 0) out.push(`${where(p)}: found ${v}; expected a multiple of 16 (post-service: nonces must be multiple of 16)`);
    else if (v > 4096) out.push(`${where(p)}: found ${v}; expected at most 4096 (post-service: max nonces is 4096)`);
  };
  nonceCheck(c.defaults.nonces, ["defaults", "nonces"]);
  c.services.forEach((s, i) => {
    nonceCheck(s.nonces, ["services", i, "nonces"]);
    if (s.pinnedCores && s.threads !== undefined) {
      out.push(`${where(["services", i, "pinnedCores"])}: found pinnedCores together with threads: ${s.threads}; expected one of them (post-service: threads can't be used with pinned-cores)`);
    }
  });
  return out;
}

function normaliseAddr(a: string): string {
  return a.replace(/^0\.0\.0\.0:/, "127.0.0.1:").toLowerCase();
}
