#!/usr/bin/env node
// `postdeck fleet --json` wall time over N rigs on this machine (the budget: <= 1.5 s for 8).
// Each rig is a demo rig (`postdeck demo --identities 1 --no-console`: simulated node, one
// post-service, its own daemon), listed with `config:` in a rigs file. Not a timed test: the
// figures go to bench/RESULTS.md (section 7) with the load average beside them.
//
//   npm run build && node bench/fleet/fleet-latency.js [--rigs 8] [--runs 15] [--keep]
//
// --keep leaves the rigs running (in $TMPDIR/postdeck-bench-fleet) for another round; without it
// they are stopped and removed at the end.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { POSTDECK_BIN } from "../lib/children.js";
import { describeMachine } from "../lib/machine.js";
const loadAvg = () => os.loadavg()[0].toFixed(1);
import { max, median, percentile } from "../lib/stats.js";
import { arg } from "../lib/args.js";

const n = Number(arg("rigs", 8));
const runs = Number(arg("runs", 15));
const keep = process.argv.includes("--keep");
const root = path.join(os.tmpdir(), "postdeck-bench-fleet");
mkdirSync(root, { recursive: true });

const cli = (args) => spawnSync(process.execPath, [POSTDECK_BIN, ...args], { encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" } });

const configs = [];
for (let i = 1; i <= n; i++) {
  const dir = path.join(root, `rig${i}`);
  const r = cli(["demo", "--dir", dir, "--identities", "1", "--no-console"]);
  if (r.status !== 0) throw new Error(`demo rig ${dir} failed: ${r.stderr}`);
  configs.push(path.join(dir, "postdeck.yaml"));
}
const rigsFile = path.join(root, "rigs.yaml");
writeFileSync(rigsFile, configs.map((c, i) => `- name: rig${i + 1}\n  config: ${c}\n`).join(""));

// wall ms of one command
function timed(argv, check) {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && check === undefined) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr}`);
  check?.(r);
  return ms;
}
const fleetArgv = [process.execPath, POSTDECK_BIN, "fleet", "--json", "--rigs", rigsFile];
const checkFleet = (r) => {
  const out = JSON.parse(r.stdout);
  const reachable = out.rigs.filter((x) => x.reachable).length;
  if (reachable !== n) throw new Error(`only ${reachable} of ${n} rigs answered: ${r.stdout}`);
};

try {
  const m = describeMachine();
  console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB, ${m.kernel}, Node ${m.node}; ${m.date}`);
  await new Promise((r) => setTimeout(r, 5000)); // the rigs' first seconds (node start, first proofs)
  // in turn, per round: the floor under any Node CLI, one rig's `status --json`, and the fleet
  const variants = [
    ["node -e 0", [process.execPath, "-e", "0"], undefined],
    ["status --json (1 rig)", [process.execPath, POSTDECK_BIN, "--config", configs[0], "status", "--json"], undefined],
    [`fleet --json (${n} rigs)`, fleetArgv, checkFleet],
  ];
  for (const [, argv, check] of variants) timed(argv, check); // warm the page cache
  const load0 = loadAvg();
  const ms = variants.map(() => []);
  for (let i = 0; i < runs; i++) variants.forEach(([, argv, check], j) => ms[j].push(timed(argv, check)));
  const load1 = loadAvg();
  const f = (x) => x.toFixed(0);
  console.log(`\n| command | runs | median ms | p10 ms | p90 ms | min ms | max ms | load start → end |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  variants.forEach(([name], j) => {
    const x = ms[j];
    console.log(`| ${name} | ${runs} | ${f(median(x))} | ${f(percentile(x, 10))} | ${f(percentile(x, 90))} | ${f(Math.min(...x))} | ${f(max(x))} | ${load0} → ${load1} |`);
  });
  console.log(`\nbudget: fleet --json over 8 rigs <= 1500 ms`);
} finally {
  if (!keep) {
    for (const c of configs) cli(["--config", c, "daemon", "stop", "--stop-services", "--force"]);
    if (existsSync(root)) rmSync(root, { recursive: true, force: true });
  }
}
