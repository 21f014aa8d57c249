#!/usr/bin/env node
// Phase 1's burst case for several builds of postdeck side by side with supervisord (issue 17): per
// round each build's daemon and supervisord get their own N children (bench/fixtures/child.js,
// --pattern burst: a second's lines in one write), all started at once, the children signalled to
// start writing at the same moment (as bench/compare/supervision.js does), and every supervisor's CPU
// read over the same window (utime+stime from /proc; for postdeck also per thread: the main thread
// and the others — V8's, libuv's pool, the flood cutter's worker). Fresh setups per round; lines on
// disk counted as distinct sequence numbers (none may be lost). Median and spread of each build's
// CPU and of its ratio to supervisord's and to the first build's, the load at each round.
// --settle S: the children write from the signal for S + --settled-seconds (default 60) s; two
// windows are read: the first --seconds of writing (what the bench always read: the daemon's start
// tail, its first reads, the read path's JIT warm-up — printed as "start") and --settled-seconds
// from S s after the signal ("settled": a daemon that has run with chatty services for a while; a
// 60 s window holds each once-a-minute job, e.g. the operator /status round, exactly once). Both are
// printed. Without --settle: one window, from the signal until every child finished + 2 s.
//
//   npm run build && node bench/burst-versus.js [--services 16] [--seconds 15] [--rounds 3] \
//       [--pattern burst|line] [--no-supervisord] [--settle 60 [--settled-seconds 60]] A=/tmp/a/bin/postdeck.js B=bin/postdeck.js
// (a build: a worktree or a copy of bin/, dist/, proto/, package.json with node_modules linked)
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { makeChildren } from "./lib/children.js";
import { compareLines, countSequences, readyPids, writtenByMarker } from "./lib/captured.js";
import { PostdeckSupervisor } from "./lib/postdeck.js";
import { SupervisordSupervisor, supervisordAvailable } from "./lib/supervisord.js";
import { cpuSeconds, loadAvg, sleep, waitFor } from "./lib/proc.js";
import { freshDir, removeDir } from "./lib/supervisors.js";
import { median } from "./lib/stats.js";
import { arg } from "./lib/args.js";

