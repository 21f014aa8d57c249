// Profiling aid (not part of `npm run bench`): the console (dist/ui/App.js) in this process, fed
// N log lines over 64 sources by a fake client at a rate, as a daemon would send them (batches of
// 200, fresh strings); prints the RSS and heap before and after. Nothing but the console runs, so
// what it keeps per line shows without a daemon or children.
// Usage: node bench/console/log-memory.js [lines=1000000] [linesPerS=20000]   (after `npm run build`)
// SET_FLAGS="--max-semi-space-size=2": V8 flags set at run time (v8.setFlagsFromString), to see whether they still act
import v8 from "node:v8";
if (process.env.SET_FLAGS) v8.setFlagsFromString(process.env.SET_FLAGS);
process.env.NODE_ENV = "production";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
const { default: React } = await import("react"); // after NODE_ENV (static imports would load React's development build first)
const { render } = await import("ink");
const { App } = await import("../../dist/ui/App.js");
const N = 64, TOTAL = Number(process.argv[2] ?? 1_000_000), RATE = Number(process.argv[3] ?? 20000);
const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/ui/demo-rig.json", import.meta.url), "utf8"));
const base = fixture.snapshot;
const services = Array.from({ length: N }, (_, i) => ({ ...base.services[i % 4], name: `cm4-c${String(i).padStart(2, "0")}` }));
const snapshot = { ...base, services, identities: [] };
class Client { listeners = []; subscribe(onEvent, onState) { this.listeners.push(onEvent); onState?.({ kind: "connected" }); queueMicrotask(() => onEvent({ type: "snapshot", data: snapshot })); return () => {}; }
  async call(route) { return route === "logs" ? { lines: [] } : {}; } close() {} emit(e) { for (const l of this.listeners) l(e); } }
class Tty extends EventEmitter { isTTY = true; columns = 120; rows = 40; write() { return true; } }
class Stdin extends EventEmitter { isTTY = true; setEncoding() {} setRawMode() {} resume() {} pause() {} ref() {} unref() {} read = () => null; }
const client = new Client();
// NORELEASE=1: without the console's memory release after a flood (src/ui/state/flood-memory.ts), to compare
const { FloodMemory, capYoungGeneration } = await import("../../dist/ui/state/flood-memory.js");
const floodMemory = process.env.NORELEASE === "1" ? new FloodMemory(() => undefined) : undefined;
// NOCAP=1: V8's young generation left to grow, as before the console capped it (runConsole does)
if (process.env.NOCAP !== "1") capYoungGeneration();
render(React.createElement(App, { client, store: { maxFps: 4, floodMemory } }), { stdout: new Tty(), stdin: new Stdin(), stderr: new Tty(), exitOnCtrlC: false, patchConsole: false, maxFps: 60 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(2000);
const mb = (b) => (b / 1e6).toFixed(0);
const before = process.memoryUsage();
console.log(`before: rss ${mb(before.rss)} MB heap ${mb(before.heapUsed)}/${mb(before.heapTotal)}`);
let seq = 0; const t0 = Date.now(); let peak = 0; const cpu0 = process.cpuUsage();
while (seq < TOTAL) {
  const batch = [];
  for (let i = 0; i < 200 && seq < TOTAL; i++) { seq++; batch.push({ source: services[seq % N].name, seq: Math.ceil(seq / N), at: Date.now(), level: "INFO", text: `[2025-11-26T09:40:00.000Z INFO post_service] proving: nonces 0..128 position ${seq} k2pow difficulty ok` }); }
  client.emit({ type: "log", data: JSON.parse(JSON.stringify(batch)) });
  const due = t0 + (seq / RATE) * 1000; if (due > Date.now()) await sleep(due - Date.now()); else await new Promise((r) => setImmediate(r));
  peak = Math.max(peak, process.memoryUsage().rss);
}
const end = Date.now();
const cpu = process.cpuUsage(cpu0);
console.log(`${TOTAL} lines in ${((end - t0) / 1000).toFixed(0)} s (peak rss ${mb(peak)} MB, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`);
// what the console holds 5 s after the lines (where the bench measures), then later (V8's memory reducer acts ~8 s after its last full GC)
const spaces = () => v8.getHeapSpaceStatistics().map((s) => `${s.space_name.replace("_space", "")} ${mb(s.space_size)}`).join(", ");
for (const at of [5, 10, 20]) {
  await sleep(end + at * 1000 - Date.now());
  const m = process.memoryUsage();
  console.log(`+${at} s: rss ${mb(m.rss)} MB heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} | ${spaces()}`);
}
// HEAPSNAP=1: a heap snapshot now (what the console keeps), in the cwd
if (process.env.HEAPSNAP === "1") console.log(`heap snapshot: ${v8.writeHeapSnapshot()}`);
process.exit(0);
