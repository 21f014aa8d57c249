// Phase 1 — supervision, all supervisors AT ONCE on the same load: for each child pattern (one
// line per write at a steady rate; bursts) and each child count, every supervisor gets its own N
// children; they all start writing at the same moment (SIGUSR2 to children started with
// --wait-signal), and every supervisor's CPU (its own utime+stime plus helpers it reaped) and RSS
// are read over the same window: from that moment until every child finished writing, plus 2 s.
// Repeated; the table gives the median and the spread (min-max) of each figure and the ratios.
// Lines captured = distinct sequence numbers on disk (rotated files included), per supervisor.
import { makeChildren } from "../lib/children.js";
import { compareLines, countSequences, readyPids, writtenByMarker } from "../lib/captured.js";
import { cpuSeconds, loadAvg, rssBytes, sleep, waitFor } from "../lib/proc.js";
import { freshDir, removeDir } from "../lib/supervisors.js";

const PATTERNS = {
  line: ["--pattern", "line"], // one write per line, evenly spaced
  burst: ["--pattern", "burst", "--burst-ms", "1000"], // a second's lines in one write
};

/** One round: every supervisor at once with n children each. */
async function round({ supervisors, n, rate, seconds, pattern, tag, log }) {
  const live = supervisors.filter((s) => !s.skip);
  const setups = live.map((s) => {
    const root = freshDir(`sup-${s.prefix}`);
    const { children, reportDir, prefix } = makeChildren(root, `${s.prefix}1${tag}`, n, ["--rate", rate, "--seconds", seconds, "--then", "idle", "--wait-signal", ...PATTERNS[pattern]]);
    return { s, root, prefix, children, reportDir, sup: s.make(root, children) };
  });
  try {
    await Promise.all(setups.map((x) => x.sup.start()));
    await sleep(3000); // starts settle (postdeck's daemon reads its rig, pm2 its God daemon, ...)
    const load0 = loadAvg();
    const pids = setups.map((x) => x.sup.supervisorPids());
    const c0 = pids.map((p) => cpuSeconds(p));
    const ready = await waitFor(() => {
      const all = setups.map((x) => readyPids(x.reportDir, x.children.map((c) => c.marker)));
      return all.every(Boolean) && all.flat();
    }, "every child to be ready for its start signal", 120_000, 100);
    const rss = setups.map(() => ({ peak: 0, sum: 0, k: 0 }));
    const sampleRss = () =>
      setups.forEach((x, i) => {
        const v = x.sup.supervisorPids().reduce((a, p) => a + rssBytes(p), 0);
        rss[i].peak = Math.max(rss[i].peak, v);
        rss[i].sum += v;
        rss[i].k++;
      });
    const t0 = Date.now();
    for (const p of ready) process.kill(p, "SIGUSR2");
    const timer = setInterval(sampleRss, 500);
    await waitFor(() => setups.every((x) => writtenByMarker(x.reportDir).size >= n), "every child to finish writing", (seconds + 120) * 1000, 250);
    await sleep(2000); // let the supervisors drain what is in flight
    clearInterval(timer);
    sampleRss();
    const wall = (Date.now() - t0) / 1000;
    const c1 = pids.map((p) => cpuSeconds(p));
    const load1 = loadAvg();
    await Promise.all(setups.map((x) => x.sup.stop().catch(() => undefined)));
    const rows = [];
    for (const [i, x] of setups.entries()) {
      const files = x.children.flatMap((c) => x.sup.logFiles(c.marker));
      const cmp = compareLines(writtenByMarker(x.reportDir), await countSequences(files), x.prefix + "-");
      rows.push({ name: x.s.name, cpuS: c1[i].total - c0[i].total, cpuReapedS: c1[i].reaped - c0[i].reaped, wallS: wall, peakRss: rss[i].peak, meanRss: rss[i].sum / rss[i].k, ...cmp });
    }
    log(`supervision ${pattern} ×${n} (${tag}): ${rows.map((r) => `${r.name} ${r.cpuS.toFixed(2)} s CPU, ${(r.peakRss / 2 ** 20).toFixed(0)} MB, lost ${r.lost}`).join("; ")} (load ${load0} → ${load1})`);
    return { rows, load0, load1 };
  } finally {
    await Promise.all(setups.map((x) => x.sup.stop().catch(() => undefined)));
    for (const x of setups) removeDir(x.root);
  }
}

export async function runSupervision({ supervisors, counts, rate, seconds, repeats, patterns, log }) {
  const cases = [];
  for (const pattern of patterns) {
    for (const n of counts) {
      const rounds = [];
      for (let k = 0; k < repeats; k++) {
        log(`supervision: ${pattern}, ${n} children × ${rate} lines/s × ${seconds} s under ${supervisors.filter((s) => !s.skip).map((s) => s.name).join(", ")} at once, round ${k + 1}/${repeats} (load ${loadAvg()})`);
        try {
          rounds.push(await round({ supervisors, n, rate, seconds, pattern, tag: `${pattern[0]}${n}r${k}`, log }));
        } catch (err) {
          log(`supervision round failed: ${err.stack ?? err}`);
          rounds.push({ error: String(err.message ?? err) });
        }
      }
      cases.push({ pattern, n, rounds });
    }
  }
  return { skipped: supervisors.filter((s) => s.skip).map((s) => ({ name: s.name, why: s.skip })), cases };
}
