// Renders a run's results (bench/run.js) as markdown: machine, one table per phase with its load
// averages, and the goals met or missed.
import { fixed, mb, mdTable, ratio } from "./stats.js";

const loadLine = (p) => `Load average (1/5/15 min) at start: ${p.start.load}; at end: ${p.end?.load ?? "n/a"}.`;
const skipped = (r) => (r.skipped ? `skipped: ${r.skipped}` : r.error ? `error: ${r.error}` : null);

function supervision(p, cfg) {
  const rows = p.data;
  const pm2 = rows.find((r) => r.name === "pm2" && r.cpuS !== undefined);
  const body = rows.map((r) =>
    skipped(r)
      ? [r.name, skipped(r), "", "", "", "", "", "", ""]
      : [
          r.name,
          `${fixed(r.cpuS, 2)}${r.cpuReapedS > 0.005 ? ` (${fixed(r.cpuReapedS, 2)} in helpers)` : ""}`,
          fixed((r.cpuS / r.wallS) * 100, 1),
          pm2 ? ratio(r.cpuS, pm2.cpuS) : "n/a",
          mb(r.peakRss),
          pm2 ? ratio(r.peakRss, pm2.peakRss) : "n/a",
          r.written,
          r.captured,
          `${r.lost}${r.duplicates ? ` (+${r.duplicates} dup)` : ""}`,
          `${r.load0} → ${r.load1}`,
        ],
  );
  return [
    `## 1. Supervision: ${cfg.children} children × ${cfg.rate} lines/s × ${cfg.seconds} s`,
    "",
    loadLine(p),
    "",
    mdTable(["supervisor", "CPU s", "% of a core", "CPU vs pm2", "peak RSS MB", "RSS vs pm2", "lines written", "lines on disk", "lost", "load start → end"], body),
  ].join("\n");
}

function restart(p, cfg) {
  const body = p.data.map((r) =>
    skipped(r)
      ? [r.name, skipped(r), "", "", "", ""]
      : [r.name, r.n, fixed(r.medianMs, 0), fixed(r.p95Ms, 0), fixed(r.maxMs, 0), r.failures, `${r.load0} → ${r.load1}`],
  );
  return [
    `## 2. Restart: SIGKILL a child ${cfg.kills} times (each after ${cfg.uptimeS} s up)`,
    "",
    loadLine(p),
    "",
    mdTable(["supervisor", "restarts", "median ms", "p95 ms", "max ms", "not back in 30 s", "load start → end"], body),
  ].join("\n");
}

function capture(p, cfg) {
  const body = p.data.map((r) =>
    skipped(r)
      ? [r.name, skipped(r), "", "", "", "", ""]
      : [r.name, r.written, fixed(r.writtenPerS, 0), fixed(r.capturedPerS, 0), r.lost, r.supervisorCpuS !== undefined ? fixed(r.supervisorCpuS, 1) : "-", `${r.load0} → ${r.load1}`],
  );
  return [
    `## 3. Log capture ceiling: one child writing as fast as it can for ${cfg.captureSeconds} s`,
    "",
    loadLine(p),
    "",
    mdTable(["how", "lines written", "written/s", "captured/s", "lost", "supervisor CPU s", "load start → end"], body),
  ].join("\n");
}

