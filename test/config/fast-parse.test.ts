// The config's fast path (src/config/fast-parse.ts, load-config.ts) against the full one: for any
// text, fastParse gives exactly what `yaml` gives (keys in the same order, -0 and all) or declines;
// it never accepts what `yaml` rejects. Then loadConfig: the same ResolvedConfig as the full path
// for a valid file, the full path's problems for a bad one.
import { describe, expect, it } from "vitest";
import os from "node:os";
import path from "node:path";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { parseDocument, stringify } from "yaml";
import { fastParse } from "../../src/config/fast-parse.js";
import { fastConfig } from "../../src/config/load-config.js";
import { loadConfig, parseConfigText } from "../../src/config/load.js";
import { ConfigError } from "../../src/config/config-error.js";

/** What the full path parses (undefined when `yaml` reports an error). */
function viaYaml(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  return doc.errors.length > 0 ? undefined : doc.toJS();
}

/** Deep equality that also compares key order, -0 and types. */
function same(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** fastParse agrees with `yaml` or declines; returns whether it accepted. */
function agrees(text: string): boolean {
  const fast = fastParse(text);
  if (fast === undefined) return false;
  const full = viaYaml(text);
  if (!same(fast, full)) throw new Error(`fastParse differs from yaml for:\n${text}\nfast: ${JSON.stringify(fast)}\nyaml: ${JSON.stringify(full)}`);
  return true;
}

const readme = (() => {
  const md = readFileSync(path.join(import.meta.dirname, "../../README.md"), "utf8");
  return /```yaml\n([\s\S]*?)```/.exec(md)![1]!;
})();

const base = `node:\n  dataFolder: ~/spacemesh\n  grpc: { post: "127.0.0.1:9094" }\n`;

/** Typical files: what people write, what the tests and the bench write. */
const typical: string[] = [
  readme,
  base,
  base + "services:\n  - name: a\n    dir: /pos/a\n    threads: 2\n",
  base + "defaults:\n  threads: 3\n  env: { A: '1' }\nservices:\n  - { name: a, dir: pos/a, env: { B: '2' } }\n  - { name: b, dir: /b, pinnedCores: [1], binary: ./bin/ps }\n",
  "---\n# a comment\nnode:\n  dataFolder: /d # trailing\n  log:\n    command: [\"/usr/bin/go-spacemesh\", --config, '/etc/it''s.json']\n    env: {}\nservices:\n- name: a\n  dir: /a\n  extraArgs:\n  - --x\n  - \"--y=\\\"q\\\"\"\n  restart:\n    policy: always\n    maxRestarts: 0\n  maxRetries: ~\n  autostart: False\n-   name: b\n    dir: \"/b\\u00e9\"\n    nonces: 0x10\n    reconnectIntervalS: 0o7\n    extraArgs: []\nlogs:\n  maxBytes: 1.5e6\n  keep: -0\n  ringLines: +20\n",
  "node:\n    dataFolder: /d\n    grpc:\n        public: 127.0.0.1:9092\nrig: 'rig #1'\ndemo: true\nstateDir: \"~/st\"\npostcli:\n  binary: postcli\nservices: []\n",
];

/** A config with n services, every field somewhere. */
function config(n: number, seed: number): Record<string, unknown> {
  return {
    rig: `rig-${seed}`,
    stateDir: "/tmp/st",
    node: { dataFolder: "/data", config: "/data/config.json", log: { file: "/data/node.log" }, grpc: { public: "127.0.0.1:9092", post: "127.0.0.1:9094" } },
    defaults: { stopGraceS: 3, threads: seed % 4, env: { RUST_LOG: "info" }, restart: { policy: "on-failure", resetAfterS: 1.5 } },
    logs: { maxBytes: 10 * 1024 * 1024, keep: 3, ringLines: 2000 },
    services: Array.from({ length: n }, (_, i) => ({
      name: `post-${i}`,
      dir: `/mnt/disk${i}/post ${i}`,
      ...(i % 3 === 0 ? { pinnedCores: [i, i + 1] } : {}),
      ...(i % 4 === 1 ? { extraArgs: ["--a", "b c", "#d", "e: f", "-", "'q'", '"dq"', "yes", "1.0", "null"], env: { X: "1", "Y.Z": "" } } : {}),
      ...(i % 5 === 2 ? { operatorAddress: `127.0.0.1:${50000 + i}`, autostart: false, maxRetries: null, randomxMode: "light" } : {}),
    })),
  };
}

describe("fastParse", () => {
  it("reads the usual files exactly as yaml does", () => {
    for (const t of typical) expect(agrees(t), t).toBe(true);
  });

  it("reads what yaml.stringify and JSON.stringify write (the demo rig, the bench, the tests)", () => {
    for (const n of [0, 1, 4, 16, 64]) {
      const c = config(n, n);
      expect(agrees(stringify(c))).toBe(true);
      expect(agrees(JSON.stringify(c, null, 2))).toBe(true);
      expect(agrees(JSON.stringify(c))).toBe(true);
      agrees(stringify(c, { collectionStyle: "flow" })); // multi-line flow collections: declined, or read alike
    }
  });

  it("declines what it does not handle, and what yaml rejects", () => {
    const declined = [
      "",
      "# only a comment\n",
      "- a\n",
      "node:\n\tdataFolder: /d\n", // tab
      "node:\r\n  dataFolder: /d\r\n", // CRLF
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "a: |\n  text\n",
      "a: >\n  text\n",
      "a: one\n  two\n", // a multi-line plain scalar
      "a: \"one\n  two\"\n",
      "a: 1\na: 2\n", // a duplicate key
      '{"a": 1, "a": 2}',
      "a: { b: 1, b: 2 }\n",
      "a:\n  - b\n  c: 1\n",
      "a:\n    b: 1\n  c: 2\n",
      "a: b: c\n",
      "a: [1, 2,]\n",
      "a: [1,\n  2]\n",
      "a: { b: 127.0.0.1:9094 }\n",
      "? a\n: 1\n",
      "a: 1\n---\nb: 2\n",
      "%YAML 1.2\n---\na: 1\n",
      "1: a\n",
      "true: a\n",
      "a: .inf\n",
      'a: "\\x41"\n',
      "a: 'unclosed\n",
      "a: \"x\" y\n",
      "a:x\n",
      "a\u00a0: 1\n",
      "__proto__: 1\n",
      "<<: { a: 1 }\n",
      "-\n  a: 1\n",
      "a:\n-\n  b: 1\n",
      "[1, 2]\n",
      '{"a": 1}\n# trailing comment\n',
      '{"a"\n: 1}',
    ];
    for (const t of declined) expect(fastParse(t), JSON.stringify(t)).toBeUndefined();
  });

  it("never accepts what yaml rejects, nor reads anything differently (mutated files)", () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const inserts = [" ", "  ", "\n", ":", ": ", "-", "- ", "#", " #", '"', "'", "[", "]", "{", "}", ",", "\t", "&", "*", "!", "|", ">", "?", "\\", "0", "x", "~", "%", "@", "`", "\u00a0", "\r"];
    const sources = [...typical, stringify(config(5, 1)), JSON.stringify(config(3, 2), null, 2)];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      let t = sources[rnd(sources.length)]!;
      for (let m = 1 + rnd(2); m > 0; m--) {
        const at = rnd(t.length + 1);
        switch (rnd(4)) {
          case 0:
            t = t.slice(0, at) + inserts[rnd(inserts.length)] + t.slice(at);
            break;
          case 1:
            t = t.slice(0, at) + t.slice(at + 1 + rnd(3));
            break;
          case 2: {
            const lines = t.split("\n");
            const j = rnd(lines.length);
            lines.splice(j, 0, lines[rnd(lines.length)]!);
            t = lines.join("\n");
            break;
          }
          default: {
            const lines = t.split("\n");
            const j = rnd(lines.length);
            lines[j] = rnd(2) ? "  " + lines[j] : lines[j]!.replace(/^ {1,2}/, "");
            t = lines.join("\n");
          }
        }
      }
      if (agrees(t)) accepted++;
    }
    expect(accepted).toBeGreaterThan(300); // the fast path is not just declining everything
  });
});

