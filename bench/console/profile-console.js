// Profiling aid (not part of `npm run bench`): runs the console in a pty against postdeck's daemon
// with N services writing `rate` lines/s in total, for `seconds`, with V8's CPU profiler on, then
// quits it with `q` and prints where its CPU time went (self time by function, top 40).
// Usage: [NOPROF=1] [NODEFLAGS=…] node bench/console/profile-console.js [seconds=30] [linesPerS=0] [services=16] [keys=0]
import { existsSync, readdirSync, readFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { makeChildren, POSTDECK_BIN } from "../lib/children.js";
import { PostdeckSupervisor, postdeckEnv } from "../lib/postdeck.js";
import { cpuSeconds, findMarked, sleep, waitFor } from "../lib/proc.js";
import { freshDir, removeDir } from "../lib/supervisors.js";
import { PtyScreen } from "./pty-screen.js";
import { summarise } from "./cpuprofile.js";

const [seconds = 30, rate = 0, n = 16, keys = 0] = process.argv.slice(2).map(Number);
const profDir = freshDir("prof");
mkdirSync(profDir, { recursive: true });
const root = freshDir("pc");
const childArgs = rate > 0 ? ["--rate", rate / n, "--seconds", seconds + 120, "--then", "idle"] : ["--rate", 0, "--seconds", 0, "--then", "idle"];
const { children } = makeChildren(root, "pc", n, childArgs);
const sup = new PostdeckSupervisor(root, children, { autostart: false });
await sup.start({ waitChildren: false });
const renderLog = path.join(profDir, "renders.log");
// NOPROF=1: the same run without the profiler (whose sampling thread costs CPU of its own)
const prof = process.env.NOPROF === "1" ? [] : ["--cpu-prof", `--cpu-prof-dir=${profDir}`];
// NODEFLAGS="…": V8 flags to try (the console runs with none)
const node = [process.execPath, ...prof, ...(process.env.NODEFLAGS ? process.env.NODEFLAGS.split(" ") : [])];
const scr = new PtyScreen([...node, POSTDECK_BIN, "--config", sup.configPath], { cols: 120, rows: 40, env: postdeckEnv({ NO_COLOR: "", POSTDECK_RENDER_LOG: renderLog }) });
const nameRe = /pc-c\d\d/;
try {
  await scr.waitFor((t) => nameRe.test(t), "the console", 60_000);
  await sup.cliAsync(["start", "--all"]);
  await waitFor(() => children.every((c) => (findMarked(null).get(c.marker) ?? []).length > 0), "services", 60_000, 100);
  await sleep(5000);
  const c0 = cpuSeconds(scr.pids());
  const f0 = scr.frames;
  const t0 = Date.now();
  const lat = [];
  for (let k = 0; k < keys; k++) {
    lat.push(await scr.keyLatency(k % 2 ? "k" : "j", nameRe));
    await sleep((seconds * 1000) / keys - (lat.at(-1) ?? 0));
  }
  while (Date.now() - t0 < seconds * 1000) await sleep(100);
  const c1 = cpuSeconds(scr.pids());
  const wall = (Date.now() - t0) / 1000;
  const renders = existsSync(renderLog) ? readFileSync(renderLog, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number)).filter(([at]) => at >= t0) : [];
  const ms = renders.map((r) => r[1]);
  console.log(`renders ${renders.length} (${(renders.length / wall).toFixed(2)}/s), Ink render-to-string mean ${(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)).toFixed(1)} ms`);
  console.log(`cpu ${(((c1.total - c0.total) / wall) * 100).toFixed(2)} % of a core, frames/s ${((scr.frames - f0) / wall).toFixed(2)}, bytes ${scr.bytes}`);
  if (lat.length) console.log(`key latencies ms: ${lat.map((x) => (x == null ? "miss" : x.toFixed(0))).join(" ")}`);
  scr.write("q");
  await sleep(3000);
} finally {
  scr.kill();
  await sup.stop().catch(() => undefined);
  removeDir(root);
}
for (const f of readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"))) console.log(summarise(path.join(profDir, f), 30));
console.log(`profiles in ${profDir}`);
