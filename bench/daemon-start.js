#!/usr/bin/env node
// What one daemon start costs (issue 16: the test suite starts ~40 of them): `postdeck daemon run`
// on a small rig (N idle bench children, no node), from exec until it serves its socket (the
// "serving" line), and until a few seconds later (the first samples, the hardware sampler's first
// reading); CPU of the daemon process itself (its children not counted), per thread, and its RSS.
//
//   npm run build && node bench/daemon-start.js [--services 2] [--repeats 5] [--after 3]
//        [--versus OTHER/bin/postdeck.js]
// --versus: the other build's daemon started in the same rounds, alternately first (A/B under
// the same load), each with the V8 flags its `daemon start` gives (bench/lib/postdeck.js
// daemonFlags). --versus . --flags-b "FLAGS": this build on both sides, the other run with those
// V8 flags instead (space-separated). CPU is the process's own
// utime+stime (/proc/PID/stat, 10 ms ticks): other work on the machine does not count in it, though a loaded machine makes every start a little dearer.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { makeChildren, POSTDECK_BIN } from "./lib/children.js";
import { daemonFlags, PostdeckSupervisor, postdeckEnv } from "./lib/postdeck.js";
import { cpuTimes, killMarked, loadAvg, rssBytes, sleep } from "./lib/proc.js";
import { median } from "./lib/stats.js";
import { freshDir, removeDir } from "./lib/supervisors.js";
import { arg } from "./lib/args.js";

const n = Number(arg("services", "2"));
const repeats = Number(arg("repeats", "5"));
const afterS = Number(arg("after", "3"));
const builds = [{ name: "this", bin: POSTDECK_BIN }];
if (arg("versus", null)) builds.push({ name: "versus", bin: arg("versus") === "." ? POSTDECK_BIN : path.resolve(arg("versus")), flags: arg("flags-b", null) });
const log = (m) => process.stderr.write(`[start ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** CPU seconds of the main thread and of the others (worker threads, libuv pool, V8 platform threads), and the thread count. */
function threads(pid) {
  const out = { main: 0, others: 0, count: 0 };
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      out[t === String(pid) ? "main" : "others"] += (Number(f[11]) + Number(f[12])) / 100;
      out.count++;
    } catch {
      /* gone */
    }
  }
  return out;
}

async function once(build, round) {
  const root = freshDir(`ds${round}`);
  const prefix = `ds${round}${build.name[0]}`;
  const { children } = makeChildren(root, prefix, n, ["--rate", 0, "--seconds", 0, "--then", "idle"]);
  const sup = new PostdeckSupervisor(root, children, { bin: build.bin });
  const t0 = Date.now();
  const child = spawn(process.execPath, [...(await daemonFlags(build.bin, build.flags)), build.bin, "daemon", "run", "--config", sup.configPath], { env: postdeckEnv(), stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  await new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      err += d;
      if (err.includes(" serving ")) resolve();
    });
    child.on("exit", () => reject(new Error(`daemon exited: ${err}`)));
  });
  const wall = Date.now() - t0;
  const ready = cpuTimes(child.pid).self;
  const readyRss = rssBytes(child.pid);
  await sleep(afterS * 1000);
  const t = cpuTimes(child.pid);
  const after = t.self;
  const helpers = t.reaped; // helper processes it ran and reaped (lscpu, lspci, ...): not the services
  const afterThreads = threads(child.pid);
  const afterRss = rssBytes(child.pid);
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  killMarked(children[0].marker.split("-")[0] + "-");
  removeDir(root);
  return { wall, ready, after, helpers, readyRss, afterRss, afterThreads };
}

const results = new Map(builds.map((b) => [b.name, []]));
log(`${n} services, ${repeats} repeats, ${builds.map((b) => `${b.bin}${b.flags ? ` with ${b.flags}` : ""}`).join(" vs ")}; load ${loadAvg()}`);
for (let r = 0; r < repeats; r++) {
  const order = r % 2 ? [...builds].reverse() : builds;
  for (const b of order) {
    const x = await once(b, r);
    results.get(b.name).push(x);
    log(`${b.name} #${r}: ready after ${x.wall} ms, CPU ${x.ready.toFixed(2)} s (${afterS} s later ${x.after.toFixed(2)} s, helpers ${x.helpers.toFixed(2)} s), RSS ${(x.readyRss / 2 ** 20).toFixed(1)} → ${(x.afterRss / 2 ** 20).toFixed(1)} MB; main thread ${x.afterThreads.main.toFixed(2)} s, ${x.afterThreads.count - 1} others ${x.afterThreads.others.toFixed(2)} s`);
  }
}
const span = (xs, d = 2) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
for (const [name, xs] of results) {
  console.log(
    `${name}: CPU to ready ${span(xs.map((x) => x.ready))} s, +${afterS} s ${span(xs.map((x) => x.after))} s, helper processes ${span(xs.map((x) => x.helpers))} s; wall to ready ${span(xs.map((x) => x.wall), 0)} ms; RSS at ready ${span(xs.map((x) => x.readyRss / 2 ** 20), 1)} MB, +${afterS} s ${span(xs.map((x) => x.afterRss / 2 ** 20), 1)} MB`,
  );
}
log(`load ${loadAvg()}`);
