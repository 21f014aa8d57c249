// Phase 5 — scale: postdeck's daemon with 4, 16, 64 idle services (and, unless node is false, a
// simulated node at rest as a real rig has: gRPC, log file, postcli): CPU (% of one core) and RSS
// over a window after they all run (the probe's event-loop histogram off meanwhile: its 10 ms timer
// cost ~0.6 % of a core on an idle daemon), the event-loop delay (bench/lib/daemon-probe.cjs) from
// the daemon's start until all children ran and over a window of up to 10 s after the CPU window,
// and `postdeck status --json` wall time.
import { spawnSync } from "node:child_process";
import { makeChildren, POSTDECK_BIN } from "../lib/children.js";
import { PostdeckSupervisor, postdeckEnv } from "../lib/postdeck.js";
import { cpuSeconds, loadAvg, rssBytes, sampleRss, sleep } from "../lib/proc.js";
import { percentile } from "../lib/stats.js";
import { freshDir, removeDir } from "../lib/supervisors.js";

export async function runScale({ counts, seconds, statusRuns, settleS, node = true, log }) {
  const results = [];
  for (const n of counts) {
    const root = freshDir(`scl${n}`);
    const { children } = makeChildren(root, `pd5${n}`, n, ["--rate", 0, "--seconds", 0, "--then", "idle"]);
    const sup = new PostdeckSupervisor(root, children, { node, probe: {} });
    const load0 = loadAvg();
    log(`scale: postdeck with ${n} idle services${node ? " and a simulated node" : ""}: ${seconds} s window, ${statusRuns} × status --json (load ${load0})`);
    try {
      await sup.start();
      const atStart = await sup.probeReport(); // event-loop delay from the daemon's start until every child ran
      await sleep(settleS * 1000);
      await sup.probeReport({ eld: false }); // the probe's 10 ms timer off while CPU is measured
      const pids = sup.supervisorPids();
      const c0 = cpuSeconds(pids);
      const t0 = Date.now();
      const rss = sampleRss(() => sup.supervisorPids(), 500);
      await sleep(seconds * 1000);
      const c1 = cpuSeconds(pids);
      const wall = (Date.now() - t0) / 1000;
      const r = rss.stop();
      // the event-loop delay over a window of its own after it (the histogram on again)
      await sup.probeReport();
      await sleep(Math.min(seconds, 10) * 1000);
      const inWindow = await sup.probeReport();
      const lat = [];
      let bytes = 0;
      for (let i = 0; i < statusRuns; i++) {
        const t = process.hrtime.bigint();
        const out = spawnSync(process.execPath, [POSTDECK_BIN, "--config", sup.configPath, "status", "--json"], { env: postdeckEnv(), encoding: "utf8" });
        lat.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (out.status !== 0) throw new Error(`status --json failed: ${out.stderr}`);
        bytes = out.stdout.length;
      }
      results.push({
        n,
        cpuPct: ((c1.total - c0.total) / wall) * 100,
        cpuSelfPct: ((c1.self - c0.self) / wall) * 100,
        rssPeak: r.peak,
        rssEnd: rssBytes(pids[0]),
        rssMean: r.mean,
        heapUsedMiB: inWindow.mem.heapUsed,
        eldStart: { p99: atStart.p99, max: atStart.max },
        eldWindow: { p50: inWindow.p50, p99: inWindow.p99, max: inWindow.max },
        statusP50: percentile(lat, 50),
        statusP95: percentile(lat, 95),
        statusBytes: bytes,
        load0,
        load1: loadAvg(),
      });
    } catch (err) {
      results.push({ n, error: err.message });
    } finally {
      await sup.stop().catch(() => undefined);
      removeDir(root);
    }
  }
  return results;
}

/** Wall time of a bare `node -e 0` (the floor under any Node CLI's latency on this machine). */
export function nodeStartupMs(runs = 10) {
  const lat = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ["-e", "0"]);
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return percentile(lat, 50);
}
