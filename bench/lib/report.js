// Renders a run's results (bench/run.js) as markdown: machine, one table per phase with its load
// averages, and the goals met or missed.
import { fixed, mb, mdTable, median, ratio } from "./stats.js";

const loadLine = (p) => `Load average (1/5/15 min) at start: ${p.start.load}; at end: ${p.end?.load ?? "n/a"}.`;
const skipped = (r) => (r.skipped ? `skipped: ${r.skipped}` : r.error ? `error: ${r.error}` : null);

/** median (min–max) of xs with formatter f. */
function spread(xs, f) {
  const v = xs.filter(Number.isFinite);
  if (!v.length) return "n/a";
  return v.length === 1 ? f(v[0]) : `${f(median(v))} (${f(Math.min(...v))}–${f(Math.max(...v))})`;
}
const x2 = (v) => `${v.toFixed(2)}x`;

/** Per supervisor over a case's rounds: CPU s, ratios vs each peer in the same round, RSS, lost. */
export function supervisionSummary(c) {
  const ok = c.rounds.filter((r) => r.rows);
  const names = [...new Set(ok.flatMap((r) => r.rows.map((x) => x.name)))];
  const of = (r, name) => r.rows.find((x) => x.name === name);
  return names.map((name) => {
    const mine = ok.map((r) => of(r, name)).filter(Boolean);
    const vs = (peer) => ok.map((r) => (of(r, name) && of(r, peer) ? of(r, name).cpuS / of(r, peer).cpuS : NaN));
    const rssVs = (peer) => ok.map((r) => (of(r, name) && of(r, peer) ? of(r, name).peakRss / of(r, peer).peakRss : NaN));
    return {
      name,
      rounds: mine.length,
      cpuS: mine.map((x) => x.cpuS),
      cpuPct: mine.map((x) => (x.cpuS / x.wallS) * 100),
      vsPm2: vs("pm2"),
      vsSupervisord: vs("supervisord"),
      rssVsPm2: rssVs("pm2"),
      peakRss: mine.map((x) => x.peakRss),
      written: mine.reduce((a, x) => a + x.written, 0),
      lost: mine.reduce((a, x) => a + x.lost, 0),
      duplicates: mine.reduce((a, x) => a + x.duplicates, 0),
    };
  });
}

/** Which window a phase-1 case read: with a settle (BENCH_SUPERVISION_SETTLE_SECONDS) the first seconds of writing, or the settled window. */
function caseWindow(c, cfg) {
  if (c.settled) return `, settled: ${c.settled.seconds} s from ${c.settled.fromS} s after the first write`;
  return cfg.supervisionSettleS > 0 ? `, start: the first ${cfg.seconds} s of writing` : "";
}

function supervision(p, cfg) {
  const d = p.data;
  const out = [
    `## 1. Supervision: postdeck, pm2 and supervisord at once, ${cfg.rate} lines/s per child, ${cfg.seconds} s, ${cfg.repeats} rounds`,
    "",
    loadLine(p),
    "",
    "Each round runs every supervisor at the same time, each with its own children, all writing from the same moment; CPU and RSS are read over the same window. Figures: median (min–max) over the rounds; a ratio is taken within each round, then its median. `line`: one write per line, evenly spaced; `burst`: a second's lines in one write.",
  ];
  for (const sk of d.skipped ?? []) out.push("", `**${sk.name} skipped:** ${sk.why}`);
  for (const c of d.cases) {
    const rows = supervisionSummary(c).map((r) => [
      r.name,
      spread(r.cpuS, (v) => v.toFixed(2)),
      spread(r.cpuPct, (v) => v.toFixed(1)),
      spread(r.vsPm2, x2),
      spread(r.vsSupervisord, x2),
      spread(r.peakRss, mb),
      spread(r.rssVsPm2, x2),
      `${r.lost} of ${r.written}${r.duplicates ? ` (+${r.duplicates} dup)` : ""}`,
    ]);
    const loads = c.rounds.map((r) => (r.error ? `error: ${r.error}` : `${r.load0.split(" ")[0]} → ${r.load1.split(" ")[0]}`)).join("; ");
    out.push("", `### ${c.pattern}, ${c.n} children${caseWindow(c, cfg)}`, "", `Load (1 min) per round: ${loads}.`, "", mdTable(["supervisor", "CPU s", "% of a core", "CPU vs pm2", "CPU vs supervisord", "peak RSS MB", "RSS vs pm2", "lost"], rows));
  }
  // RSS per chatty service added: the smallest and largest count of each pattern (medians of the mean RSS over each window)
  for (const pattern of [...new Set(d.cases.map((c) => c.pattern))]) {
    const cs = d.cases.filter((c) => c.pattern === pattern && !c.settled).sort((a, b) => a.n - b.n);
    if (cs.length < 2) continue;
    const meanRss = (c, name) => median(c.rounds.filter((r) => r.rows).map((r) => r.rows.find((x) => x.name === name)?.meanRss).filter(Number.isFinite));
    const a = cs[0];
    const b = cs.at(-1);
    const per = (name) => ((meanRss(b, name) - meanRss(a, name)) / (1 << 20) / (b.n - a.n)).toFixed(2);
    out.push("", `RSS per chatty service added (${pattern}, ${a.n} → ${b.n}, median of the mean RSS): postdeck ${per("postdeck")} MB, pm2 ${per("pm2")} MB, supervisord ${per("supervisord")} MB.`);
  }
  return out.join("\n");
}

