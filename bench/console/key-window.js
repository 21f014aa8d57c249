// Where a key press's time went in the console, from a profile-console.js run (its directory holds
// renders.log, renders.log.events and the console's .cpuprofile): for each key, the time from the
// terminal's input being ready (`key` lines) to the end of the next Ink render; p50/p95; and for the
// slowest keys the main thread's samples in between, collapsed into runs of "entry > … > top frame"
// (what ran between the key and its frame: the key's render, log batches, GC, or nothing: CPU starvation
// shows as few samples over a long window).
// Usage: node bench/console/key-window.js PROFILE_DIR [slowest=8]
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
const dir = process.argv[2];
const top = Number(process.argv[3] ?? 8);
const ev = readFileSync(path.join(dir, "renders.log.events"), "utf8").trim().split("\n").map((l) => l.split(" "));
const keys = ev.filter((e) => e[0] === "key" && e[2]).map((e) => Number(e[2]));
const renders = readFileSync(path.join(dir, "renders.log"), "utf8").trim().split("\n").map((l) => l.split(" ").map(Number)).filter((r) => r[2]);
const pf = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
const prof = pf ? JSON.parse(readFileSync(path.join(dir, pf), "utf8")) : { nodes: [], samples: [], timeDeltas: [], startTime: 0 };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || "(anon)"}@${path.basename(n.callFrame.url || "")}:${n.callFrame.lineNumber}`;
const stackOf = (id) => { const s = []; for (let x = id; x !== undefined; x = parent.get(x)) s.push(byId.get(x)); return s.reverse(); };
const at = []; for (let i = 0, t = prof.startTime; i < prof.samples.length; i++) at.push((t += prof.timeDeltas[i] ?? 0));
const rows = keys.map((k) => { const r = renders.find((r) => r[2] >= k); return r ? { k, ms: (r[2] - k) / 1000, renderMs: r[1] } : null; }).filter(Boolean);
const lat = rows.map((r) => r.ms).sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.ceil((lat.length * p) / 100) - 1)];
console.log(`keys ${rows.length}: key→render end p50 ${pct(50).toFixed(1)} p95 ${pct(95).toFixed(1)} max ${lat.at(-1).toFixed(1)} ms`);
for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, top)) {
  console.log(`\n== key at +0: render ended +${r.ms.toFixed(1)} ms (Ink render ${r.renderMs} ms)`);
  const runs = [];
  for (let i = 0; i < prof.samples.length; i++) {
    if (at[i] < r.k - 2000 || at[i] > r.k + r.ms * 1000 + 2000) continue;
    const st = stackOf(prof.samples[i]);
    const frames = st.filter((n) => n.callFrame.url || /^\((idle|program|garbage collector)\)$/.test(n.callFrame.functionName));
    const entry = frames[0] ? name(frames[0]) : "?";
    const label = frames.length ? `${entry}${frames.length > 2 ? " > " + name(frames[Math.min(frames.length - 2, 3)]) : ""} > ${name(frames.at(-1))}` : name(st.at(-1));
    const t = (at[i] - r.k) / 1000;
    const last = runs.at(-1);
    if (last && last.label === label) { last.to = t; last.n++; } else runs.push({ from: t, to: t, n: 1, label });
  }
  for (const x of runs) console.log(`  ${x.from.toFixed(1).padStart(7)}..${x.to.toFixed(1).padStart(7)} (${x.n}) ${x.label}`);
}
