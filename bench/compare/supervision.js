// Phase 1 — supervision: N children × R lines/s × D s under each supervisor in turn: the
// supervisor's CPU seconds (its own utime+stime, plus helpers it ran and reaped), peak RSS (every
// 500 ms), and lines captured on disk vs lines written.
import { makeChildren } from "../lib/children.js";
import { compareLines, countSequences, writtenByMarker } from "../lib/captured.js";
import { cpuSeconds, loadAvg, sampleRss, sleep, waitFor } from "../lib/proc.js";
import { freshDir, removeDir } from "../lib/supervisors.js";

export async function runSupervision({ supervisors, children: n, rate, seconds, log }) {
  const results = [];
  for (const s of supervisors) {
    if (s.skip) {
      results.push({ name: s.name, skipped: s.skip });
      continue;
    }
    const root = freshDir(`sup-${s.prefix}`);
    const prefix = `${s.prefix}1`;
    const { children, reportDir } = makeChildren(root, prefix, n, ["--rate", rate, "--seconds", seconds, "--then", "idle"]);
    const sup = s.make(root, children);
    const load0 = loadAvg();
    log(`supervision: ${s.name}: ${n} children × ${rate} lines/s × ${seconds} s (load ${load0})`);
    try {
      await sup.start();
      const pids = sup.supervisorPids();
      const c0 = cpuSeconds(pids);
      const t0 = Date.now();
      const rss = sampleRss(() => sup.supervisorPids(), 500);
      await waitFor(() => writtenByMarker(reportDir).size >= n, "every child to finish writing", (seconds + 60) * 1000, 250);
      await sleep(2000); // let the supervisor drain what is in flight
      const c1 = cpuSeconds(pids);
      const wall = (Date.now() - t0) / 1000;
      const r = rss.stop();
      const load1 = loadAvg();
      await sup.stop();
      const files = children.flatMap((c) => sup.logFiles(c.marker));
      const cmp = compareLines(writtenByMarker(reportDir), await countSequences(files), prefix + "-");
      results.push({
        name: s.name,
        cpuS: c1.total - c0.total,
        cpuSelfS: c1.self - c0.self,
        cpuReapedS: c1.reaped - c0.reaped,
        wallS: wall,
        peakRss: r.peak,
        ...cmp,
        load0,
        load1,
      });
    } catch (err) {
      results.push({ name: s.name, error: err.message });
      await sup.stop().catch(() => undefined);
    } finally {
      removeDir(root);
    }
  }
  return results;
}
