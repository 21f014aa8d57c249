// daemonClientFor (status, start/stop/restart, plan): the daemon's socket from the config's
// `stateDir:` line when the daemon's socket is newer than the file; the full load (its file:line
// errors, exit 2) when the file changed since, when the line is not a simple one, or when no daemon
// answers. A real Unix-socket server stands in for the daemon.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { daemonClientFor, parseArgs } from "../../src/cli/cli-context.js";
import { run as logs } from "../../src/cli/logs.js";
import { DaemonNotRunningError } from "../../src/client/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { defaultStateDir, socketFile, stateDirOfConfigText } from "../../src/config/runtime-paths.js";
import { VERSION_HEADER } from "../../src/protocol/routes.js";
import { version } from "../../src/version.js";

describe("stateDirOfConfigText", () => {
  const f = "/etc/pd/postdeck.yaml";
  const env = { XDG_STATE_HOME: "/xdg" };
  it("reads plain and quoted values, relative to the file, with a comment after", () => {
    expect(stateDirOfConfigText("rig: a\nstateDir: /var/pd  # here\n", f, env)).toBe("/var/pd");
    expect(stateDirOfConfigText('stateDir: "st ate"\n', f, env)).toBe("/etc/pd/st ate");
    expect(stateDirOfConfigText("stateDir: 'x'\n", f, env)).toBe("/etc/pd/x");
    expect(stateDirOfConfigText("stateDir: ~/s\n", f, env)).toBe(path.join(os.homedir(), "s"));
  });
  it("gives the default without the line, and null for what it cannot read so simply", () => {
    expect(stateDirOfConfigText("node:\n  stateDir: /nested\n", f, env)).toBe(defaultStateDir(env));
    for (const t of ["stateDir: a#b\n", 'stateDir: "a\\tb"\n', "stateDir: [a]\n", "stateDir: *x\n", "stateDir:\n", "stateDir: a\nstateDir: b\n", "stateDir: |\n  a\n"])
      expect(stateDirOfConfigText(t, f, env), t).toBeNull();
  });
  it("reads a JSON config's top-level stateDir (JSON is YAML), not the default beside it", () => {
    expect(stateDirOfConfigText('{\n  "rig": "b",\n  "stateDir": "st"\n}\n', f, env)).toBe("/etc/pd/st");
    expect(stateDirOfConfigText('# c\n{"stateDir": "/a\\"b"}', f, env)).toBe('/a"b');
    expect(stateDirOfConfigText('{"node": {"stateDir": "/n"}}', f, env)).toBe(defaultStateDir(env));
    // YAML flow style, a quoted or merged top-level key: loaded whole
    for (const t of ["{stateDir: /x}\n", '{"stateDir": 1}', '"stateDir": /x\n', "<<: *base\nrig: a\n", "{"])
      expect(stateDirOfConfigText(t, f, env), t).toBeNull();
  });
});

describe("daemonClientFor", () => {
  let dir: string;
  let file: string;
  let state: string;
  let server: http.Server | null = null;
  const good = () => `node:\n  dataFolder: ${dir}/data\nstateDir: ${state}\n`;
  const bad = () => `${good()}services: 3\n`;
  const args = () => parseArgs(["--config", file], { usage: "u" });
  const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error);

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pd-client-"));
    file = path.join(dir, "postdeck.yaml");
    state = path.join(dir, "state");
    mkdirSync(state, { mode: 0o700 });
  });
  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = null;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A daemon stand-in answering the snapshot with {ok: 1}; its socket is made after the config. */
  async function daemon(): Promise<void> {
    server = http.createServer((_req, res) => {
      res.setHeader(VERSION_HEADER, version);
      res.end(JSON.stringify({ ok: 1 }));
    });
    await new Promise<void>((r) => server!.listen(socketFile(state), r));
  }
  const age = (p: string, s: number) => utimesSync(p, new Date(Date.now() - s * 1000), new Date(Date.now() - s * 1000));

  it("talks to the daemon without loading the config when the file did not change since it started", async () => {
    writeFileSync(file, bad()); // a problem the full load would report: not looked at
    age(file, 60);
    await daemon();
    const c = await daemonClientFor(args());
    try {
      expect(await c.call("snapshot", {})).toEqual({ ok: 1 });
    } finally {
      c.close();
    }
  });

  it("reports a config changed since the daemon started as the full load does", async () => {
    await daemon();
    age(socketFile(state), 60);
    writeFileSync(file, bad());
    const want = await errorOf(loadConfig({ flag: file }));
    expect(want?.message).toMatch(/services/);
    expect((await errorOf(daemonClientFor(args())))?.message).toBe(want!.message);
  });

  it("with no daemon answering: the config's problems first, else no daemon running", async () => {
    writeFileSync(file, bad());
    age(file, 60);
    writeFileSync(socketFile(state), ""); // a stale socket path: nothing listens
    const want = await errorOf(loadConfig({ flag: file }));
    const c = await daemonClientFor(args());
    expect((await errorOf(c.call("snapshot", {})))?.message).toBe(want!.message);
    writeFileSync(file, good());
    age(file, 60);
    const c2 = await daemonClientFor(args());
    expect(await errorOf(c2.call("snapshot", {}))).toBeInstanceOf(DaemonNotRunningError);
  });

  it("logs with no daemon answering and a bad config: the config's errors, not the file read offline", async () => {
    writeFileSync(file, bad());
    age(file, 60);
    writeFileSync(socketFile(state), "");
    const want = await errorOf(loadConfig({ flag: file }));
    expect((await errorOf(logs(["--config", file, "post1"])))?.message).toBe(want!.message);
  });
});
