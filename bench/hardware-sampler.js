#!/usr/bin/env node
// Cost of the hardware sampling core on this machine (not a timed test; figures go to bench/RESULTS.md).
//
//   npx tsc -p . && node bench/hardware-sampler.js [--seconds 60] [--pids 16] [--postcli /path/to/postcli]
//
// A. HardwareSampler at its default 2 s interval for --seconds, with a few PoS-like paths.
// B. sampleProcesses() over --pids sleeping child processes every 2 s (what the supervisor does).
// For each: CPU of this process (process.cpuUsage) and of the processes it spawned and reaped
// (/proc/self/stat cutime+cstime: df, lsblk, cat … run by systeminformation), as % of one core,
// and RSS. A baseline phase with nothing running is measured first and reported alongside.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { arg } from "./lib/args.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { HardwareSampler } = await import(path.join(root, "dist/core/hardware/sampler.js"));
const { sampleProcesses, clearProcessUsageCache } = await import(path.join(root, "dist/core/hardware/process-usage.js"));

const seconds = Number(arg("seconds", "60"));
const nPids = Number(arg("pids", "16"));
const postcli = arg("postcli", null);

const CLK_TCK = 100; // Linux USER_HZ
function childrenCpuMs() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK; // cutime + cstime
  } catch {
    return Number.NaN;
  }
}

async function measure(label, ms, body) {
  const stop = await body();
  const c0 = process.cpuUsage();
  const k0 = childrenCpuMs();
  const t0 = performance.now();
  let maxRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }, 1000);
  await new Promise((r) => setTimeout(r, ms));
  clearInterval(rssTimer);
  // measure before stop(): B's sleeping children are reaped in stop() and must not count
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const self = (c.user + c.system) / 1000;
  const kids = childrenCpuMs() - k0;
  const extra = (await stop?.()) ?? {};
  const r = {
    label,
    seconds: +(wall / 1000).toFixed(1),
    selfCpuPercent: +((self / wall) * 100).toFixed(3),
    childrenCpuPercent: +((kids / wall) * 100).toFixed(3),
    rssMB: +(process.memoryUsage().rss / 2 ** 20).toFixed(1),
    maxRssMB: +(maxRss / 2 ** 20).toFixed(1),
    ...extra,
  };
  console.log(JSON.stringify(r));
  return r;
}

console.log(
  JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, seconds }),
);

const ms = seconds * 1000;
await measure("baseline (idle node, modules loaded)", Math.min(ms, 20_000), async () => null);

const tmp = os.tmpdir();
await measure(`A. HardwareSampler 2 s interval${postcli ? ` + postcli ${postcli}` : ""}`, ms, async () => {
  let views = 0;
  let last = null;
  const s = new HardwareSampler({
    paths: () => [path.join(tmp, "pos1"), path.join(tmp, "pos2"), os.homedir(), "/"],
    postcliBinary: postcli,
    onError: (what, err) => console.error(`sampler ${what}: ${err?.message ?? err}`),
  });
  s.on("hardware", (v) => {
    views++;
    last = v;
  });
  s.start();
  return async () => {
    await s.stop();
    return {
      views,
      lastView: last && {
        cpu: last.cpu,
        volumes: last.volumes.map((v) => ({ mount: v.mount, device: v.device, readBytesPerSec: v.readBytesPerSec })),
        providersSource: last.providersSource,
        providers: last.providers.length,
        temperatures: last.temperatures,
      },
    };
  };
});

await measure(`B. sampleProcesses(${nPids} pids) every 2 s`, ms, async () => {
  const kids = Array.from({ length: nPids }, () =>
    spawn(process.execPath, ["-e", "setInterval(() => {}, 60000)"], { stdio: "ignore", detached: true }),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const pids = kids.map((k) => k.pid);
  let rounds = 0;
  let seen = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const m = await sampleProcesses(pids);
      seen = m.size;
      rounds++;
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  return async () => {
    running = false;
    await loop;
    for (const k of kids) {
      try {
        process.kill(-k.pid, "SIGKILL");
      } catch {}
    }
    clearProcessUsageCache();
    return { rounds, pidsSampled: seen };
  };
});