const n = Number(arg("services", "16"));
const seconds = Number(arg("seconds", "15"));
const rounds = Number(arg("rounds", "3"));
const pattern = arg("pattern", "burst");
const rate = Number(arg("rate", "200"));
const settle = Number(arg("settle", "0"));
const settledSeconds = Number(arg("settled-seconds", "60"));
const builds = process.argv.filter((a) => /^[A-Z]=/.test(a)).map((a) => ({ name: a[0], bin: path.resolve(a.slice(2)) }));
const withSv = !process.argv.includes("--no-supervisord") && supervisordAvailable() === null;
const log = (m) => process.stderr.write(`[burst ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
if (settle > 0 && settle < seconds) throw new Error("--settle must be at least --seconds (the start window lies within it)");
const childArgs = ["--rate", rate, "--seconds", settle > 0 ? settle + settledSeconds : seconds, "--then", "idle", "--wait-signal", "--pattern", pattern, ...(pattern === "burst" ? ["--burst-ms", "1000"] : [])];

/** CPU ticks (10 ms) of pid's main thread and of its other live threads. */
function threadTicks(pid) {
  const out = { main: 0, others: 0 };
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      out[Number(t) === pid ? "main" : "others"] += Number(f[11]) + Number(f[12]);
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

async function round(k) {
  const sides = builds.map((b) => ({ name: b.name, kind: "postdeck", make: (r, c) => new PostdeckSupervisor(r, c, { bin: b.bin }) }));
  if (withSv) sides.push({ name: "sv", kind: "supervisord", make: (r, c) => new SupervisordSupervisor(r, c) });
  const setups = sides.map((s, i) => {
    const root = freshDir(`bv-${s.name.toLowerCase()}`);
    const { children, reportDir, prefix } = makeChildren(root, `bv${s.name.toLowerCase()}${k}x${i}`, n, childArgs);
    return { ...s, root, prefix, children, reportDir, sup: s.make(root, children) };
  });
  try {
    await Promise.all(setups.map((x) => x.sup.start()));
    await sleep(3000);
    const ready = await waitFor(() => {
      const all = setups.map((x) => readyPids(x.reportDir, x.children.map((c) => c.marker)));
      return all.every(Boolean) && all.flat();
    }, "every child ready", 120_000, 100);
    const load0 = loadAvg();
    const pids = setups.map((x) => x.sup.supervisorPids());
    const mark = () => ({ at: Date.now(), cpu: pids.map((p) => cpuSeconds(p)), th: setups.map((x) => (x.kind === "postdeck" ? threadTicks(x.sup.pid) : null)), load: loadAvg() });
    const m0 = mark();
    const t0 = m0.at;
    for (const p of ready) process.kill(p, "SIGUSR2");
    let m1;
    let settled = null; // [from, to] marks of the settled window
    if (settle > 0) {
      await sleep(seconds * 1000);
      m1 = mark();
      await sleep(Math.max(0, t0 + settle * 1000 - Date.now()));
      const s0 = mark();
      await sleep(settledSeconds * 1000);
      settled = [s0, mark()];
    }
    await waitFor(() => setups.every((x) => writtenByMarker(x.reportDir).size >= n), "every child to finish writing", (settle + settledSeconds + seconds + 120) * 1000, 250);
    if (!m1) {
      await sleep(2000);
      m1 = mark();
    }
    const wall = (m1.at - t0) / 1000;
    const load1 = m1.load;
    await Promise.all(setups.map((x) => x.sup.stop().catch(() => undefined)));
    const row = {};
    for (const [i, x] of setups.entries()) {
      const files = x.children.flatMap((c) => x.sup.logFiles(c.marker));
      const cmp = compareLines(writtenByMarker(x.reportDir), await countSequences(files), x.prefix + "-");
      // the others from the process's total: a thread that ended in the window (the flood cutter's) took its ticks with it
      const between = (a, b) => {
        const main = a.th[i] && (b.th[i].main - a.th[i].main) / 100;
        return { cpu: b.cpu[i].total - a.cpu[i].total, th: a.th[i] && { main, others: b.cpu[i].self - a.cpu[i].self - main } };
      };
      row[x.name] = { ...between(m0, m1), settled: settled && between(...settled), lost: cmp.lost };
    }
    const line = (pick) => {
      const sv = row.sv && pick(row.sv).cpu;
      return Object.entries(row)
        .map(([name, r]) => [name, pick(r)])
        .map(([name, r]) => `${name} ${r.cpu.toFixed(2)} s${r.th ? ` (main ${r.th.main.toFixed(2)}, others ${r.th.others.toFixed(2)})` : ""}${sv && name !== "sv" ? ` = ${(r.cpu / sv).toFixed(2)}× sv` : ""}`)
        .join("; ");
    };
    log(`round ${k + 1}/${rounds}${settle > 0 ? " start" : ""} (${wall.toFixed(1)} s, load ${load0} → ${load1}): ${line((r) => r)}; lost ${Object.entries(row).map(([name, r]) => `${name} ${r.lost}`).join(", ")}`);
    if (settled) log(`round ${k + 1}/${rounds} settled (${((settled[1].at - settled[0].at) / 1000).toFixed(1)} s from ${settle} s after the first write, load ${settled[0].load} → ${settled[1].load}): ${line((r) => r.settled)}`);
    return { row, load: `${load0} → ${load1}`, settledLoad: settled && `${settled[0].load} → ${settled[1].load}` };
  } finally {
    await Promise.all(setups.map((x) => x.sup.stop().catch(() => undefined)));
    for (const x of setups) removeDir(x.root);
  }
}

log(`${builds.map((b) => `${b.name}=${b.bin}`).join(", ")}${withSv ? " and supervisord" : ""}: ${n} children × ${rate} lines/s (${pattern}) × ${settle > 0 ? `${settle + settledSeconds} s each, windows: the first ${seconds} s and ${settledSeconds} s from ${settle} s on` : `${seconds} s each`}, ${rounds} rounds; load ${loadAvg()}`);
const all = [];
for (let k = 0; k < rounds; k++) all.push(await round(k));
const spread = (xs) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
/** The summary of one window (pick: a row's figures in it), under a heading. */
function summary(title, pick, loads) {
  log(title);
  for (const b of builds) {
    const of = (r) => pick(r.row[b.name]);
    const parts = [`${b.name}: CPU ${spread(all.map((r) => of(r).cpu))} s`, `main ${spread(all.map((r) => of(r).th.main))}`, `others ${spread(all.map((r) => of(r).th.others))}`];
    if (withSv) parts.push(`vs supervisord ${spread(all.map((r) => of(r).cpu / pick(r.row.sv).cpu))}×`);
    if (b !== builds[0]) parts.push(`vs ${builds[0].name} ${spread(all.map((r) => of(r).cpu / pick(r.row[builds[0].name]).cpu))}×`);
    parts.push(`lost ${all.reduce((a, r) => a + r.row[b.name].lost, 0)}`);
    log(parts.join(", "));
  }
  if (withSv) log(`supervisord: CPU ${spread(all.map((r) => pick(r.row.sv).cpu))} s, lost ${all.reduce((a, r) => a + r.row.sv.lost, 0)}`);
  log(`loads: ${loads.join("; ")}`);
}
summary(settle > 0 ? `start: the first ${seconds} s of writing` : "the window: from the first write until every child finished + 2 s", (x) => x, all.map((r) => r.load));
if (settle > 0) summary(`settled: ${settledSeconds} s from ${settle} s after the first write`, (x) => x.settled, all.map((r) => r.settledLoad));
