// Phase 3 — log capture ceiling: one child writing as fast as its output takes lines for S
// seconds: straight into a file (the physical limit), under postdeck (its log file, rotation
// out of the way, then with rotation on), pm2 and supervisord (pipes). Lines/s = distinct lines
// on disk / the child's writing time.
import { spawn } from "node:child_process";
import { closeSync, createReadStream, openSync } from "node:fs";
import path from "node:path";
import { CHILD, makeChildren } from "../lib/children.js";
import { writtenByMarker } from "../lib/captured.js";
import { cpuSeconds, loadAvg, sleep, waitFor } from "../lib/proc.js";
import { freshDir, removeDir } from "../lib/supervisors.js";

/** Lines in files, and whether the sequence numbers are 1..n in order without gaps (checked cheaply: count only). */
async function countLines(files) {
  let n = 0;
  for (const f of files) {
    try {
      for await (const chunk of createReadStream(f, { highWaterMark: 4 << 20 })) {
        let i = -1;
        while ((i = chunk.indexOf(10, i + 1)) >= 0) n++;
      }
    } catch {
      /* missing */
    }
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
    const rep = JSON.parse((await import("node:fs")).readFileSync(path.join(reportDir, `${children[0].marker}.json`), "utf8"));
    results.push(row("direct to a file (limit)", w, rep.elapsedMs, await countLines([file]), { load0, load1: loadAvg() }));
    removeDir(root);
  }
  const variants = [];
  for (const s of supervisors) {
    if (s.name === "postdeck") {
      variants.push({ s, label: "postdeck (rotation out of the way)", opts: { postdeck: { logs: { maxBytes: 64 * 2 ** 30, keep: 1 } } } });
      variants.push({ s, label: "postdeck (rotation at 10 MB, keep 1000)", opts: { postdeck: { logs: { maxBytes: 10 * 2 ** 20, keep: 1000 } } } });
    } else variants.push({ s, label: s.name, opts: {} });
  }
  let k = 0;
  for (const { s, label, opts } of variants) {
    if (s.skip) {
      results.push({ name: label, skipped: s.skip });
      continue;
    }
    const root = freshDir(`cap-${s.prefix}`);
    const { children, reportDir } = makeChildren(root, `${s.prefix}3${k++}`, 1, args);
    const sup = s.make(root, children, opts);
    const load0 = loadAvg();
    log(`capture: ${label} for ${seconds} s (load ${load0})`);
    try {
      await sup.start();
      const pids = sup.supervisorPids();
      const c0 = cpuSeconds(pids);
      await waitFor(() => writtenByMarker(reportDir).size > 0, "the child to finish writing", (seconds + 120) * 1000, 100);
      await sleep(1500);
      const c1 = cpuSeconds(pids);
      const load1 = loadAvg();
      await sup.stop();
      const rep = JSON.parse((await import("node:fs")).readFileSync(path.join(reportDir, `${children[0].marker}.json`), "utf8"));
      const files = sup.logFiles(children[0].marker);
      results.push(row(label, rep.written, rep.elapsedMs, await countLines(files), { supervisorCpuS: c1.total - c0.total, files: files.length, load0, load1 }));
    } catch (err) {
      results.push({ name: label, error: err.message });
      await sup.stop().catch(() => undefined);
    } finally {
      removeDir(root);
    }
  }
  return results;
}