function consoleSection(p) {
  const d = p.data;
  if (!d) return `## 4. Console\n\n${loadLine(p)}\n\nnot measured: ${p.error}`;
  const rows = [];
  const add = (what, r, f) => rows.push([what, r?.error ? `error: ${r.error}` : f(r)]);
  add("idle, 16 idle services: CPU % of a core", d.idle, (r) => fixed(r.cpuPct, 2));
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

function scale(p) {
  const rows = p.data.rows.map((r) =>
    r.error ? [r.n, `error: ${r.error}`, "", "", "", ""] : [r.n, fixed(r.cpuPct, 2), mb(r.rssPeak), mb(r.rssEnd), `${fixed(r.statusP50, 0)} / ${fixed(r.statusP95, 0)}`, r.statusBytes, `${r.load0} → ${r.load1}`],
  );
  return [
    `## 5. Scale: postdeck's daemon with idle services${p.data.node === false ? "" : " and a simulated node (gRPC, log file, postcli)"}`,
    "",
    loadLine(p),
    "",
    `\`node -e 0\` alone takes ${fixed(p.data.nodeStartupMs, 0)} ms on this machine now (the floor under any Node CLI).`,
    "",
    mdTable(["services", "daemon CPU % of a core", "peak RSS MB", "RSS at end MB", "status --json p50 / p95 ms", "status bytes", "load start → end"], rows),
  ].join("\n");
}

/** [goal, measured, met?] */
export function goals(res) {
  const out = [];
  const ph = res.phases;
  const s1 = ph["1"]?.data;
  if (s1) {
    const pd = s1.find((r) => r.name === "postdeck" && r.cpuS !== undefined);
    const pm = s1.find((r) => r.name === "pm2" && r.cpuS !== undefined);
    if (pd && pm) {
      out.push(["daemon CPU <= 0.5x pm2 (phase 1)", `${fixed(pd.cpuS, 2)} s vs ${fixed(pm.cpuS, 2)} s = ${ratio(pd.cpuS, pm.cpuS)}`, pd.cpuS <= 0.5 * pm.cpuS]);
      out.push(["daemon RSS <= 0.5x pm2 (phase 1)", `${mb(pd.peakRss)} MB vs ${mb(pm.peakRss)} MB = ${ratio(pd.peakRss, pm.peakRss)}`, pd.peakRss <= 0.5 * pm.peakRss]);
    }
    if (pd) out.push(["zero lines lost (phase 1)", `${pd.lost} of ${pd.written}`, pd.lost === 0]);
  }
  const s3 = ph["3"]?.data?.filter((r) => r.name.startsWith("postdeck") && r.lost !== undefined) ?? [];
  for (const r of s3) out.push([`zero lines lost (phase 3, ${r.name})`, `${r.lost} of ${r.written}`, r.lost === 0]);
  const s2 = ph["2"]?.data?.find((r) => r.name === "postdeck" && r.maxMs !== undefined);
  if (s2) out.push(["crash → running <= 1.5 s", `median ${fixed(s2.medianMs, 0)} ms, max ${fixed(s2.maxMs, 0)} ms`, s2.maxMs <= 1500 && s2.failures === 0]);
  const c = ph["4"]?.data;
  if (c?.idle && !c.idle.error) out.push(["idle console <= 1% of a core", `${fixed(c.idle.cpuPct, 2)} %`, c.idle.cpuPct <= 1]);
  if (c?.flow && !c.flow.error) {
    out.push(["console at 1,000 lines/s <= 15% CPU", `${fixed(c.flow.cpuPct, 1)} %`, c.flow.cpuPct <= 15]);
    out.push(["console <= 30 frames/s", `${fixed(c.flow.fps, 1)}`, c.flow.fps <= 30]);
    out.push(["key → frame p95 <= 50 ms", `${fixed(c.flow.keyP95, 0)} ms`, c.flow.keyP95 <= 50]);
  }
  if (c?.million && !c.million.error) out.push([`console RSS <= 150 MB after ${c.million.lines} lines`, `${mb(c.million.rssAfter)} MB`, c.million.rssAfter <= 150 * 2 ** 20]);
  const s5 = ph["5"]?.data?.rows ?? [];
  const r16 = s5.find((r) => r.n === 16 && !r.error);
  if (r16) {
    out.push(["daemon, 16 idle services <= 2% of a core", `${fixed(r16.cpuPct, 2)} %`, r16.cpuPct <= 2]);
    out.push(["daemon, 16 idle services <= 80 MB", `${mb(r16.rssPeak)} MB`, r16.rssPeak <= 80 * 2 ** 20]);
  }
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