describe("loadConfig's fast path", () => {
  const F = "/etc/pd/postdeck.yaml";
  const o = { home: "/home/u", env: { XDG_STATE_HOME: "/st" }, hostname: "rig1" };

  it("gives the full path's ResolvedConfig for a valid file", () => {
    for (const t of [...typical, stringify(config(16, 3)), JSON.stringify(config(16, 4), null, 2)]) {
      const fast = fastConfig(t, F, o);
      expect(fast, t).not.toBeNull();
      expect(same(fast, parseConfigText(t, F, o)), t).toBe(true);
    }
  });

  it("leaves a file with problems to the full path", () => {
    const bad = [
      base + "services:\n  - dir: /pos/a\n",
      base + "services:\n  - name: a\n    dir: /a\n  - name: a\n    dir: /b\n",
      base + "defaults:\n  nonces: 100\n",
      base + "bogus: 1\n",
      "node:\n  dataFolder: /d\n  log: { file: /n.log, command: [go-spacemesh] }\n",
    ];
    for (const t of bad) {
      expect(fastParse(t), t).not.toBeUndefined(); // read fine: the problem is the config's
      expect(fastConfig(t, F, o), t).toBeNull();
    }
  });

  it("reports a bad file's problems with their lines, as before", async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), "pd-fast-"));
    const file = path.join(d, "postdeck.yaml");
    writeFileSync(file, base + "services:\n  - name: a\n    dir: /pos/a\n    threads: many\n");
    const err = await loadConfig({ flag: file, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([`${file}:7: services[0].threads: found "many"; expected a number`]);
    writeFileSync(file, stringify(config(4, 5)));
    expect(same(await loadConfig({ flag: file, env: {}, hostname: "h" }), parseConfigText(stringify(config(4, 5)), file, { env: {}, hostname: "h" }))).toBe(true);
  });
});
