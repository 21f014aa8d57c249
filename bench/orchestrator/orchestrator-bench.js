#!/usr/bin/env node
// Proving orchestrator figures (issue 13; not a timed test, figures go to bench/RESULTS.md §7):
//   A. one round of proofs for 16 identities of mixed sizes on 4 simulated disks (the node asks
//      every identity at once, as in a cycle gap), side by side:
//        always (every post-service runs and proves at once) vs on-demand (at most 1 reader per disk):
//        wall time until the last proof, identities past the "gap", readers per disk at most (the
//        simulators' own lease files), peak RandomX RAM (modelled: 2080 MiB per proving process in
//        fast mode) and the simulators' measured RSS, load average.
//      The disk-bandwidth bound = max over disks of Σ PoS size ÷ the disk's read rate.
//      on-demand round 1 has no history (no overlapped hand-overs: k2pow unknown); round 2 and on
//      (the simulated node restarted without its ATX state, so it asks every identity again) have
//      one round of history: hand-overs overlap, and:
//   B. planner accuracy: predicted finish (`plan --json` right as the round starts) vs actual,
//      error relative to the actual time from the round's start.
//   Each mode runs --repeats times (a fresh rig each); tables give the median and the spread (min–max).
//
//   npm run build && node bench/orchestrator/orchestrator-bench.js [--repeats 3] [--rounds 1] [--read-s 60]
//     [--identities 16] [--disks 4] [--gap-s 330] [--modes always,on-demand]
//   smoke test (about a minute): --repeats 1 --identities 4 --disks 2 --read-s 6 --modes on-demand
// BENCH_POSTDECK_BIN measures another build; BENCH_KEEP=1 keeps each rig's dir (logs) for a look. Prints markdown; raw figures to
// $TMPDIR/postdeck-orchestrator-bench.json.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { POSTDECK_BIN, REPO } from "../lib/children.js";
import { findByArgv, loadAvg, rssBytes, sleep, waitFor } from "../lib/proc.js";
import { describeMachine } from "../lib/machine.js";
import { readersPerDisk } from "../../dist/sim/post-service/disk-share.js";
import { breakdown, registrations, sampleReadSpans } from "./read-spans.js";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg("--rounds", 1); // accuracy rounds after the first
const READ_S = arg("--read-s", 60); // seconds to read an average identity alone
const REPEATS = arg("--repeats", 3);
const N = arg("--identities", 16);
const DISKS = arg("--disks", 4);
const mi = process.argv.indexOf("--modes");
const MODES = mi >= 0 ? process.argv[mi + 1].split(",") : ["always", "on-demand"];
const MIB = 1024 * 1024;
// mixed sizes: 4..10 units of 1 MiB, spread so the disks carry different loads
const UNITS = Array.from({ length: N }, (_, i) => 4 + ((i * 5) % 7));
const meanUnits = UNITS.reduce((a, b) => a + b, 0) / N;
const BPS = Math.round((meanUnits * MIB) / READ_S);
const GAP_S = arg("--gap-s", 330); // the "gap" the round must fit in (from the moment the node asks)

const { buildDemoRig } = await import(path.join(REPO, "dist/sim/rig-builder.js"));
const { SocketClient } = await import(path.join(REPO, "dist/client/socket-client.js"));
const { socketPath } = await import(path.join(REPO, "dist/config/runtime-paths.js"));

const env = { ...process.env, NO_COLOR: "1", POSTDECK_SIM_POW_MS: "400" };
const cli = (cfg, args) => spawnSync(process.execPath, [POSTDECK_BIN, "--config", cfg, ...args], { env, encoding: "utf8" });

function bound() {
  const perDisk = new Array(DISKS).fill(0);
  UNITS.forEach((u, i) => (perDisk[i % DISKS] += u * MIB));
  return Math.max(...perDisk) / BPS;
}

async function rig(mode) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `pd-bench-orch-${mode}-`));
  // long epochs: no cycle gap of the simulated network interferes; the rounds are the node's initial proofs
  const r = await buildDemoRig({ dir, identities: N, postdeckBin: POSTDECK_BIN, disks: DISKS, diskReadBytesPerSec: BPS, units: UNITS, provingMode: mode, epochMinutes: 600 });
  // fast RandomX (the simulator does not allocate it: RAM is modelled) and a budget that holds 4
  // the demo network opens a cycle gap a minute after the build: move it an hour away (genesis later),
  // so the rounds measured are the node's initial proofs only
  const nodeCfg = JSON.parse(readFileSync(r.nodeConfigPath, "utf8"));
  nodeCfg.genesis["genesis-time"] = new Date(Date.parse(nodeCfg.genesis["genesis-time"]) + 60 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  writeFileSync(r.nodeConfigPath, JSON.stringify(nodeCfg, null, 2) + "\n");
  let yaml = readFileSync(r.configPath, "utf8").replace("randomxMode: light", "randomxMode: fast");
  yaml = yaml.replace(/proving:\n {2}mode: (\S+)\n/, (m, md) => `proving:\n  mode: ${md}\n  memoryBudget: 9GiB\n`);
  writeFileSync(r.configPath, yaml);
  return { dir, cfg: r.configPath, stateDir: path.join(dir, "state") };
}

