#!/usr/bin/env node
// `npm run bench`: postdeck's daemon side by side with pm2 and supervisord, log capture, the
// console's cost and how the daemon scales. Prints markdown tables and writes bench/RESULTS.md.
// Durations: see bench/README.md (BENCH_SECONDS, ...; BENCH_QUICK=1 for a short run).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH_DIR } from "./lib/children.js";
import { describeMachine } from "./lib/machine.js";
import { loadAvg } from "./lib/proc.js";
import { supervisorsUnderTest } from "./lib/supervisors.js";
import { runSupervision } from "./compare/supervision.js";
import { runRestart } from "./compare/restart.js";
import { runCapture } from "./compare/capture.js";
import { runScale, nodeStartupMs } from "./compare/scale.js";
import { runConsoleBench } from "./console/console-bench.js";
import { renderResults } from "./lib/report.js";

const quick = process.env.BENCH_QUICK === "1";
const num = (name, def, q) => {
  const v = process.env[name];
  return v !== undefined && v !== "" ? Number(v) : quick ? q : def;
};
const cfg = {
  phases: (process.env.BENCH_PHASES ?? "1,2,3,4,5").split(",").map((s) => s.trim()),
  counts: (process.env.BENCH_CHILDREN ?? (quick ? "16" : "16,64")).split(",").map(Number),
  repeats: num("BENCH_REPEATS", 3, 1),
  patterns: (process.env.BENCH_PATTERNS ?? "line,burst").split(",").map((s) => s.trim()),
  rate: num("BENCH_RATE", 200, 200),
  seconds: num("BENCH_SECONDS", 30, 10),
  // phase 1: > 0 adds a window of supervisionSettledSeconds from this many s after the first write (compare/supervision.js)
  supervisionSettleS: num("BENCH_SUPERVISION_SETTLE_SECONDS", 0, 0),
  supervisionSettledSeconds: num("BENCH_SUPERVISION_SETTLED_SECONDS", 60, 60),
  kills: num("BENCH_KILLS", 20, 5),
  uptimeS: num("BENCH_UPTIME_SECONDS", 1.5, 1.5),
  captureSeconds: num("BENCH_CAPTURE_SECONDS", 10, 3),
  consoleSeconds: num("BENCH_CONSOLE_SECONDS", 30, 10),
  consoleIdleSeconds: num("BENCH_CONSOLE_IDLE_SECONDS", 30, 5),
  consoleIdleAfterS: num("BENCH_CONSOLE_IDLE_AFTER_SECONDS", 65, 65),
  consoleLines: num("BENCH_CONSOLE_LINES", 1_000_000, 100_000),
  consoleBurstRate: num("BENCH_CONSOLE_BURST_RATE", 20_000, 20_000),
  keyPresses: num("BENCH_KEYS", 40, 10),
  scaleCounts: (process.env.BENCH_SCALE_COUNTS ?? "4,16,64").split(",").map(Number),
  scaleSeconds: num("BENCH_SCALE_SECONDS", 20, 5),
  scaleNode: process.env.BENCH_SCALE_NODE !== "0",
  statusRuns: num("BENCH_STATUS_RUNS", 20, 5),
  settleS: num("BENCH_SETTLE_SECONDS", 5, 2),
};
const log = (m) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const machine = describeMachine();
log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB, ${machine.kernel}, Node ${machine.node}; load ${machine.loadAvg}`);
const supervisors = supervisorsUnderTest(log);
for (const s of supervisors) if (s.skip) log(`${s.name}: SKIPPED: ${s.skip}`);

const results = { machine, cfg, phases: {} };
const phase = async (id, title, fn) => {
  if (!cfg.phases.includes(id)) return;
  const start = { at: new Date().toISOString(), load: loadAvg() };
  log(`phase ${id}: ${title} (load ${start.load})`);
  try {
    results.phases[id] = { title, start, data: await fn() };
  } catch (err) {
    log(`phase ${id} failed: ${err.stack ?? err}`);
    results.phases[id] = { title, start, error: String(err.message ?? err) };
  }
  results.phases[id].end = { at: new Date().toISOString(), load: loadAvg() };
};

await phase("1", "Supervision", () => runSupervision({ supervisors, counts: cfg.counts, rate: cfg.rate, seconds: cfg.seconds, settleS: cfg.supervisionSettleS, settledSeconds: cfg.supervisionSettledSeconds, repeats: cfg.repeats, patterns: cfg.patterns, log }));
await phase("2", "Restart", () => runRestart({ supervisors, kills: cfg.kills, uptimeS: cfg.uptimeS, log }));
await phase("3", "Log capture ceiling", () => runCapture({ supervisors, seconds: cfg.captureSeconds, log }));
await phase("4", "Console", () => runConsoleBench({ cfg, log }));
await phase("5", "Scale", async () => ({ nodeStartupMs: nodeStartupMs(), node: cfg.scaleNode, rows: await runScale({ counts: cfg.scaleCounts, seconds: cfg.scaleSeconds, statusRuns: cfg.statusRuns, settleS: cfg.settleS, node: cfg.scaleNode, log }) }));
results.machine.loadAvgEnd = loadAvg();
results.finishedAt = new Date().toISOString();

const generated = renderResults(results);
process.stdout.write(generated + "\n");
const out = path.join(BENCH_DIR, "RESULTS.md");
const headerFile = path.join(BENCH_DIR, "lib/results-header.md");
const header = existsSync(headerFile) ? readFileSync(headerFile, "utf8") : "";
writeFileSync(path.join(os.tmpdir(), "postdeck-bench-results.json"), JSON.stringify(results, null, 2) + "\n");
if (process.env.BENCH_NO_WRITE !== "1") {
  writeFileSync(out, header + "\n" + generated + "\n");
  log(`wrote ${out}`);
}
