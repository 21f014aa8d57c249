#!/usr/bin/env node
// Supervisor budgets (not a timed test; figures go to bench/RESULTS.md):
//   A. the daemon supervising N idle fake post-services: its CPU (% of one core) and RSS over --seconds
//   B. `postdeck status --json` wall time, p50/p95 over --runs
//   C. crash → running again (first restart, default backoff) latency, over --crashes services
//
//   npx tsc -p . && node bench/supervisor-idle.js [--services 16] [--seconds 60] [--runs 20] [--crashes 5]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { identity } from "./lib/postdeck.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(root, "bin/postdeck.js");
const FAKE = path.join(root, "test/fixtures/fake-post-service.mjs");
const { SocketClient } = await import(path.join(root, "dist/client/socket-client.js"));
const { socketPath } = await import(path.join(root, "dist/config/runtime-paths.js"));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i >= 0 ? process.argv[i + 1] : def);
};
const N = arg("services", 16);
const SECONDS = arg("seconds", 60);
const RUNS = arg("runs", 20);
const CRASHES = Math.min(arg("crashes", 5), N);
const env = { ...process.env, XDG_RUNTIME_DIR: "", NO_COLOR: "1" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

// A throw-away rig: N identities with keys and PoS metadata, a config, a state dir.
const dir = mkdtempSync(path.join(os.tmpdir(), "pd-bench-"));
const dataFolder = path.join(dir, "data");
mkdirSync(path.join(dataFolder, "identities"), { recursive: true, mode: 0o700 });
const services = [];
for (let i = 0; i < N; i++) {
  const pos = path.join(dir, `pos${i}`);
  identity(dataFolder, pos, `post${i}.key`);
  services.push({ name: `post${i}`, dir: pos });
}
const configPath = path.join(dir, "postdeck.yaml");
const stateDir = path.join(dir, "st");
writeFileSync(configPath, stringify({ stateDir, node: { dataFolder, grpc: { post: "127.0.0.1:9094" } }, defaults: { binary: FAKE, stopGraceS: 2 }, services }));

const cli = (...a) => spawnSync(process.execPath, [BIN, ...a, "--config", configPath], { env, encoding: "utf8" });
const client = new SocketClient(socketPath(stateDir, env), { timeoutMs: 10_000 });

function procCpuTicks(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}
function procRssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

let daemonPid = null;
try {
  const started = cli("daemon", "start");
  if (started.status !== 0) throw new Error(`daemon start failed: ${started.stderr}`);
  let snap;
  for (;;) {
    snap = await client.call("snapshot", {});
    daemonPid = snap.daemon.pid;
    if (snap.services.filter((s) => s.state === "running" && s.operator.kind === "idle").length === N) break;
    await sleep(200);
  }
  console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}, node ${process.version}`);
  console.log(`${N} idle services running under daemon pid ${daemonPid}; settling 5 s`);
  await sleep(5000);

  // A. idle cost
  const t0 = Date.now();
  const c0 = procCpuTicks(daemonPid);
  const rss = [];
  while (Date.now() - t0 < SECONDS * 1000) {
    rss.push(procRssBytes(daemonPid));
    await sleep(1000);
  }
  const cpuPct = ((procCpuTicks(daemonPid) - c0) / 100 / ((Date.now() - t0) / 1000)) * 100;
  console.log(`A. daemon over ${SECONDS} s: CPU ${cpuPct.toFixed(2)}% of one core (budget 2%); RSS max ${(Math.max(...rss) / 1048576).toFixed(1)} MB, mean ${(rss.reduce((a, b) => a + b, 0) / rss.length / 1048576).toFixed(1)} MB (budget 80 MB)`);

  // B. status --json wall time
  const walls = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = cli("status", "--json");
    walls.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0) throw new Error(`status failed: ${r.stderr}`);
  }
  const calls = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await client.call("snapshot", {});
    calls.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const bare = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ["-e", "0"]);
    bare.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(`B. postdeck status --json over ${RUNS} runs: p50 ${pct(walls, 50).toFixed(0)} ms, p95 ${pct(walls, 95).toFixed(0)} ms, max ${Math.max(...walls).toFixed(0)} ms (budget 300 ms)`);
  console.log(`   of which: snapshot call in-process p50 ${pct(calls, 50).toFixed(1)} ms; bare \`node -e 0\` p50 ${pct(bare, 50).toFixed(0)} ms; load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);

  // C. crash → running (first restart: initialDelayMs 500 ± 10 % jitter)
  const lat = [];
  for (let i = 0; i < CRASHES; i++) {
    const before = (await client.call("snapshot", {})).services[i];
    const t = Date.now();
    process.kill(before.pid, "SIGKILL");
    for (;;) {
      const v = (await client.call("snapshot", {})).services[i];
      if (v.state === "running" && v.pid !== before.pid) {
        lat.push(Date.now() - t);
        break;
      }
      await sleep(10);
    }
  }
  console.log(`C. crash (SIGKILL) → running again, ${CRASHES} services: ${lat.map((x) => `${x} ms`).join(", ")}; max ${Math.max(...lat)} ms (budget 1500 ms; 500 ms of it is the configured first backoff)`);
} finally {
  client.close();
  cli("daemon", "stop", "--stop-services", "--force");
  if (daemonPid) {
    try {
      process.kill(daemonPid, 0);
      process.kill(-daemonPid, "SIGKILL");
    } catch {
      /* stopped */
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
