#!/usr/bin/env node
// Demo-rig budgets (issue 3; not a timed test, figures go to bench/RESULTS.md):
//   A. `postdeck demo --identities 4` in a fresh dir: wall time until all four identities are
//      shown (status --json lists 4 identities, each registered in the node)
//   B. the idle rig (simulated node + 4 post-services + daemon) between cycle gaps: CPU % of one
//      core and RSS over --seconds
//
//   npx tsc -p . && node bench/demo-rig.js [--seconds 60]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { POSTDECK_BIN } from "./lib/children.js";
import { cpuSeconds, rssBytes, findByArgv, loadAvg, sleep, waitFor } from "./lib/proc.js";
import { describeMachine } from "./lib/machine.js";
import { mb, fixed } from "./lib/stats.js";

const i = process.argv.indexOf("--seconds");
const SECONDS = Number(i >= 0 ? process.argv[i + 1] : 60);
const dir = mkdtempSync(path.join(os.tmpdir(), "pd-bench-demo-"));
const cfg = ["--config", path.join(dir, "postdeck.yaml")];
const env = { ...process.env, NO_COLOR: "1", XDG_RUNTIME_DIR: "" };
const cli = (args) => spawnSync(process.execPath, [POSTDECK_BIN, ...args], { env, encoding: "utf8" });

const t0 = performance.now();
const built = cli(["demo", "--dir", dir, "--identities", "4", "--no-console"]);
if (built.status !== 0) throw new Error(built.stderr);
let status = null;
await waitFor(() => {
  const r = cli([...cfg, "status", "--json"]);
  if (r.status !== 0) return false;
  status = JSON.parse(r.stdout);
  return status.identities.length === 4 && status.identities.every((x) => x.registered === "yes");
}, "four identities registered", 60_000, 100);
const upS = (performance.now() - t0) / 1000;

// wait for the initial proofs to finish (the node asks every new identity at start)
await waitFor(() => {
  const s = JSON.parse(cli([...cfg, "status", "--json"]).stdout);
  return s.identities.every((x) => x.postState === "IDLE") && s.services.every((v) => v.operator.kind === "idle");
}, "initial proofs done", 120_000, 500);

const rigPids = () => [
  status.daemon.pid,
  ...findByArgv((argv) => argv.some((a) => a.startsWith(dir))),
];
const pids = rigPids();
const load0 = loadAvg();
const c0 = cpuSeconds(pids);
let peakRss = 0;
const start = performance.now();
while (performance.now() - start < SECONDS * 1000) {
  peakRss = Math.max(peakRss, pids.reduce((a, p) => a + rssBytes(p), 0));
  await sleep(500);
}
const c1 = cpuSeconds(pids);
const wall = (performance.now() - start) / 1000;
const idlePct = ((c1.total - c0.total) / wall) * 100;
const load1 = loadAvg();
cli([...cfg, "daemon", "stop", "--stop-services", "--force"]);
spawnSync("sh", ["-c", `pkill -KILL -f '${dir}' || true`]);
rmSync(dir, { recursive: true, force: true });

const m = describeMachine();
const out = [
  `### Demo rig (${new Date().toISOString().slice(0, 10)}, ${m.cpu ?? "cpu"}, ${os.cpus().length} cores, Node ${process.version})`,
  "",
  "| measure | figure | budget |",
  "|---|---|---|",
  `| \`postdeck demo --identities 4\` → four identities shown and registered | ${fixed(upS)} s | <= 10 s |`,
  `| idle rig (node + 4 services + daemon, ${pids.length} processes), CPU over ${SECONDS} s | ${fixed(idlePct, 2)} % of one core | <= 10 % |`,
  `| idle rig peak RSS (all processes) | ${mb(peakRss)} MB | — |`,
  `| load average start → end | ${load0} → ${load1} | |`,
  "",
];
process.stdout.write(out.join("\n") + "\n");