/** One round from the moment every identity is PROVING to the last IDLE; samples every second. */
async function round(client, dir, o = {}) {
  const spans = sampleReadSpans(dir);
  // the round starts when the node starts (it asks every identity at once then); in always mode the
  // services may be proving before the daemon answers, so not "when we first see PROVING"
  const seen = await waitFor(async () => {
    const s = await client.call("snapshot", {});
    return s.identities.length === N && s.identities.every((i) => i.postState === "PROVING") ? { at: Date.now(), node: s.node.startedAt } : false;
  }, "every identity PROVING", 120_000, 200);
  const t0 = seen.node !== null && seen.node > (o.after ?? 0) && seen.node <= seen.at ? seen.node : seen.at;
  // the plan once the orchestrator has acted on the round (its first services started)
  let plan = null;
  if (o.plan) {
    await sleep(3000);
    plan = await client.call("plan", {});
  }
  const finished = new Map();
  let peakModel = 0;
  let peakRss = 0;
  let maxPerDisk = 0;
  let maxRunningPerDisk = 0;
  const loads = [];
  while (finished.size < N) {
    const at = Date.now();
    const s = await client.call("snapshot", {});
    let model = 0;
    const per = new Map();
    for (const v of s.services) {
      if (v.operator.kind === "proving") model += 2080 * MIB;
      // running for a proof (starting, in k2pow or reading; not one at DoneProving handing its proof over)
      const forProof = (v.state === "running" || v.state === "starting") && v.operator.kind !== "done" && s.identities.find((i) => i.service === v.name)?.postState === "PROVING";
      if (forProof) {
        const disk = `simdisk-${String.fromCharCode(97 + (Number(v.name.slice(4)) - 1) % DISKS)}`;
        per.set(disk, (per.get(disk) ?? 0) + 1);
      }
    }
    // readers: the simulated post-services' own leases on their disk (k2pow does not read)
    maxPerDisk = Math.max(maxPerDisk, ...Object.values(readersPerDisk(dir)), 0);
    maxRunningPerDisk = Math.max(maxRunningPerDisk, ...per.values(), 0);
    peakModel = Math.max(peakModel, model);
    const pids = findByArgv((argv) => argv.includes("post-service") && argv.some((a) => a.startsWith(dir)));
    peakRss = Math.max(peakRss, pids.reduce((a, p) => a + rssBytes(p), 0));
    for (const i of s.identities) if (i.postState === "IDLE" && !finished.has(i.keyFile)) finished.set(i.keyFile, Date.now());
    if (loads.length < 1000 && (at - t0) % 10_000 < 1000) loads.push(os.loadavg()[0]);
    if (Date.now() - t0 > 30 * 60_000) throw new Error("round took over 30 min");
    await sleep(Math.max(0, 1000 - (Date.now() - at)));
  }
  const wallS = (Math.max(...finished.values()) - t0) / 1000;
  // the node's own time of its last proof in this round: the daemon sees IDLE at its next PostStates
  // poll (every 2 s) and this loop samples every second, so wallS runs up to ~3 s late
  const proofsAt = nodeProofTimes(dir).filter((t) => t >= t0 && t <= Date.now());
  const wallNodeS = proofsAt.length >= N ? (Math.max(...proofsAt) - t0) / 1000 : null;
  const misses = [...finished.values()].filter((t) => (t - t0) / 1000 > GAP_S).length;
  const time = breakdown(spans.stop(), t0, wallNodeS !== null ? t0 + wallNodeS * 1000 : Math.max(...finished.values()), registrations(path.join(dir, "state", "logs")));
  time.seenS = (seen.at - t0) / 1000;
  return { t0, wallS, time, wallNodeS, misses, peakModelMiB: peakModel / MIB, peakRssMiB: peakRss / MIB, maxPerDisk, maxRunningPerDisk, finished: Object.fromEntries(finished), plan, load: loads };
}