function restart(p, cfg) {
  const body = p.data.map((r) =>
    skipped(r)
      ? [r.name, skipped(r), "", "", "", "", "", "", ""]
      : [r.name, r.n, fixed(r.medianMs, 0), fixed(r.p95Ms, 0), fixed(r.maxMs, 0), r.forkMedianMs !== undefined ? `${fixed(r.forkMedianMs, 0)} / ${fixed(r.forkP95Ms, 0)}` : "n/a", r.failures, (r.loopMs ?? []).map((x) => fixed(x, 0)).join(", ") || "-", `${r.load0} → ${r.load1}`],
  );
  return [
    `## 2. Restart: SIGKILL a child ${cfg.kills} times (each after ${cfg.uptimeS} s up)`,
    "",
    loadLine(p),
    "",
    mdTable(["supervisor", "restarts", "median ms", "p95 ms", "max ms", "new child forked: median / p95 ms", "not back in 30 s", "crash loop: back after ms", "load start → end"], body),
  ].join("\n");
}

function capture(p, cfg) {
  const body = p.data.map((r) =>
    skipped(r)
      ? [r.name, skipped(r), "", "", "", "", "", "", ""]
      : [
          r.name,
          r.written,
          fixed(r.writtenPerS, 0),
          `${r.captured} (${fixed(r.capturedPerS, 0)}/s)`,
          r.lost,
          r.followerSaw !== undefined ? `${r.followerSaw} (${fixed((r.followerSaw / r.written) * 100, 2)} %; ${r.skippedNotes} "skipped" notes)` : "-",
          r.diskPeak !== undefined ? `${mb(r.diskPeak)} MB of ${mb(r.diskBound)} MB` : "-",
          r.supervisorCpuS !== undefined ? fixed(r.supervisorCpuS, 1) : "-",
          `${r.load0} → ${r.load1}`,
        ],
  );
  return [
    `## 3. Log capture ceiling: one child writing as fast as it can for ${cfg.captureSeconds} s`,
    "",
    loadLine(p),
    "",
    "Captured = distinct sequence numbers in the log files after the run (rotated files included). Under postdeck a client follows the service (`postdeck logs NAME -f`): \"follower saw\" = distinct sequence numbers it printed (the daemon's follower skips ahead rather than buffer when a source writes faster than it reads, and says so in a note). With the default rotation, lines rotated out beyond `keep` are gone by design: \"on disk at most\" is the largest total size of the service's log files sampled every 100 ms, against (keep + 1) × maxBytes.",
    "",
    mdTable(["how", "lines written", "written/s", "captured on disk", "lost on disk", "follower saw", "on disk at most", "supervisor CPU s", "load start → end"], body),
  ].join("\n");
}

