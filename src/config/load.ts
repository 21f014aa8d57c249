// Loads the YAML config: find the file, parse (keeping line numbers), validate with ConfigSchema,
// resolve defaults and paths into a ResolvedConfig, and check what zod cannot (duplicates, nonces,
// pinnedCores with threads). Every problem is one line; see config-error.ts.
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LineCounter, parseDocument, isMap, visit, type Document } from "yaml";
import type { z } from "zod";
import { ConfigError, describeValue, formatPath } from "./config-error.js";
import { expandHome, findConfigFile, type ConfigLookup } from "./config-path.js";
import { ConfigSchema, RestartSchema, type Config, type ResolvedConfig, type ResolvedService } from "./schema.js";
import { MAX_TIMER_MS, MAX_TIMER_S } from "./limits.js";
import { realDir, stateDirProblem } from "./fs-checks.js";
import { defaultStateDir } from "./runtime-paths.js";

export { ConfigError } from "./config-error.js";

export interface LoadOptions extends ConfigLookup {
  hostname?: string;
}

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
  const resolved = parseConfigText(text, found.file, o);
  const lax = await stateDirProblem(resolved.stateDir);
  if (lax) {
    const line = lineOfKey(text, "stateDir");
    throw new ConfigError(found.file, [`${found.file}${line}: stateDir: ${lax}`]);
  }
  return resolved;
}

/** ":N" for the line of a top-level key, or "" (the key is not in the file: a default). */
function lineOfKey(text: string, key: string): string {
  const i = text.split("\n").findIndex((l) => l.startsWith(`${key}:`));
  return i < 0 ? "" : `:${i + 1}`;
}

/** ":N" for the line of the first alias in the document, or "". */
function aliasLine(doc: Document, lc: LineCounter): string {
  let line = "";
  visit(doc, {
    Alias(_k, node) {
      if (node.range) line = `:${lc.linePos(node.range[0]).line}`;
      return visit.BREAK;
    },
  });
  return line;
}

export type Located = { line: (p: ReadonlyArray<PropertyKey>) => number | null };

/** One problem line per YAML syntax error of a parsed document (also used for the rigs file, src/fleet). */
export function yamlSyntaxProblems(doc: Document, file: string): string[] {
  return doc.errors.map((e) => {
    const pos = e.linePos?.[0];
    const msg = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    return `${file}${pos ? `:${pos.line}` : ""}: YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ""}: ${msg}; expected valid YAML`;
  });
}

/** The line of a path in the document (a missing key: its parent's line). */
export function locate(doc: Document, lc: LineCounter): Located {
  return {
    line(p) {
      // Walk up the path until a node with a range exists (a missing key points at its parent).
      for (let n = p.length; n >= 0; n--) {
        const node = doc.getIn(p.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === "object" && node.range) return lc.linePos(node.range[0]).line;
      }
      return null;
    },
  };
}

function valueAt(root: unknown, p: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const k of p) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k as string];
  }
  return v;
}

/** Parses and resolves config text; `file` names it in problems and anchors relative paths. */
export function parseConfigText(text: string, file: string, o: LoadOptions = {}): ResolvedConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  const where = (p: ReadonlyArray<PropertyKey>, loc: Located | null) => {
    const line = loc?.line(p);
    return `${file}${line ? `:${line}` : ""}: ${formatPath(p)}`;
  };
  if (doc.errors.length > 0) throw new ConfigError(file, yamlSyntaxProblems(doc, file));
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // yaml refuses aliases that expand too far (a "billion laughs" file): a config problem, exit 2
    throw new ConfigError(file, [`${file}${aliasLine(doc, lc)}: YAML aliases: ${(err as Error).message}; expected a config without deeply nested aliases (*name)`]);
  }
  if (raw === null || raw === undefined || !isMap(doc.contents)) {
    throw new ConfigError(file, [`${file}: (top level): found ${describeValue(raw)}; expected a mapping with at least a 'node' section`]);
  }
  const loc = locate(doc, lc);
  const parsed = ConfigSchema.safeParse(raw, { jitless: true }); // parsed once: zod's compiled fast path would cost more than it saves
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.flatMap((i) => zodIssueLine(i, raw, (p) => where(p, loc)).split("\n")));
  }
  const resolved = resolveConfig(parsed.data, file, o);
  const problems = semanticProblems(parsed.data, resolved, (p) => where(p, loc));
  if (problems.length > 0) throw new ConfigError(file, problems);
  return resolved;
}