/** When the node logged `finished post execution` (its zap console lines: ISO time with ms, tab-separated). */
function nodeProofTimes(dir) {
  let text = "";
  try {
    text = readFileSync(path.join(dir, "state", "logs", "node.log"), "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.includes("finished post execution"))
    .map((l) => Date.parse(l.split("\t")[0]))
    .filter(Number.isFinite);
}

async function run(mode, rounds) {
  const r = await rig(mode);
  try {
    // with 16 services to start (always mode) the daemon may take longer than `daemon start` waits: wait on
    const up = cli(r.cfg, ["daemon", "start"]);
    const client = new SocketClient(socketPath(r.stateDir, env), { timeoutMs: 10_000 });
    await waitFor(() => client.call("snapshot", {}).then(() => true, () => false), `the daemon (${up.stderr.trim()})`, 90_000, 500);
    const out = [await round(client, r.dir)];
    for (let k = 0; k < rounds; k++) {
      // quiet first: no service proving or holding a proof (a restart mid-proof would leave a stale challenge)
      await waitFor(async () => {
        const s = await client.call("snapshot", {});
        return s.services.every((v) => v.operator.kind !== "proving" && v.operator.kind !== "done") && s.identities.every((i) => i.postState === "IDLE");
      }, "a quiet rig", 600_000, 1000);
      // the node forgets its ATXs and restarts: it asks every identity again (history: the rounds before)
      rmSync(path.join(r.dir, "node", "data", "sim-node-state.json"), { force: true });
      const rs = cli(r.cfg, ["restart", "node", "--force"]);
      if (rs.status !== 0) throw new Error(rs.stdout + rs.stderr);
      out.push(await round(client, r.dir, { plan: true, after: Math.max(...Object.values(out[out.length - 1].finished)) }));
    }
    client.close();
    return out;
  } finally {
    cli(r.cfg, ["daemon", "stop", "--stop-services", "--force"]);
    if (process.env.BENCH_KEEP) process.stderr.write(`rig kept: ${r.dir}\n`);
    else rmSync(r.dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const machine = describeMachine();
const started = Date.now();
const load0 = loadAvg();
const runs = { always: [], "on-demand": [] };
for (let k = 0; k < REPEATS; k++) {
  for (const mode of MODES) {
    const l0 = loadAvg();
    const rounds = await run(mode, mode === "on-demand" ? ROUNDS : 0);
    runs[mode].push({ rounds, load: [l0, loadAvg()] });
    process.stderr.write(`repeat ${k + 1}/${REPEATS} ${mode}: ${rounds.map((r) => `${r.wallS.toFixed(1)} s`).join(", ")} (load ${l0} → ${loadAvg()})\n`);
  }
}
const load1 = loadAvg();
const B = bound();

/** Planner errors of a round with a plan: |predicted − actual finish| ÷ actual time from the round's start. */
function errorsOf(r) {
  const errs = [];
  for (const e of r.plan?.identities ?? []) {
    const actual = r.finished[e.keyFile];
    if (!actual || e.predictedFinish === null || (e.state !== "proving" && e.state !== "queued")) continue;
    errs.push({ keyFile: e.keyFile, predictedS: (e.predictedFinish - r.t0) / 1000, actualS: (actual - r.t0) / 1000, err: Math.abs(e.predictedFinish - actual) / (actual - r.t0) });
  }
  return errs;
}

const fmt = (x, d = 1) => x.toFixed(d);
const spread = (xs, d = 1) => (xs.length === 0 ? "-" : xs.length === 1 ? fmt(xs[0], d) : `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`);
const lines = [];
lines.push(`## 7. Proving orchestrator: ${N} identities on ${DISKS} simulated disks (run at ${new Date(started).toISOString().slice(11, 16)} UTC, ${fmt((Date.now() - started) / 60_000)} min)`);
lines.push("");
lines.push(`\`node bench/orchestrator/orchestrator-bench.js ${process.argv.slice(2).join(" ")}\` on ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB. Sizes ${UNITS.join(", ")} MiB (PoS dirs round robin over the simulated disks), each simulated disk ${fmt(BPS / 1024)} KiB/s shared by its readers, k2pow 0.4 s per 4 units; fast RandomX (modelled 2080 MiB per proving process; the simulator allocates none), memoryBudget 9GiB, perDisk 1. The round starts when the node asks every identity at once; the "gap" is ${GAP_S} s from then. ${REPEATS} repeat(s) per mode, a fresh rig each: median (min–max). Load average before/after: ${load0} / ${load1}.`);
lines.push("");
lines.push(`Disk-bandwidth bound (the slowest disk's Σ size ÷ rate): **${fmt(B)} s**. "Wall until the last proof": from the node's start (it asks every identity then) until this bench saw the last identity IDLE in the daemon's snapshot (the daemon polls PostStates every 2 s; this loop samples every second); "by the node's log": until the node's last \`finished post execution\` line (its own ms timestamps).`);
lines.push("");
lines.push("| mode, round | wall until the last proof | wall ÷ bound | by the node's log: wall, ÷ bound | past the gap | readers on one disk at most | provers running on one disk at most | peak RandomX RAM (model) | peak RSS of the post-services | load avg (1/5/15 min) at the start of each run |");
lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
const row = (name, rs, loads) => {
  if (rs.length === 0) return;
  const byNode = rs.map((r) => r.wallNodeS).filter((x) => x !== null && x !== undefined);
  lines.push(`| ${name} | ${spread(rs.map((r) => r.wallS))} s | ${spread(rs.map((r) => r.wallS / B), 3)} | ${byNode.length ? `${spread(byNode)} s, ${spread(byNode.map((x) => x / B), 3)}` : "-"} | ${spread(rs.map((r) => r.misses), 0)} of ${N} | ${Math.max(...rs.map((r) => r.maxPerDisk))} | ${Math.max(...rs.map((r) => r.maxRunningPerDisk))} | ${fmt(Math.max(...rs.map((r) => r.peakModelMiB)) / 1024, 2)} GiB | ${fmt(Math.max(...rs.map((r) => r.peakRssMiB)), 0)} MiB | ${loads.join("; ")} |`);
};
row("always (all at once)", runs.always.map((x) => x.rounds[0]), runs.always.map((x) => x.load[0]));
row("on-demand, round 1 (no history)", runs["on-demand"].map((x) => x.rounds[0]), runs["on-demand"].map((x) => x.load[0]));
for (let k = 1; k <= ROUNDS; k++) row(`on-demand, round ${k + 1} (history: overlapped hand-overs)`, runs["on-demand"].map((x) => x.rounds[k]).filter(Boolean), []);
lines.push("");
lines.push("Where the time goes (on-demand; each read's span from the simulated disks' leases, ±50 ms): the first read's start after the node's start (median over disks); each hand-over from a read's end to the next read's start on its disk (median, max), split into the end → the next prover's process start (negative: started before, staged), → the node's `post service registered`, → its read (the node's ask, k2pow); the disk that finished last: its reads' sum and its last read's end → the node's last `finished post execution`:");
lines.push("");
lines.push("| round | daemon saw every identity PROVING after | first read after | hand-overs | hand-over median (max) | end → next start | start → registered | registered → read | last disk: Σ reads | last read → last proof |");
lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
const s2 = (x) => (x === null || x === undefined ? "-" : `${fmt(x, 2)} s`);
for (const [k, name] of [[0, "1"], ...Array.from({ length: ROUNDS }, (_, i) => [i + 1, String(i + 2)])]) {
  for (const r of runs["on-demand"].map((x) => x.rounds[k]).filter((r) => r?.time)) {
    const t = r.time;
    lines.push(`| ${name} | ${s2(t.seenS)} | ${s2(t.firstReadS)} | ${t.handovers} | ${s2(t.gapS)} (${s2(t.gapMaxS)}) | ${s2(t.toStartS)} | ${s2(t.toConnectS)} | ${s2(t.toReadS)} | ${t.lastDisk}: ${s2(t.lastDiskReadS)} | ${s2(t.tailS)} |`);
  }
}
const accuracy = [];
for (let k = 1; k <= ROUNDS; k++) {
  const per = runs["on-demand"].map((x) => x.rounds[k]).filter(Boolean).map(errorsOf);
  if (per.length) accuracy.push({ round: k + 1, per });
}
if (accuracy.length > 0) {
  lines.push("");
  lines.push("Planner accuracy (after one round of history; `plan --json` taken 3 s into the round): |predicted − actual finish| ÷ actual time from the round's start, per identity; median (min–max) over the repeats:");
  lines.push("");
  lines.push("| round | median error | p90 | max | identities |");
  lines.push("| --- | --- | --- | --- | --- |");
  for (const { round, per } of accuracy) {
    const stats = per.map((errs) => {
      const e = errs.map((x) => x.err * 100).sort((a, b) => a - b);
      return { med: median(e), p90: e[Math.floor(0.9 * (e.length - 1))], max: e[e.length - 1], n: e.length };
    });
    lines.push(`| ${round} | ${spread(stats.map((x) => x.med))} % | ${spread(stats.map((x) => x.p90))} % | ${spread(stats.map((x) => x.max))} % | ${stats.map((x) => x.n).join(", ")} |`);
  }
}
const text = lines.join("\n") + "\n";
process.stdout.write(text);
writeFileSync(path.join(os.tmpdir(), "postdeck-orchestrator-bench.json"), JSON.stringify({ bound: B, bps: BPS, units: UNITS, runs, accuracy }, null, 2));
if (!existsSync(POSTDECK_BIN)) process.exitCode = 1;
