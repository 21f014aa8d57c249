import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { assertBuilt, freePort, killAll, makePos, sim, simRun, tmpDir, waitFor } from "./sim-process.js";

const ENV_LOGGER = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (ERROR|WARN |INFO |DEBUG|TRACE) [a-z_:]+\] /;

beforeAll(assertBuilt);
// each test has its own dirs, ports and processes: the tests run side by side, their processes
// killed after the file
afterAll(killAll);

async function posDir(): Promise<string> {
  const dir = tmpDir();
  await makePos(dir);
  return dir;
}

describe.concurrent("sim post-service", () => {
  it("validates --nonces like clap's value parser (exit 2)", async () => {
    const r = await simRun(["post-service", "--address", "http://127.0.0.1:1", "--dir", "/nonexistent", "--threads", "1", "--nonces", "17"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: invalid value '17' for '--nonces <NONCES>': nonces must be multiple of 16\n\nFor more information, try '--help'.\n");
    const big = await simRun(["post-service", "--address", "http://127.0.0.1:1", "--dir", "/x", "--nonces=4112"]);
    expect(big.code).toBe(2);
    expect(big.stderr).toContain("max nonces is 4096");
    const unknown = await simRun(["post-service", "--address", "http://127.0.0.1:1", "--dir", "/x", "--labels-per-unit", "4"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unexpected argument '--labels-per-unit' found\n/);
  });

  it("reports missing metadata as an eyre error with the loading POST metadata cause (exit 1)", async () => {
    const dir = tmpDir();
    const r = await simRun(["post-service", "--address", "http://127.0.0.1:1", "--dir", dir, "--threads", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: creating Post Service\n\nCaused by:\n    0: loading POST metadata\n    1: No such file or directory (os error 2)\n");
    const logLines = r.stderr.split("\n").filter((l) => l.startsWith("["));
    expect(logLines.length).toBeGreaterThanOrEqual(3);
    for (const l of logLines) expect(l).toMatch(ENV_LOGGER);
    expect(r.stderr).toMatch(/\] POST network parameters: \{/);
    expect(r.stderr).toMatch(/\] POST proving settings: \{/);
    expect(r.stderr).toMatch(/INFO  post_service\] using 1 cores\n/);
  });

  it("refuses NumUnits out of range, unknown schemes and https without TLS (exit 1)", async () => {
    const dir = await posDir();
    const range = await simRun(["post-service", "--address", "http://127.0.0.1:1", "--dir", dir, "--threads", "1", "--min-num-units", "8"]);
    expect(range.code).toBe(1);
    expect(range.stderr).toContain("Error: number of units in the POST data is out of range: 4 not in 8..=4294967295\n");
    const scheme = await simRun(["post-service", "--address", "ftp://127.0.0.1:1", "--dir", dir, "--threads", "1"]);
    expect(scheme.code).toBe(1);
    expect(scheme.stderr).toContain("Error: unknown client protocol\n");
    expect(scheme.stderr).toMatch(/INFO  post_service\] not configuring TLS\n/);
    const https = await simRun(["post-service", "--address", "https://127.0.0.1:1", "--dir", dir, "--threads", "1"]);
    expect(https.code).toBe(1);
    expect(https.stderr).toContain("Error: client protocol set to https but tls configuration not provided\n");
  });

  it("retries an unreachable node every interval and gives up after --max-retries", async () => {
    const dir = await posDir();
    const port = await freePort();
    const r = await simRun(["post-service", "--address", `http://127.0.0.1:${port}`, "--dir", dir, "--threads", "1", "--max-retries", "2", "--reconnect-interval-s", "1"]);
    expect(r.code).toBe(1);
    const attempts = r.stderr.split("\n").filter((l) => l.includes("INFO  post_service::client] could not connect to the node: "));
    expect(attempts.length).toBe(3);
    expect(attempts[0]).toContain('ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })');
    expect(r.stderr).toContain("Error: max retries (2) reached\n");
  });

  it("serves only GET /status on the operator address, Idle while not proving", async () => {
    const dir = await posDir();
    const op = await freePort();
    const node = await freePort();
    const p = sim(["post-service", "--address", `http://127.0.0.1:${node}`, "--dir", dir, "--threads", "1", "--operator-address", `127.0.0.1:${op}`, "--reconnect-interval-s", "1"]);
    await waitFor("operator line", () => p.stderr().includes(`INFO  post_service::operator] running operator service on 127.0.0.1:${op}\n`));
    const res = await fetch(`http://127.0.0.1:${op}/status`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('"Idle"');
    expect((await fetch(`http://127.0.0.1:${op}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${op}/metrics`)).status).toBe(404);
    // keeps retrying forever without --max-retries (every second here)
    await waitFor("a retry", () => p.stderr().split("could not connect to the node").length > 2, 30_000);
    expect(p.child.exitCode).toBeNull();
  });

  it("logs the bound operator address when given port 0", async () => {
    const dir = await posDir();
    const node = await freePort();
    const p = sim(["post-service", "--address", `http://127.0.0.1:${node}`, "--dir", dir, "--threads", "1", "--operator-address", "127.0.0.1:0"]);
    const m = await waitFor("operator line", () => /running operator service on 127\.0\.0\.1:(\d+)\n/.exec(p.stderr()));
    expect(Number(m[1])).toBeGreaterThan(0);
    expect(await (await fetch(`http://127.0.0.1:${m[1]}/status`)).text()).toBe('"Idle"');
  });

  it("exits 0 when the --watch-pid process is gone", async () => {
    const dir = await posDir();
    const node = await freePort();
    const victim = spawn("sleep", ["600"], { stdio: "ignore" });
    const p = sim(["post-service", "--address", `http://127.0.0.1:${node}`, "--dir", dir, "--threads", "1", "--watch-pid", String(victim.pid)]);
    await waitFor("watching line", () => p.stderr().includes(`watching PID ${victim.pid}`));
    victim.kill("SIGKILL");
    await new Promise((r) => victim.on("exit", r));
    expect(await p.exit).toBe(0);
    expect(p.stderr()).toMatch(new RegExp(`PID ${victim.pid} (not found|died \\(status: \\w+\\))`));
  });
});
