// What one console frame costs, without a terminal or daemon: the console (dist/ui/App.js)
// rendered by Ink into an in-memory TTY of 120×40, fed a 16-service snapshot (the UI test
// fixture, repeated) and log lines. Measures, per frame: Ink's render-to-string time (its
// onRender metric), the whole key → written-frame time, and the process CPU per frame.
// Usage: [FRAME_SERVICES=16] [FRAME_BUNDLE=0] node bench/console/frame-cost.js [frames=200] [key|log|service|node]   (after `npm run build`)
// Cases: key (j/k on the identities table), log (50 lines of the shown service's log), service (a
// service's CPU% and restarts), node (the node's layer moves: the idle console's frame, one every
// ~10 s on a rig with a node). The store's slow clock and frame budget are off here (every event
// draws at once), so each case measures its frame alone.
// FRAME_KEEP=1: keep the bundle (for a CPU profile: node --cpu-prof … frame-cost.js; its line numbers point into it)
// FRAME_SERVICES=64: the bench's console rig (64 identities, each with its service and a finding or two; the hardware pane's first volume naming each one's dir)
// The console is bundled as the installed one is (scripts/bundle.js's options: Ink with its cached
// string widths and tokenizing), with React's production build, as `postdeck` runs it;
// FRAME_BUNDLE=0 loads dist/ui/App.js and node_modules' Ink as they are (what the UI tests run).
import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { percentile } from "../lib/stats.js";