function consoleSection(p) {
  const d = p.data;
  if (!d) return `## 4. Console\n\n${loadLine(p)}\n\nnot measured: ${p.error}`;
  const rows = [];
  const add = (what, r, f) => rows.push([what, r?.error ? `error: ${r.error}` : f(r)]);
  add(`idle, ${d.services ?? 16} idle services, simulated node, after the first minute: CPU % of a core`, d.idle, (r) => fixed(r.cpuPct, 2));
  add("idle: RSS MB", d.idle, (r) => mb(r.rss));
  add("idle: frames/s (renders/s, mean Ink render ms)", d.idle, (r) => `${fixed(r.fps, 2)} (${fixed(r.rendersPerS, 2)}, ${fixed(r.renderMs, 1)})`);
  add(`${d.flow?.linesPerS ?? 1000} lines/s: CPU % of a core`, d.flow, (r) => fixed(r.cpuPct, 1));
  add("  RSS MB (peak)", d.flow, (r) => mb(r.rssPeak));
  add("  frames/s (synchronized-output frames; renders/s, mean Ink render ms)", d.flow, (r) => `${fixed(r.fps, 1)} (${fixed(r.rendersPerS, 1)}, ${fixed(r.renderMs, 1)})`);
  add("  bytes/s to the terminal", d.flow, (r) => fixed(r.bytesPerS, 0));
  add("  key → changed frame p50 / p95 ms", d.flow, (r) => `${fixed(r.keyP50, 0)} / ${fixed(r.keyP95, 0)} (${r.keys} presses, ${r.keyMisses} without a visible change)`);
  add("  daemon CPU % meanwhile", d.flow, (r) => fixed(r.daemonCpuPct, 1));
  add(`after ${d.million?.lines ?? "n/a"} lines: console RSS MB`, d.million, (r) => `${mb(r.rssAfter)} (before: ${mb(r.rssBefore)}; ${fixed(r.seconds, 0)} s of flow)`);
  add("  daemon RSS MB", d.million, (r) => mb(r.daemonRss));
  return [`## 4. Console (TUI in a pseudo-terminal ${d.cols}×${d.rows}, CI=0)`, "", loadLine(p), "", mdTable(["measure", "value"], rows), ...(d.notes ?? []).map((n) => `\n- ${n}`)].join("\n");
}

/** MB per service added, from the smallest to the largest count (mean RSS over each window). */
export function rssPerService(rows) {
  const ok = rows.filter((r) => !r.error && Number.isFinite(r.rssMean));
  if (ok.length < 2) return null;
  const a = ok[0];
  const b = ok.at(-1);
  return { from: a.n, to: b.n, mbPer: (b.rssMean - a.rssMean) / (1 << 20) / (b.n - a.n) };
}

function scale(p) {
  const rows = p.data.rows.map((r) =>
    r.error
      ? [r.n, `error: ${r.error}`, "", "", "", "", "", ""]
      : [
          r.n,
          fixed(r.cpuPct, 2),
          `${mb(r.rssMean)} (peak ${mb(r.rssPeak)}; heap used ${fixed(r.heapUsedMiB, 1)})`,
          r.eldStart ? `${fixed(r.eldStart.p99, 0)} / ${fixed(r.eldStart.max, 0)}` : "n/a",
          r.eldWindow ? `${fixed(r.eldWindow.p99, 0)} / ${fixed(r.eldWindow.max, 0)}` : "n/a",
          `${fixed(r.statusP50, 0)} / ${fixed(r.statusP95, 0)}`,
          r.statusBytes,
          `${r.load0} → ${r.load1}`,
        ],
  );
  const per = rssPerService(p.data.rows);
  return [
    `## 5. Scale: postdeck's daemon with idle services${p.data.node === false ? "" : " and a simulated node at rest (gRPC, log file, postcli; every identity has its ATX, no cycle gap)"}`,
    "",
    loadLine(p),
    "",
    `\`node -e 0\` alone takes ${fixed(p.data.nodeStartupMs, 0)} ms on this machine now (the floor under any Node CLI).`,
    "",
    mdTable(["services", "daemon CPU % of a core", "RSS MB, mean over the window", "event-loop delay at start p99 / max ms", "in the window p99 / max ms", "status --json p50 / p95 ms", "status bytes", "load start → end"], rows),
    ...(per ? ["", `RSS per service added (${per.from} → ${per.to}, mean RSS): ${per.mbPer.toFixed(2)} MB.`] : []),
  ].join("\n");
}

