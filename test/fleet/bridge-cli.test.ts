// `postdeck bridge` as ssh runs it (a program, HTTP on its stdin and stdout): it finds a running
// daemon's socket from the config's stateDir line, without loading the rest of the config (the
// daemon checked it when it started); a config changed since the daemon started, or one without a
// daemon, is loaded whole, so its problems are exit 2 with file and line as for any command.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { BIN, TEST_ENV, requireBuild } from "../helpers/cli.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { socketFile } from "../../src/config/runtime-paths.js";

let dir = "";
let config = "";
let daemon: http.Server | null = null;
const SNAPSHOT = "GET /v1/snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/** The bridge with one request on its stdin (then end of input): its exit code and output. */
function bridge(request: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, "bridge", "--config", config], { env: { ...TEST_ENV, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    c.on("close", (code) => resolve({ code, stdout, stderr }));
    c.stdin.end(request);
  });
}

beforeAll(() => {
  requireBuild();
  dir = tempDir("pd-bridge-cli-");
  config = path.join(dir, "postdeck.yaml");
  // a valid stateDir line; the rest is not a config postdeck would load (no node, an unknown key)
  writeFileSync(config, "stateDir: ./state\nservices: []\ncolour: red\n");
  mkdirSync(path.join(dir, "state"));
});
afterAll(async () => {
  if (daemon) await new Promise((r) => daemon!.close(r));
  cleanupTempDirs();
});

describe("postdeck bridge", () => {
  it("a config with problems and no daemon: exit 2 with the config's problems, nothing on stdout", async () => {
    const r = await bridge(SNAPSHOT);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${config}:3: colour: unknown key "colour"`);
    expect(r.stdout).toBe("");
  });

  it("a daemon started after the config was written: its socket from the stateDir line, the request passed on; the config changed since: loaded whole (exit 2)", async () => {
    // a stand-in daemon on the socket the stateDir names (made after the config: as a daemon's is)
    const socket = socketFile(path.join(dir, "state"));
    daemon = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ asked: `${req.method} ${req.url}` }));
    });
    await new Promise<void>((r) => daemon!.listen(socket, r));
    const past = new Date(Date.now() - 60_000);
    utimesSync(config, past, past);
    const r = await bridge(SNAPSHOT);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.stdout).toContain('{"asked":"GET /v1/snapshot"}');
    // edited after the daemon started: the daemon has not checked this text, the bridge loads it
    const now = new Date();
    utimesSync(config, now, now);
    const changed = await bridge(SNAPSHOT);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(`${config}:3: colour: unknown key "colour"`);
  });
});
