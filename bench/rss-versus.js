#!/usr/bin/env node
// Phase 1's RSS figure for one or more builds of postdeck beside pm2 (issue 17: daemon RSS ≤ 1.0×
// pm2's at 16 services), without running all of phase 1: per round every build's daemon and pm2's
// God daemon get their own N children × RATE lines/s, all at once (bench/compare/supervision.js's
// round: the children start writing on one signal, RSS sampled every 500 ms over the same window,
// CPU over it, lines on disk counted). Median and spread of each supervisor's peak and mean RSS,
// CPU s, and each build's ratios to pm2 (taken within a round) and to the first build.
//
//   npm run build && node bench/rss-versus.js [--services 16] [--seconds 15] [--rounds 3] \
//       [--pattern line|burst] [--rate 200] [--no-pm2] A=/tmp/a/bin/postdeck.js B=bin/postdeck.js \
//       [B:flags="--max-semi-space-size=1 --optimize-for-size"] [B:env=MALLOC_ARENA_MAX=2]
// (a build: a worktree or a copy of bin/, dist/, proto/, package.json with node_modules linked;
// X:flags= runs build X's daemon with those V8 flags instead of its `daemon start` flags, X:env=
// with more environment)
import path from "node:path";
import { runSupervision } from "./compare/supervision.js";
import { PostdeckSupervisor } from "./lib/postdeck.js";
import { Pm2Supervisor, pm2Available } from "./lib/pm2.js";
import { loadAvg } from "./lib/proc.js";
import { median, mb } from "./lib/stats.js";
import { arg } from "./lib/args.js";

const n = Number(arg("services", "16"));
const seconds = Number(arg("seconds", "15"));
const rounds = Number(arg("rounds", "3"));
const pattern = arg("pattern", "line");
const rate = Number(arg("rate", "200"));
const flagsOf = Object.fromEntries(process.argv.filter((a) => /^[A-Z]:flags=/.test(a)).map((a) => [a[0], a.slice(a.indexOf("=") + 1)]));
// X:env=K=V,K2=V2: more environment for build X's daemon
const envOf = Object.fromEntries(process.argv.filter((a) => /^[A-Z]:env=/.test(a)).map((a) => [a[0], Object.fromEntries(a.slice(a.indexOf("=") + 1).split(",").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]))]));
const builds = process.argv.filter((a) => /^[A-Z]=/.test(a)).map((a) => ({ name: a[0], bin: path.resolve(a.slice(2)), flags: flagsOf[a[0]] ?? null, env: envOf[a[0]] ?? {} }));
if (builds.length === 0) builds.push({ name: "A", bin: undefined, flags: null, env: {} });
const withPm2 = !process.argv.includes("--no-pm2") && pm2Available() === null;
const log = (m) => process.stderr.write(`[rss ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const supervisors = [
  ...builds.map((b) => ({ name: b.name, prefix: `p${b.name.toLowerCase()}`, skip: null, make: (r, c) => new PostdeckSupervisor(r, c, { bin: b.bin, flags: b.flags, env: b.env }) })),
  ...(withPm2 ? [{ name: "pm2", prefix: "pm", skip: null, make: (r, c) => new Pm2Supervisor(r, c) }] : []),
];
log(`${builds.map((b) => `${b.name} = ${b.bin ?? "this checkout"}${b.flags ? ` with ${b.flags}` : ""}${Object.keys(b.env).length ? ` env ${JSON.stringify(b.env)}` : ""}`).join("; ")}; ${n} services × ${rate} lines/s (${pattern}), ${seconds} s, ${rounds} rounds${withPm2 ? ", beside pm2" : ""}; load ${loadAvg()}`);
const { cases } = await runSupervision({ supervisors, counts: [n], rate, seconds, repeats: rounds, patterns: [pattern], log });
const ok = cases[0].rounds.filter((r) => !r.error);
const row = (r, name) => r.rows.find((x) => x.name === name);
const spread = (xs, f) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
const x2 = (v) => `${v.toFixed(2)}×`;
for (const s of supervisors) {
  const rs = ok.map((r) => row(r, s.name));
  const parts = [`peak RSS ${spread(rs.map((x) => x.peakRss), mb)} MB`, `mean ${spread(rs.map((x) => x.meanRss), mb)} MB`, `CPU ${spread(rs.map((x) => x.cpuS), (v) => v.toFixed(2))} s`, `lost ${rs.map((x) => x.lost).join("/")}`];
  if (withPm2 && s.name !== "pm2") {
    parts.push(`peak vs pm2 ${spread(ok.map((r) => row(r, s.name).peakRss / row(r, "pm2").peakRss), x2)}`);
    parts.push(`CPU vs pm2 ${spread(ok.map((r) => row(r, s.name).cpuS / row(r, "pm2").cpuS), x2)}`);
  }
  if (s.name !== builds[0].name && s.name !== "pm2") {
    parts.push(`peak vs ${builds[0].name} ${spread(ok.map((r) => row(r, s.name).peakRss / row(r, builds[0].name).peakRss), x2)}`);
    parts.push(`CPU vs ${builds[0].name} ${spread(ok.map((r) => row(r, s.name).cpuS / row(r, builds[0].name).cpuS), x2)}`);
  }
  log(`${s.name}: ${parts.join(", ")}`);
}
log(`loads per round: ${ok.map((r) => `${r.load0} → ${r.load1}`).join("; ")}; ${cases[0].rounds.length - ok.length} round(s) failed`);