/** One problem line for a zod issue; `keysHint` names the keys allowed where an unknown one was found. */
export function zodIssueLine(issue: z.core.$ZodIssue, raw: unknown, where: (p: ReadonlyArray<PropertyKey>) => string, keysHint: (p: PropertyKey[]) => string = knownKeysHint): string {
  const p = issue.path;
  const found = valueAt(raw, p);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys
        .map((k) => `${where([...p, k])}: unknown key "${k}"; expected ${keysHint(p)}`)
        .join("\n");
    case "invalid_type":
      return `${where(p)}: found ${found === undefined ? "nothing (missing)" : describeValue(found)}; expected ${issue.expected === "array" ? "a list" : issue.expected === "object" ? "a mapping" : `a ${issue.expected}`}`;
    case "too_small":
      return `${where(p)}: found ${describeValue(found)}; expected ${issue.origin === "array" ? `at least ${String(issue.minimum)} item(s)` : issue.origin === "string" ? "a non-empty string" : `a value >= ${String(issue.minimum)}`}`;
    case "too_big":
      if (issue.origin === "string") return `${where(p)}: found ${describeValue(found)}; expected at most ${String(issue.maximum)} characters`;
      if (issue.maximum === MAX_TIMER_MS || issue.maximum === MAX_TIMER_S)
        return `${where(p)}: found ${describeValue(found)}; expected at most ${String(issue.maximum)}${issue.maximum === MAX_TIMER_S ? " s" : ""} (2^31-1 ms, about 24.8 days: the longest delay a timer takes; a longer one would fire at once)`;
      return `${where(p)}: found ${describeValue(found)}; expected a value <= ${String(issue.maximum)}`;
    case "invalid_value":
      return `${where(p)}: found ${describeValue(found)}; expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default: {
      const msg = issue.message.replace(/^expected /i, "").replace(/^Invalid input: expected /, "");
      return `${where(p)}: found ${describeValue(found)}; expected ${msg}`;
    }
  }
}

function knownKeysHint(p: PropertyKey[]): string {
  const top = p.filter((x) => typeof x === "string");
  const key = top.join(".");
  const lists: Record<string, string> = {
    "": "one of rig, demo, stateDir, node, postcli, defaults, services, logs, proving",
    node: "one of dataFolder, config, log, grpc, pollMs, slowPollMs",
    "node.log": "one of file, command, cwd, env",
    "node.grpc": "one of public, private, post, tls",
    defaults: "one of binary, threads, nonces, randomxMode, reconnectIntervalS, maxRetries, extraArgs, env, autostart, restart, stopGraceS",
    services: "one of name, dir, operatorAddress, binary, threads, pinnedCores, nonces, randomxMode, reconnectIntervalS, maxRetries, extraArgs, env, autostart, restart",
    logs: "one of maxBytes, keep, ringLines",
    proving: "one of mode, perDisk, maxConcurrent, memoryBudget, disks",
  };
  if (key.endsWith("restart")) return "one of policy, maxRestarts, initialDelayMs, maxDelayMs, resetAfterS";
  return lists[key] ?? "no such key (see README: Configuration)";
}

export { defaultStateDir } from "./runtime-paths.js"; // (there: the CLI finds its daemon's socket without loading this module)

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
    autostart: c.proving.mode === "on-demand" ? false : (s.autostart ?? d.autostart), // on-demand: the orchestrator starts them
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
      pollMs: c.node.pollMs,
      slowPollMs: c.node.slowPollMs,
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
        tls: c.node.grpc.tls
          ? { ca: abs(c.node.grpc.tls.ca), cert: abs(c.node.grpc.tls.cert), key: abs(c.node.grpc.tls.key), domain: c.node.grpc.tls.domain ?? null }
          : null,
      },
    },
    postcli: c.postcli ? { binary: bin(c.postcli.binary) } : null,
    alerts: c.alerts,
    services,
    logs: c.logs,
    proving: { ...c.proving, disks: Object.fromEntries(Object.entries(c.proving.disks).map(([disk, dirs]) => [disk, dirs.map(abs)])) },
  };
}

/** Checks zod cannot express: duplicates, post-service's nonce rules, pinnedCores with threads. */
function semanticProblems(c: Config, r: ResolvedConfig, where: (p: ReadonlyArray<PropertyKey>) => string): string[] {
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
  seen((s) => realDir(s.dir), "dir", "PoS directory"); // after following symlinks: one dir, one post-service
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