process.env.NODE_ENV ??= "production"; // as src/cli/tui.ts sets it before loading the console
/** App, render and createElement: from one bundle made with the console's esbuild options, or the modules as they are. */
async function load() {
  if (process.env.FRAME_BUNDLE === "0") {
    const [{ default: React }, { render }, { App }] = await Promise.all([import("react"), import("ink"), import("../../dist/ui/App.js")]);
    return { App, render, h: React.createElement };
  }
  const { build } = await import("esbuild");
  const { bundleOptions } = await import("../../scripts/bundle.js");
  const dir = mkdtempSync(path.join(tmpdir(), "frame-cost-"));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const entry = path.join(dir, "entry.js");
  writeFileSync(entry, `export { App } from ${JSON.stringify(path.join(here, "../../src/ui/App.tsx"))};\nexport { render } from "ink";\nexport { createElement as h } from "react";\n`);
  // split as the installed bundle is (Ink's devtools chunk, which imports a package postdeck lacks, is never loaded)
  await build({ ...bundleOptions, entryPoints: [entry], outdir: dir, splitting: true, outExtension: { ".js": ".mjs" }, nodePaths: [path.join(here, "../../node_modules")], banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' } });
  try {
    return await import(pathToFileURL(path.join(dir, "entry.mjs")).href);
  } finally {
    // FRAME_KEEP=1 keeps the bundle (a CPU profile's lines then point into it)
    if (process.env.FRAME_KEEP === "1") console.log(`bundle kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
const { App, render, h } = await load();

const FRAMES = Number(process.argv[2] ?? 200);
const ONLY = process.argv[3] ?? ""; // key | log | service | node: run one case only
const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/ui/demo-rig.json", import.meta.url), "utf8"));
const base = fixture.snapshot;
const N = Number(process.env.FRAME_SERVICES ?? 16);
const services = Array.from({ length: N }, (_, i) => ({ ...base.services[i % base.services.length], name: `post${String(i + 1).padStart(2, "0")}`, startedAt: fixture.now - 3_600_000 }));
const volumes = N > 16 && base.hardware ? base.hardware.volumes.map((v, i) => (i ? v : { ...v, paths: services.map((s) => `/tmp/pdb-cf4-AbCdEf/pos/${s.name}`) })) : base.hardware?.volumes;
// as many identities as services, each with its service (the bench's console rig: a key and a post-service per
// identity, a finding or two each), so the identities table, its !N column and the log pane that follows the
// selection cost what they cost there
const hex = (i) => (i + 1).toString(16).padStart(6, "0").repeat(11).slice(0, 64);
const identities = services.map((s, i) => ({ ...base.identities[i % base.identities.length], keyFile: `${s.name}.key`, path: `/data/node/identities/${s.name}.key`, nodeId: hex(i), shortId: hex(i).slice(0, 6), service: s.name, posDir: `/mnt/pos1/${s.name}`, findings: [] }));
const findings = identities.flatMap((id, i) => [{ ...base.findings[0], id: "key-not-registered", subject: id.keyFile }, ...(i % 2 ? [{ ...base.findings[0], id: "svc-down", subject: id.service, severity: "warning" }] : [])]);
const snapshot = { ...base, services, identities, findings, ...(base.hardware ? { hardware: { ...base.hardware, volumes } } : {}) };

class Client {
  listeners = [];
  subscribe(onEvent, onState) {
    this.listeners.push(onEvent);
    onState?.({ kind: "connected" });
    queueMicrotask(() => onEvent({ type: "snapshot", data: snapshot }));
    return () => undefined;
  }
  async call(route) {
    if (route === "logs") return { lines: [] };
    return {};
  }
  close() {}
  emit(e) {
    for (const l of this.listeners) l(e);
  }
}

class Tty extends EventEmitter {
  isTTY = true;
  columns = 120;
  rows = 40;
  bytes = 0;
  writes = 0;
  onWrite = null;
  write(s) {
    this.bytes += s.length;
    this.writes++;
    if (s.length > 200) this.last = s; // FRAME_DUMP=1 prints the last frame (without escapes) at the end
    this.onWrite?.();
    return true;
  }
}
class Stdin extends EventEmitter {
  isTTY = true;
  data = null;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  press(k) {
    this.data = k;
    this.emit("readable");
  }
}

const client = new Client();
const stdout = new Tty();
const stdin = new Stdin();
const renderTimes = [];
// backgroundMs 0 and a budget that never stretches: a slow event (the node's layer) draws as soon as a state change would
const budget = { record() {}, interval: (floorMs) => floorMs, frameCostMs: 0 };
render(h(App, { client, now: () => fixture.now, store: { maxFps: 4, logFps: 4, backgroundMs: 0, budget } }), {
  stdout,
  stdin,
  stderr: new Tty(),
  exitOnCtrlC: false,
  patchConsole: false,
  maxFps: 30,
  onRender: ({ renderTime }) => renderTimes.push(renderTime),
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(1500);

/**
 * The main thread's CPU time so far (ms, from /proc in clock ticks; null elsewhere): over a run its
 * mean per frame leaves out V8's helper threads (concurrent GC, compilers) that the process's CPU counts.
 */
function mainThreadMs() {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, at 100 ticks a second
  } catch {
    return null;
  }
}

/** Runs `act` FRAMES times, each waiting for the frame it causes; returns per-frame figures. */
async function measure(label, act) {
  if (ONLY && !label.startsWith(ONLY)) return;
  const wall = [];
  const main0 = mainThreadMs();
  const cpu = [];
  renderTimes.length = 0;
  for (let i = 0; i < FRAMES; i++) {
    const w0 = stdout.writes;
    const c0 = process.cpuUsage();
    const start = performance.now();
    const written = new Promise((r) => (stdout.onWrite = () => stdout.writes > w0 && r()));
    act(i);
    await Promise.race([written, sleep(2000)]);
    wall.push(performance.now() - start);
    await sleep(40); // effects after the frame; and past Ink's 30 fps throttle, so every action is its own frame
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const r = renderTimes;
  const f = (xs) => `p50 ${percentile(xs, 50).toFixed(1)} p95 ${percentile(xs, 95).toFixed(1)} min ${Math.min(...xs).toFixed(1)}`;
  // The mean of the quietest tenth of the run (noise on a shared machine only adds time).
  const tenth = Math.max(1, Math.floor(cpu.length / 10));
  const quiet = [];
  for (let i = 0; i + tenth <= cpu.length; i += tenth) quiet.push(cpu.slice(i, i + tenth).reduce((a, b) => a + b, 0) / tenth);
  const best = Math.min(...quiet);
  const main = main0 === null ? "" : `, main thread mean ${((mainThreadMs() - main0) / FRAMES).toFixed(2)}`;
  console.log(`${label.padEnd(34)} renders ${String(r.length).padStart(4)} | Ink render ms ${f(r)} | act→written ms ${f(wall)} | CPU ms per frame ${f(cpu)}, quietest tenth ${best.toFixed(1)}${main}`);
}

let seq = 0;
const logLine = (source) => ({ source, seq: ++seq, at: fixture.now + seq, level: "INFO", text: `2025-11-26T09:40:00.000Z\tINFO\tpost_service\tproving: nonces 0..128 position ${seq}` });
// lines for every service before the keys (a rig that has run a while): the log pane follows the selected
// identity, so each j/k also changes the lines it shows
for (let k = 0; k < 60; k++) client.emit({ type: "log", data: services.map((s) => logLine(s.name)) });
await sleep(1000);
await measure("key: j/k (identities pane)", (i) => stdin.press(i % 2 ? "k" : "j"));
// the lines of the service the log pane shows (the selected identity's, post01 after an even number of keys):
// lines of other services change nothing on screen, and Ink writes no frame for them
await measure("log: lines (50 per frame, shown source)", () => {
  for (let k = 0; k < 50; k++) client.emit({ type: "log", data: [logLine(services[0].name)] });
});
// services whose rows are on screen (a change off screen writes no frame: the wait for it would time out)
await measure("service: CPU% change", (i) => client.emit({ type: "service", data: { ...services[i % 8], cpuPercent: 100 + i, restarts: i } }));
await measure("node: layer (the idle frame)", (i) => client.emit({ type: "node", data: { ...snapshot.node, syncedLayer: snapshot.node.syncedLayer + i + 1, topLayer: snapshot.node.topLayer + i + 1 } }));
if (process.env.FRAME_DUMP === "1") console.log(stdout.last.replace(/\x1b\[[\d;?]*[a-zA-Z]/g, ""));
process.exit(0);
