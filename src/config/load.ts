// The config's full path: parse the YAML keeping line numbers, validate with ConfigSchema, resolve
// defaults and paths into a ResolvedConfig (resolve.ts), and check what zod cannot (duplicates,
// nonces, pinnedCores with threads). Every problem is one line with file:line; see config-error.ts.
// loadConfig (load-config.ts) finds and reads the file and comes here when its fast path cannot
// vouch for the file, so every problem is reported from here.
import { LineCounter, parseDocument, isMap, type Document } from "yaml";
import type { z } from "zod";
import { ConfigError, describeValue, formatPath } from "./config-error.js";
import { ConfigSchema, type ResolvedConfig } from "./schema.js";
import { resolveConfig, semanticProblems, type LoadOptions } from "./resolve.js";

export { ConfigError } from "./config-error.js";
export { loadConfig } from "./load-config.js";
export { defaultStateDir, resolveConfig, type LoadOptions } from "./resolve.js";

type Located = { line: (p: ReadonlyArray<PropertyKey>) => number | null };

function locate(doc: Document, lc: LineCounter): Located {
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
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const msg = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return `${file}${pos ? `:${pos.line}` : ""}: YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ""}: ${msg}; expected valid YAML`;
      }),
    );
  }
  const raw: unknown = doc.toJS();
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

function zodIssueLine(issue: z.core.$ZodIssue, raw: unknown, where: (p: ReadonlyArray<PropertyKey>) => string): string {
  const p = issue.path as PropertyKey[];
  const found = valueAt(raw, p);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys
        .map((k) => `${where([...p, k])}: unknown key "${k}"; expected ${knownKeysHint(p)}`)
        .join("\n");
    case "invalid_type":
      return `${where(p)}: found ${found === undefined ? "nothing (missing)" : describeValue(found)}; expected ${issue.expected === "array" ? "a list" : issue.expected === "object" ? "a mapping" : `a ${issue.expected}`}`;
    case "too_small":
      return `${where(p)}: found ${describeValue(found)}; expected ${issue.origin === "array" ? `at least ${String(issue.minimum)} item(s)` : issue.origin === "string" ? "a non-empty string" : `a value >= ${String(issue.minimum)}`}`;
    case "too_big":
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
    "": "one of rig, demo, stateDir, node, postcli, defaults, services, logs",
    node: "one of dataFolder, config, log, grpc",
    "node.log": "one of file, command, cwd, env",
    "node.grpc": "one of public, private, post",
    defaults: "one of binary, threads, nonces, randomxMode, reconnectIntervalS, maxRetries, extraArgs, env, autostart, restart, stopGraceS",
    services: "one of name, dir, operatorAddress, binary, threads, pinnedCores, nonces, randomxMode, reconnectIntervalS, maxRetries, extraArgs, env, autostart, restart",
    logs: "one of maxBytes, keep, ringLines",
  };
  if (key.endsWith("restart")) return "one of policy, maxRestarts, initialDelayMs, maxDelayMs, resetAfterS";
  return lists[key] ?? "no such key (see README: Configuration)";
}

