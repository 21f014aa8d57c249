import { describe, expect, it } from "vitest";
import path from "node:path";
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { parseConfigText, loadConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/config/config-error.js";
import { findConfigFile } from "../../src/config/config-path.js";
import { tempDir } from "../helpers/temp-dir.js";

const F = "/etc/pd/postdeck.yaml";

function problems(text: string): string[] {
  try {
    parseConfigText(text, F, { home: "/home/u", env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

const base = `node:\n  dataFolder: ~/spacemesh\n  grpc: { post: "127.0.0.1:9094" }\n`;

describe("config problems", () => {
  it("names a missing field with file, line and path", () => {
    const p = problems(base + "services:\n  - dir: /pos/a\n");
    expect(p).toEqual([`${F}:5: services[0].name: found nothing (missing); expected a string`]);
  });
  it("names a wrong type", () => {
    const p = problems(base + "services:\n  - name: a\n    dir: /pos/a\n    threads: many\n");
    expect(p[0]).toMatch(/^\/etc\/pd\/postdeck\.yaml:7: services\[0\]\.threads: found "many"; expected a number$/);
  });
  it("names an unknown key", () => {
    const p = problems(base + "services:\n  - name: a\n    dir: /pos/a\n    thread: 2\n");
    expect(p[0]).toContain('services[0].thread: unknown key "thread"; expected one of name, dir');
  });
  it("refuses duplicate names and dirs (after path resolution)", () => {
    const p = problems(base + "services:\n  - name: a\n    dir: /pos/a\n  - name: a\n    dir: /pos/../pos/a\n");
    expect(p).toHaveLength(2);
    expect(p[0]).toContain("services[1].name: found \"a\", the same name as services[0]");
    expect(p[1]).toContain("services[1].dir: found \"/pos/a\", the same PoS directory as services[0]");
  });
  it("refuses a host name as operator address and duplicate addresses", () => {
    expect(problems(base + "services:\n  - name: a\n    dir: /a\n    operatorAddress: localhost:5000\n")[0]).toContain(
      'services[0].operatorAddress: found "localhost:5000"; expected IP:port',
    );
    const p = problems(base + "services:\n  - { name: a, dir: /a, operatorAddress: '127.0.0.1:5000' }\n  - { name: b, dir: /b, operatorAddress: '127.0.0.1:5000' }\n");
    expect(p[0]).toContain("services[1].operatorAddress");
  });
  it("applies post-service's nonce rules and refuses pinnedCores with threads", () => {
    expect(problems(base + "defaults:\n  nonces: 100\n")[0]).toContain("defaults.nonces: found 100; expected a multiple of 16");
    expect(problems(base + "defaults:\n  nonces: 8192\n")[0]).toContain("max nonces is 4096");
    expect(problems(base + "services:\n  - { name: a, dir: /a, threads: 2, pinnedCores: [0, 1] }\n")[0]).toContain(
      "services[0].pinnedCores: found pinnedCores together with threads",
    );
  });
  it("refuses a node log given both as a file and as a command", () => {
    const p = problems("node:\n  dataFolder: /d\n  log: { file: /n.log, command: [go-spacemesh] }\n");
    expect(p).toEqual([`${F}:3: node.log: found a mapping; expected either log.file or log.command, not both`]);
  });
  it("reports YAML syntax errors with their line, one line each", () => {
    const p = problems("node:\n  dataFolder: [\n");
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/YAML syntax error at line \d+/);
    expect(p[0]).not.toContain("\n");
  });
  it("resolves defaults, paths and the state dir", () => {
    const r = parseConfigText(
      base + "defaults:\n  threads: 3\n  env: { A: '1' }\nservices:\n  - { name: a, dir: pos/a, env: { B: '2' } }\n  - { name: b, dir: /b, pinnedCores: [1], binary: ./bin/ps }\n",
      F,
      { home: "/home/u", env: { XDG_STATE_HOME: "/st" }, hostname: "rig1" },
    );
    expect(r.node.identitiesDir).toBe("/home/u/spacemesh/identities");
    expect(r.stateDir).toBe("/st/postdeck");
    expect(r.rig).toBe("rig1");
    expect(r.services[0]).toMatchObject({ dir: "/etc/pd/pos/a", threads: 3, env: { A: "1", B: "2" }, binary: "post-service", nonces: 128 });
    expect(r.services[0]!.restart).toEqual({ policy: "on-failure", maxRestarts: 10, initialDelayMs: 500, maxDelayMs: 15000, resetAfterS: 30 });
    expect(r.services[1]).toMatchObject({ pinnedCores: [1], binary: "/etc/pd/bin/ps" });
    expect(r.node).toMatchObject({ pollMs: 2000, slowPollMs: 30_000 });
  });
  it("takes the node poll intervals, at least 100 ms each", () => {
    const r = parseConfigText(base.replace("  grpc:", "  pollMs: 500\n  slowPollMs: 1000\n  grpc:"), F, { home: "/home/u", env: {} });
    expect(r.node).toMatchObject({ pollMs: 500, slowPollMs: 1000 });
    const p = problems(base.replace("  grpc:", "  slowPollMs: 10\n  grpc:"));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^\/etc\/pd\/postdeck\.yaml:3: node\.slowPollMs: found 10; expected .*100/);
  });
});

describe("config lookup", () => {
  it("uses --config, then $POSTDECK_CONFIG, then ./postdeck.yaml, then XDG", async () => {
    const d = tempDir("pd-cfg-");
    const xdg = path.join(d, "xdg");
    expect(findConfigFile({ cwd: d, env: { XDG_CONFIG_HOME: xdg }, home: d })).toEqual({
      file: null,
      tried: [path.join(d, "postdeck.yaml"), path.join(xdg, "postdeck", "config.yaml")],
    });
    writeFileSync(path.join(d, "postdeck.yaml"), base);
    expect(findConfigFile({ cwd: d, env: {}, home: d }).file).toBe(path.join(d, "postdeck.yaml"));
    expect(findConfigFile({ cwd: d, env: { POSTDECK_CONFIG: "/x.yaml" }, home: d }).file).toBe("/x.yaml");
    expect(findConfigFile({ flag: "y.yaml", cwd: d, env: { POSTDECK_CONFIG: "/x.yaml" }, home: d }).file).toBe(path.join(d, "y.yaml"));
    await expect(loadConfig({ flag: path.join(d, "missing.yaml"), env: {} })).rejects.toThrow(/cannot read the config file \(ENOENT/);
  });
});

describe("config check refuses what would fail later", () => {
  const svc = (extra: string) => base + `services:\n  - name: a\n    dir: /pos/a\n${extra}`;
  it("timer values above 2^31-1 ms (Node would fire them at once), with file:line and field", () => {
    expect(problems(svc("    restart:\n      initialDelayMs: 2147483648\n"))).toEqual([
      `${F}:8: services[0].restart.initialDelayMs: found 2147483648; expected at most 2147483647 (2^31-1 ms, about 24.8 days: the longest delay a timer takes; a longer one would fire at once)`,
    ]);
    expect(problems(base + "defaults:\n  restart: { maxDelayMs: 3000000000 }\n")[0]).toMatch(/^\/etc\/pd\/postdeck\.yaml:5: defaults\.restart\.maxDelayMs: found 3000000000; expected at most 2147483647 /);
    expect(problems(base + "defaults:\n  stopGraceS: 2147484\n")[0]).toContain("defaults.stopGraceS: found 2147484; expected at most 2147483 s");
    expect(problems(base + "defaults:\n  restart: { resetAfterS: 1e10 }\n")[0]).toContain("defaults.restart.resetAfterS: found 10000000000; expected at most 2147483 s");
    // the largest value that works is accepted
    expect(() => parseConfigText(svc("    restart: { initialDelayMs: 2147483647 }\n"), F, { env: {} })).not.toThrow();
  });
  it("ports above 65535 (and 0) in gRPC listeners and operator addresses", () => {
    const grpc = problems(`node:\n  dataFolder: /d\n  grpc: { post: "127.0.0.1:70000", public: "node.lan:0" }\n`);
    expect(grpc).toEqual([
      `${F}:3: node.grpc.public: found "node.lan:0"; expected host:port with a port from 1 to 65535, e.g. 127.0.0.1:9094`,
      `${F}:3: node.grpc.post: found "127.0.0.1:70000"; expected host:port with a port from 1 to 65535, e.g. 127.0.0.1:9094`,
    ]);
    expect(problems(svc("    operatorAddress: 127.0.0.1:99999\n"))).toEqual([
      `${F}:7: services[0].operatorAddress: found "127.0.0.1:99999"; expected IP:port with a valid IPv4 or [IPv6] address and a port from 1 to 65535, e.g. 127.0.0.1:50051`,
    ]);
  });
  it("operator addresses that are not IP:port: one line each", () => {
    for (const bad of ["localhost:5000", "127.0.0.1", "999.1.1.1:5000", "[zz::1]:5000", "127.0.0.1:"]) {
      const p = problems(svc(`    operatorAddress: "${bad}"\n`));
      expect(p).toHaveLength(1);
      expect(p[0]).toContain(`${F}:7: services[0].operatorAddress: found "${bad}"; expected IP:port`);
    }
    expect(() => parseConfigText(svc(`    operatorAddress: "[::1]:50051"\n`), F, { env: {} })).not.toThrow();
  });
  it("service names over 64 characters", () => {
    const long = "n".repeat(65);
    expect(problems(base + `services:\n  - name: ${long}\n    dir: /pos/a\n`)).toEqual([
      `${F}:5: services[0].name: found "${"n".repeat(57)}..."; expected at most 64 characters`,
    ]);
    expect(() => parseConfigText(base + `services:\n  - name: ${"n".repeat(64)}\n    dir: /pos/a\n`, F, { env: {} })).not.toThrow();
  });
  it("two service dirs that are one after following symlinks", () => {
    const root = tempDir("pd-cfg-");
    mkdirSync(path.join(root, "pos"));
    symlinkSync(path.join(root, "pos"), path.join(root, "pos-link"));
    const p = problems(base + `services:\n  - { name: a, dir: ${root}/pos }\n  - { name: b, dir: ${root}/pos-link }\n`);
    expect(p).toEqual([`${F}:6: services[1].dir: found "${realpathSync(root)}/pos", the same PoS directory as services[0] (a); expected a unique PoS directory per service`]);
  });
  it("a YAML alias bomb: exit 2 naming the file and the line of the first alias", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefg"[i]}`).join(", ")}]`), base].join("\n");
    expect(problems(bomb)).toEqual([
      `${F}:2: YAML aliases: Excessive alias count indicates a resource exhaustion attack; expected a config without deeply nested aliases (*name)`,
    ]);
  });
  it("a state dir writable by group or others, naming the dir and the chmod that fixes it (config check and daemon start)", async () => {
    const root = tempDir("pd-cfg-");
    const st = path.join(root, "st");
    mkdirSync(st);
    chmodSync(st, 0o775);
    const file = path.join(root, "postdeck.yaml");
    writeFileSync(file, `node:\n  dataFolder: ${root}/data\nstateDir: ${st}\n`);
    const err = await loadConfig({ flag: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).problems).toEqual([
      `${file}:3: stateDir: ${st} is writable by group (mode 0775): anyone there could replace the daemon's socket or state; expected a dir only its owner can write: run \`chmod go-w ${st}\``,
    ]);
    chmodSync(st, 0o757);
    expect(((await loadConfig({ flag: file }).catch((e: unknown) => e)) as ConfigError).problems[0]).toContain("writable by others (mode 0757)");
    chmodSync(st, 0o755);
    expect((await loadConfig({ flag: file })).stateDir).toBe(st);
  });
});
