// Phase 3 — log capture ceiling: one child writing as fast as its output takes lines for S
// seconds: straight into a file (the physical limit), under postdeck (its log file, rotation
// out of the way, then its default rotation: 10 MB, keep 3), pm2 and supervisord (pipes).
// Captured = distinct sequence numbers on disk (not newlines) / the child's writing time. Under
// postdeck a client watches the service (`postdeck logs NAME -f`): what the daemon's follower
// handed on is counted too, and with rotation on, the most bytes its log files held at once.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { makeChildren, POSTDECK_BIN } from "../lib/children.js";
import { countSequences, readyPids, writtenByMarker } from "../lib/captured.js";
import { postdeckEnv } from "../lib/postdeck.js";
import { cpuSeconds, loadAvg, sleep, waitFor } from "../lib/proc.js";
import { freshDir, removeDir } from "../lib/supervisors.js";

function sizeOf(f) {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

/** The follower's "… N lines skipped …" notes in a watcher's output. */
function countSkipped(file) {
  let n = 0;
  try {
    for (const l of readFileSync(file, "utf8").split("\n")) if (l.includes("skipped (written faster")) n++;
  } catch {
    /* none */
  }
  return n;
}

function row(name, written, elapsedMs, captured, extra = {}) {
  return {
    name,
    written,
    captured: Math.min(written, captured),
    lost: Math.max(0, written - captured),
    elapsedS: elapsedMs / 1000,
    writtenPerS: written / (elapsedMs / 1000),
    capturedPerS: Math.min(written, captured) / (elapsedMs / 1000),
    ...extra,
  };
}

/** Distinct sequence numbers of one marker in files. */
async function distinct(files, marker) {
  return (await countSequences(files)).get(marker)?.unique ?? 0;
}

/** `postdeck logs NAME -f -n 0` into a file: what the daemon's follower hands on to a client. */
function watchLogs(sup, marker, out) {
  const fd = openSync(out, "w");
  const p = spawn(process.execPath, [POSTDECK_BIN, "--config", sup.configPath, "logs", marker, "-f", "-n", "0"], { stdio: ["ignore", fd, "ignore"], env: postdeckEnv() });
  closeSync(fd);
  return p;
}

export async function runCapture({ supervisors, seconds, log }) {
  const results = [];
  const args = ["--rate", 0, "--seconds", seconds, "--then", "idle"];
  // the physical limit: the same child, stdout opened on a file by us
  {
    const root = freshDir("cap-direct");
    const { children, reportDir } = makeChildren(root, "dc3", 1, args);
    const file = path.join(root, "direct.log");
    const load0 = loadAvg();
    log(`capture: direct to a file for ${seconds} s (load ${load0})`);
    const fd = openSync(file, "a");
    const p = spawn(children[0].wrapper, [], { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    await waitFor(() => writtenByMarker(reportDir).size > 0, "the direct child", (seconds + 60) * 1000, 100);
    p.kill("SIGKILL");
    const w = writtenByMarker(reportDir).get(children[0].marker);
    const rep = JSON.parse(readFileSync(path.join(reportDir, `${children[0].marker}.json`), "utf8"));
    results.push(row("direct to a file (limit)", w, rep.elapsedMs, await distinct([file], children[0].marker), { load0, load1: loadAvg() }));
    removeDir(root);
  }
  const variants = [];
  for (const s of supervisors) {
    if (s.name === "postdeck") {
      variants.push({ s, label: "postdeck (rotation out of the way)", opts: { postdeck: { logs: { maxBytes: 64 * 2 ** 30, keep: 1 } } } });
      variants.push({ s, label: "postdeck (default rotation: 10 MB, keep 3)", opts: {}, bound: 4 * 10 * 2 ** 20 });
    } else variants.push({ s, label: s.name, opts: {} });
  }
  let k = 0;
  for (const { s, label, opts, bound } of variants) {
    if (s.skip) {
      results.push({ name: label, skipped: s.skip });
      continue;
    }
    const root = freshDir(`cap-${s.prefix}`);
    const { children, reportDir } = makeChildren(root, `${s.prefix}3${k++}`, 1, [...args, "--wait-signal"]);
    const marker = children[0].marker;
    const sup = s.make(root, children, opts);
    const load0 = loadAvg();
    log(`capture: ${label} for ${seconds} s (load ${load0})`);
    let watcher = null;
    const seen = path.join(root, "watched.log");
    try {
      await sup.start();
      if (s.name === "postdeck") {
        watcher = watchLogs(sup, marker, seen);
        await sleep(2000); // subscribed before the first line
      }
      const pids = sup.supervisorPids();
      const c0 = cpuSeconds(pids);
      let diskPeak = 0;
      const diskTimer = setInterval(() => {
        diskPeak = Math.max(diskPeak, sup.logFiles(marker).reduce((a, f) => a + sizeOf(f), 0));
      }, 100);
      const ready = await waitFor(() => readyPids(reportDir, [marker]), "the child to be ready for its start signal", 120_000, 100);
      for (const p of ready) process.kill(p, "SIGUSR2");
      await waitFor(() => writtenByMarker(reportDir).size > 0, "the child to finish writing", (seconds + 120) * 1000, 100);
      await sleep(1500);
      clearInterval(diskTimer);
      const c1 = cpuSeconds(pids);
      const load1 = loadAvg();
      watcher?.kill("SIGTERM");
      await sup.stop();
      const rep = JSON.parse(readFileSync(path.join(reportDir, `${marker}.json`), "utf8"));
      const files = sup.logFiles(marker);
      const extra = { supervisorCpuS: c1.total - c0.total, files: files.length, load0, load1 };
      if (watcher) {
        extra.followerSaw = await distinct([seen], marker);
        extra.skippedNotes = countSkipped(seen);
      }
      if (bound) Object.assign(extra, { diskPeak, diskBound: bound });
      results.push(row(label, rep.written, rep.elapsedMs, await distinct(files, marker), extra));
    } catch (err) {
      results.push({ name: label, error: err.message });
      watcher?.kill("SIGKILL");
      await sup.stop().catch(() => undefined);
    } finally {
      removeDir(root);
    }
  }
  return results;
}
