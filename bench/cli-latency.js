#!/usr/bin/env node
// `postdeck status --json` wall time (the budget: <= 300 ms) against a daemon with 4, 16,
// 64 idle services and a simulated node (as a real rig has: gRPC, log file, postcli). Not a timed
// test: the figures go to bench/RESULTS.md with the load average beside them.
//
//   npm run build && node bench/cli-latency.js [--services 4,16,64] [--runs 30] [--no-node]
//                                              [--compare OTHER/bin/postdeck.js]
//
// Per round, in turn: bare `node -e 0` (the floor under any Node CLI), `node bin/postdeck.js
// status --json` (as the bench's scale phase runs it), `bin/postdeck.js status --json` (the
// installed command: its shebang adds the console's heap flags), and with --compare another
// build's `node OTHER status --json` against the same daemon (a before/after under the same load).
// CPU per run = user+sys of the reaped child (this process's cutime+cstime, 10 ms ticks).
import { spawnSync } from "node:child_process";
import { makeChildren, POSTDECK_BIN } from "./lib/children.js";
import { describeMachine } from "./lib/machine.js";
import { PostdeckSupervisor, postdeckEnv } from "./lib/postdeck.js";
import { cpuTimes, loadAvg, sleep } from "./lib/proc.js";
import { percentile } from "./lib/stats.js";
import { freshDir, removeDir } from "./lib/supervisors.js";
import { arg } from "./lib/args.js";

const counts = arg("services", "4,16,64").split(",").map(Number);
const runs = Number(arg("runs", 30));
const withNode = !process.argv.includes("--no-node");
const compare = arg("compare", null);

function timed(argv) {
  const c0 = cpuTimes(process.pid).reaped;
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: postdeckEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr}`);
  return { ms, cpuMs: (cpuTimes(process.pid).reaped - c0) * 1000, bytes: r.stdout.length };
}

const m = describeMachine();
console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB, ${m.kernel}, Node ${m.node}; ${m.date}`);
console.log(`status --json, ${runs} runs per variant, ${withNode ? "with a simulated node" : "no node"}\n`);
console.log("| services | variant | p50 ms | p95 ms | max ms | CPU ms (mean) | bytes | load start → end |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const n of counts) {
  const root = freshDir(`lat${n}`);
  const { children } = makeChildren(root, `pdl${n}`, n, ["--rate", 0, "--seconds", 0, "--then", "idle"]);
  const sup = new PostdeckSupervisor(root, children, { node: withNode });
  try {
    await sup.start();
    await sleep(3000);
    const load0 = loadAvg();
    const variants = [
      ["node -e 0", [process.execPath, "-e", "0"]],
      ["node bin/postdeck.js", [process.execPath, POSTDECK_BIN, "--config", sup.configPath, "status", "--json"]],
      ["bin/postdeck.js (as installed)", [POSTDECK_BIN, "--config", sup.configPath, "status", "--json"]],
      ...(compare ? [[`node ${compare}`, [process.execPath, compare, "--config", sup.configPath, "status", "--json"]]] : []),
    ];
    const res = variants.map(() => []);
    for (const [, argv] of variants) timed(argv); // warm the page cache
    for (let i = 0; i < runs; i++) variants.forEach(([, argv], k) => res[k].push(timed(argv)));
    const load1 = loadAvg();
    variants.forEach(([name], k) => {
      const ms = res[k].map((x) => x.ms);
      const cpu = res[k].reduce((a, x) => a + x.cpuMs, 0) / runs;
      console.log(
        `| ${n} | ${name} | ${percentile(ms, 50).toFixed(0)} | ${percentile(ms, 95).toFixed(0)} | ${Math.max(...ms).toFixed(0)} | ${cpu.toFixed(0)} | ${res[k][0].bytes || "-"} | ${load0} → ${load1} |`,
      );
    });
  } finally {
    await sup.stop().catch(() => undefined);
    removeDir(root);
  }
}
