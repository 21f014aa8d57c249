#!/usr/bin/env node
// Idle daemons side by side, per thread: one or more builds of postdeck's daemon (NAME=PATH/bin/
// postdeck.js), each with its own N idle children and simulated node, no probe loaded into them (no
// event-loop histogram, no profiler); after --settle seconds, --repeats windows of --seconds each,
// the CPU of each daemon's main thread and of its other threads (V8's GC and compiler threads,
// libuv's pool, the flood cutter's worker) from /proc/<pid>/task/*/stat (10 ms ticks), the median and
// spread over the windows. Lines a build writes to its daemon.log starting with TIMING (an
// instrumented copy) are printed at the end. P=pm2 and S=supervisord add those supervisors (the
// same N idle children each, no node) in the same minutes: pm2's God daemon, supervisord's process.
//   npm run build && node bench/idle-threads.js --services 64 --settle 60 --seconds 60 --repeats 4 \
//     A=bin/postdeck.js B=/tmp/old/bin/postdeck.js   (a copy of bin/, dist/, proto/, package.json, node_modules linked)
//   node bench/idle-threads.js --seconds 300 --repeats 3 A=bin/postdeck.js P=pm2 S=supervisord
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { makeChildren } from "./lib/children.js";
import { Pm2Supervisor } from "./lib/pm2.js";
import { PostdeckSupervisor } from "./lib/postdeck.js";
import { SupervisordSupervisor } from "./lib/supervisord.js";
import { loadAvg, rssBytes, sleep } from "./lib/proc.js";
import { freshDir, removeDir } from "./lib/supervisors.js";
import { median } from "./lib/stats.js";
import { arg } from "./lib/args.js";

const n = Number(arg("services", "64"));
const settle = Number(arg("settle", "60"));
const seconds = Number(arg("seconds", "30"));
const repeats = Number(arg("repeats", "4"));
const OTHERS = { pm2: Pm2Supervisor, supervisord: SupervisordSupervisor };
const specs = process.argv
  .filter((a) => /^[A-Z]=/.test(a))
  .map((a) => ({ name: a[0], kind: a.slice(2) in OTHERS ? a.slice(2) : "postdeck", bin: a.slice(2) in OTHERS ? a.slice(2) : path.resolve(a.slice(2)) }));
const log = (m) => process.stderr.write(`[idle ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

function threads(pid) {
  const out = new Map();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(f[11]) + Number(f[12]);
      const key = Number(t) === pid ? "main" : "others";
      out.set(`${key}#${t}`, ticks);
    } catch {
      /* the thread ended */
    }
  }
  return out;
}
function group(a, b, wall) {
  const g = {};
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    const name = k.split("#")[0];
    g[name] = (g[name] ?? 0) + d;
  }
  let total = 0;
  for (const k in g) {
    total += g[k];
    g[k] = +((g[k] / 100 / wall) * 100).toFixed(2);
  }
  g.total = +((total / 100 / wall) * 100).toFixed(2);
  return g;
}

const sides = specs.map((s) => {
  const root = freshDir(`it${s.name.toLowerCase()}`);
  const { children } = makeChildren(root, `i${s.name.toLowerCase()}`, n, ["--rate", 0, "--seconds", 0, "--then", "idle"]);
  const sup = s.kind === "postdeck" ? new PostdeckSupervisor(root, children, { node: true, bin: s.bin }) : new OTHERS[s.kind](root, children);
  return { ...s, root, sup };
});
const pidOf = (s) => s.sup.supervisorPids()[0];
try {
  log(`${n} idle services each, sim node; ${sides.map((s) => `${s.name}=${s.bin}`).join(" ")}; load ${loadAvg()}`);
  await Promise.all(sides.map((s) => s.sup.start()));
  const t0 = Date.now();
  log(`all running; settling ${settle} s; load ${loadAvg()}`);
  await sleep(settle * 1000);
  const res = sides.map(() => []);
  for (let k = 0; k < repeats; k++) {
    const a = sides.map((s) => threads(pidOf(s)));
    const l0 = loadAvg();
    const w0 = Date.now();
    await sleep(seconds * 1000);
    const wall = (Date.now() - w0) / 1000;
    const b = sides.map((s) => threads(pidOf(s)));
    sides.forEach((s, i) => {
      const g = group(a[i], b[i], wall);
      res[i].push(g);
      log(`w${k + 1} (${Math.round((w0 - t0) / 1000)} s after running) ${s.name}: ${JSON.stringify(g)} rss ${(rssBytes(pidOf(s)) / 2 ** 20).toFixed(1)} MB; load ${l0} → ${loadAvg()}`);
    });
  }
  sides.forEach((s, i) => {
    const tot = res[i].map((g) => g.total);
    const main = res[i].map((g) => g.main);
    log(`${s.name}: total median ${median(tot)} (${Math.min(...tot)}–${Math.max(...tot)}), main median ${median(main)} (${Math.min(...main)}–${Math.max(...main)})`);
  });
  for (const s of sides.filter((x) => x.kind === "postdeck")) {
    const lines = readFileSync(path.join(s.root, "st", "daemon.log"), "utf8").split("\n").filter((l) => l.startsWith("TIMING"));
    for (const l of lines) log(`${s.name} ${l}`);
  }
} finally {
  await Promise.all(sides.map((s) => s.sup.stop().catch(() => undefined)));
  for (const s of sides) removeDir(s.root);
}