/** [goal, measured, met?] */
export function goals(res) {
  const out = [];
  const ph = res.phases;
  for (const c of ph["1"]?.data?.cases ?? []) {
    const pd = supervisionSummary(c).find((r) => r.name === "postdeck");
    if (!pd) continue;
    const m = (xs) => median(xs.filter(Number.isFinite));
    const tag = `${c.n} × ${res.cfg.rate} lines/s, ${c.pattern}${caseWindow(c, res.cfg)}`;
    if (c.n <= 16 && Number.isFinite(m(pd.vsPm2))) out.push([`daemon CPU <= 0.5x pm2 (${tag})`, spread(pd.vsPm2, x2), m(pd.vsPm2) <= 0.5]);
    if (Number.isFinite(m(pd.vsSupervisord))) out.push([`daemon CPU <= 0.8x supervisord (${tag})`, spread(pd.vsSupervisord, x2), m(pd.vsSupervisord) <= 0.8]);
    if (c.n <= 16 && Number.isFinite(m(pd.rssVsPm2))) out.push([`daemon RSS <= 1.0x pm2 (${tag})`, spread(pd.rssVsPm2, x2), m(pd.rssVsPm2) <= 1.0]);
    out.push([`zero lines lost (${tag})`, `${pd.lost} of ${pd.written}`, pd.lost === 0]);
  }
  const s3 = ph["3"]?.data?.filter((r) => r.name.startsWith("postdeck") && r.lost !== undefined) ?? [];
  for (const r of s3) {
    if (r.diskBound !== undefined) out.push([`log files within (keep + 1) × maxBytes under a flood (phase 3, ${r.name})`, `${mb(r.diskPeak)} MB of ${mb(r.diskBound)} MB`, r.diskPeak <= r.diskBound]);
    else out.push([`zero lines lost on disk (phase 3, ${r.name})`, `${r.lost} of ${r.written}`, r.lost === 0]);
  }
  const s2 = ph["2"]?.data?.find((r) => r.name === "postdeck" && r.maxMs !== undefined);
  if (s2) {
    out.push(["crash → running <= 150 ms (first crash after a stable run)", `median ${fixed(s2.medianMs, 0)} ms, p95 ${fixed(s2.p95Ms, 0)}, max ${fixed(s2.maxMs, 0)} ms`, s2.medianMs <= 150 && s2.failures === 0]);
    const loop = s2.loopMs ?? [];
    if (loop.length >= 1) out.push(["crash loop still backs off (restarts 2, 3, 4 in a row: >= 750, 1125, 1688 ms ± 10 %)", loop.map((x) => `${fixed(x, 0)} ms`).join(", "), loop.every((x, i) => x >= 0.9 * 750 * 1.5 ** i)]);
  }
  const c = ph["4"]?.data;
  if (c?.idle && !c.idle.error) out.push(["idle console <= 0.3 % of a core (simulated node, after the first minute)", `${fixed(c.idle.cpuPct, 2)} %`, c.idle.cpuPct <= 0.3]);
  if (c?.flow && !c.flow.error) {
    out.push(["console at 1,000 lines/s <= 15% CPU", `${fixed(c.flow.cpuPct, 1)} %`, c.flow.cpuPct <= 15]);
    out.push(["console <= 30 frames/s", `${fixed(c.flow.fps, 1)}`, c.flow.fps <= 30]);
    out.push(["key → frame p95 <= 50 ms", `${fixed(c.flow.keyP95, 0)} ms`, c.flow.keyP95 <= 50]);
  }
  if (c?.million && !c.million.error) out.push([`console RSS <= 150 MB after ${c.million.lines} lines`, `${mb(c.million.rssAfter)} MB`, c.million.rssAfter <= 150 * 2 ** 20]);
  const s5 = ph["5"]?.data?.rows ?? [];
  const r64 = s5.find((r) => r.n === 64 && !r.error);
  if (r64) {
    out.push(["daemon, 64 idle services <= 0.2 % of a core", `${fixed(r64.cpuPct, 2)} %`, r64.cpuPct <= 0.2]);
    if (r64.eldWindow) out.push(["event-loop delay p99 <= 20 ms with 64 services (window)", `${fixed(r64.eldWindow.p99, 1)} ms (at start: p99 ${fixed(r64.eldStart.p99, 0)} ms)`, r64.eldWindow.p99 <= 20]);
  }
  const per = rssPerService(s5);
  if (per) out.push([`RSS per added idle service <= 0.3 MB (${per.from} → ${per.to})`, `${per.mbPer.toFixed(2)} MB`, per.mbPer <= 0.3]);
  for (const r of s5.filter((x) => !x.error)) out.push([`status --json <= 300 ms (${r.n} services, p95)`, `${fixed(r.statusP95, 0)} ms`, r.statusP95 <= 300]);
  return out;
}

export function renderResults(res) {
  const m = res.machine;
  const parts = [
    "# Results",
    "",
    `Run ${m.date} → ${res.finishedAt}. Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.kernel}, Node ${m.node}. Load average at start ${m.loadAvg}, at end ${m.loadAvgEnd}.`,
    "",
    "## Goals",
    "",
    mdTable(["goal", "measured", "met"], goals(res).map(([g, v, ok]) => [g, v, ok ? "yes" : "**no**"])),
  ];
  const ph = res.phases;
  const sec = (id, f) => {
    if (!ph[id]) return;
    parts.push("", ph[id].error && id !== "4" ? `## ${id}. ${ph[id].title}\n\n${loadLine(ph[id])}\n\nerror: ${ph[id].error}` : f(ph[id], res.cfg));
  };
  sec("1", supervision);
  sec("2", restart);
  sec("3", capture);
  sec("4", consoleSection);
  sec("5", scale);
  return parts.join("\n");
}
