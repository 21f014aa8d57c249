// Phase 1 — supervision, all supervisors AT ONCE on the same load: for each child pattern (one
// line per write at a steady rate; bursts) and each child count, every supervisor gets its own N
// children; they all start writing at the same moment (SIGUSR2 to children started with
// --wait-signal), and every supervisor's CPU (its own utime+stime plus helpers it reaped) and RSS
// are read over the same window: from that moment until every child finished writing, plus 2 s.
// Repeated; the table gives the median and the spread (min-max) of each figure and the ratios.
// Lines captured = distinct sequence numbers on disk (rotated files included), per supervisor.
// settleS > 0 (BENCH_SUPERVISION_SETTLE_SECONDS): the children write settleS + settledSeconds s and
// two windows are read: the first `seconds` of writing (the start: postdeck's start tail and its
// read path's JIT warm-up are in it) and settledSeconds from settleS after the first write (a
// supervisor that has run with chatty children for a while); each is a case of its own (settled: S).
import { makeChildren } from "../lib/children.js";
import { compareLines, countSequences, readyPids, writtenByMarker } from "../lib/captured.js";
import { cpuSeconds, loadAvg, rssBytes, sleep, waitFor } from "../lib/proc.js";
import { freshDir, removeDir } from "../lib/supervisors.js";

const PATTERNS = {
  line: ["--pattern", "line"], // one write per line, evenly spaced
  burst: ["--pattern", "burst", "--burst-ms", "1000"], // a second's lines in one write
};

/** One round: every supervisor at once with n children each. */
async function round({ supervisors, n, rate, seconds, settleS = 0, settledSeconds = 60, pattern, tag, log }) {
  const live = supervisors.filter((s) => !s.skip);
  const setups = live.map((s) => {
    const root = freshDir(`sup-${s.prefix}`);
    const { children, reportDir, prefix } = makeChildren(root, `${s.prefix}1${tag}`, n, ["--rate", rate, "--seconds", settleS > 0 ? settleS + settledSeconds : seconds, "--then", "idle", "--wait-signal", ...PATTERNS[pattern]]);
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
    let rss = setups.map(() => ({ peak: 0, sum: 0, k: 0 }));
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
    let c1;
    let wall;
    let load1;
    const first = () => {
      sampleRss();
      wall = (Date.now() - t0) / 1000;
      c1 = pids.map((p) => cpuSeconds(p));
      load1 = loadAvg();
    };
    let settled = null;
    if (settleS > 0) {
      await sleep(seconds * 1000);
      first();
      const firstRss = rss;
      rss = setups.map(() => ({ peak: 0, sum: 0, k: 0 })); // between the windows: not kept
      await sleep(Math.max(0, t0 + settleS * 1000 - Date.now()));
      rss = setups.map(() => ({ peak: 0, sum: 0, k: 0 }));
      const s0 = { at: Date.now(), cpu: pids.map((p) => cpuSeconds(p)), load: loadAvg() };
      await sleep(settledSeconds * 1000);
      sampleRss();
      settled = { s0, at: Date.now(), cpu: pids.map((p) => cpuSeconds(p)), load: loadAvg(), rss };
      clearInterval(timer);
      rss = firstRss;
    }
    await waitFor(() => setups.every((x) => writtenByMarker(x.reportDir).size >= n), "every child to finish writing", (settleS + settledSeconds + seconds + 120) * 1000, 250);
    if (!settled) {
      await sleep(2000); // let the supervisors drain what is in flight
      first();
    }
    clearInterval(timer);
    await Promise.all(setups.map((x) => x.sup.stop().catch(() => undefined)));
    const rows = [];
    const settledRows = [];
    for (const [i, x] of setups.entries()) {
      const files = x.children.flatMap((c) => x.sup.logFiles(c.marker));
      const cmp = compareLines(writtenByMarker(x.reportDir), await countSequences(files), x.prefix + "-");
      rows.push({ name: x.s.name, cpuS: c1[i].total - c0[i].total, cpuReapedS: c1[i].reaped - c0[i].reaped, wallS: wall, peakRss: rss[i].peak, meanRss: rss[i].sum / rss[i].k, ...cmp });
      if (settled) {
        const r = settled.rss[i];
        const [a, b] = [settled.s0.cpu[i], settled.cpu[i]];
        settledRows.push({ name: x.s.name, cpuS: b.total - a.total, cpuReapedS: b.reaped - a.reaped, wallS: (settled.at - settled.s0.at) / 1000, peakRss: r.peak, meanRss: r.sum / r.k, ...cmp });
      }
    }
    const say = (rs) => rs.map((r) => `${r.name} ${r.cpuS.toFixed(2)} s CPU, ${(r.peakRss / 2 ** 20).toFixed(0)} MB, lost ${r.lost}`).join("; ");
    log(`supervision ${pattern} ×${n} (${tag})${settled ? `, first ${seconds} s` : ""}: ${say(rows)} (load ${load0} → ${load1})`);
    if (settled) log(`supervision ${pattern} ×${n} (${tag}), ${settledSeconds} s from ${settleS} s on: ${say(settledRows)} (load ${settled.s0.load} → ${settled.load})`);
    return { rows, load0, load1, settled: settled && { rows: settledRows, load0: settled.s0.load, load1: settled.load } };
  } finally {
    await Promise.all(setups.map((x) => x.sup.stop().catch(() => undefined)));
    for (const x of setups) removeDir(x.root);
  }
}

export async function runSupervision({ supervisors, counts, rate, seconds, settleS = 0, settledSeconds = 60, repeats, patterns, log }) {
  const cases = [];
  for (const pattern of patterns) {
    for (const n of counts) {
      const rounds = [];
      for (let k = 0; k < repeats; k++) {
        log(`supervision: ${pattern}, ${n} children × ${rate} lines/s × ${seconds} s under ${supervisors.filter((s) => !s.skip).map((s) => s.name).join(", ")} at once, round ${k + 1}/${repeats} (load ${loadAvg()})`);
        try {
          rounds.push(await round({ supervisors, n, rate, seconds, settleS, settledSeconds, pattern, tag: `${pattern[0]}${n}r${k}`, log }));
        } catch (err) {
          log(`supervision round failed: ${err.stack ?? err}`);
          rounds.push({ error: String(err.message ?? err) });
        }
      }
      cases.push({ pattern, n, rounds });
      // the same rounds' settled window, a case of its own (the errors kept)
      if (settleS > 0) cases.push({ pattern, n, settled: { fromS: settleS, seconds: settledSeconds }, rounds: rounds.map((r) => r.settled ?? (r.error ? r : { error: "no settled window" })) });
    }
  }
  return { skipped: supervisors.filter((s) => s.skip).map((s) => ({ name: s.name, why: s.skip })), cases };
}
