#!/usr/bin/env node
// Dev preview of the console without a daemon: renders the App (from dist/) with an
// in-memory client fed by a fixture snapshot and synthetic log lines, so the layout can be
// checked in a real terminal (e.g. tmux at 80x24, 120x40, 60x20).
//   npx tsc -p . && node scripts/ui-preview.js [--rate LINES_PER_SEC] [--fixture FILE] [--exit-after S]
// (Do not set CI=0 to make Ink repaint: supports-color then turns colours off; leave CI
// unset, or add FORCE_COLOR=2.)
import React from "react";
import { render } from "ink";
import { readFileSync } from "node:fs";
import { App } from "../dist/ui/App.js";
import { closingMessage } from "../dist/ui/run-console.js";
import { noColorFromEnv } from "../dist/ui/theme.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const rate = Number(opt("--rate", "20"));
const exitAfter = Number(opt("--exit-after", "0")); // seconds; for profiling runs
const fixture = JSON.parse(
  readFileSync(opt("--fixture", new URL("../test/fixtures/ui/demo-rig.json", import.meta.url)), "utf8"),
);
const t0 = Date.now();
const now = () => fixture.now + (Date.now() - t0);
const snap = fixture.snapshot;
const levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
const seqs = {};
let n = 0;
function line(source) {
  seqs[source] = (seqs[source] ?? 0) + 1;
  n++;
  const level = levels[n % levels.length];
  let text = `[2025-11-26T09:40:00Z ${level.padEnd(5)} post_service::client] ${source} synthetic line ${seqs[source]}`;
  if (n % 37 === 0) text += " " + "very long line ".repeat(20);
  if (n % 53 === 0) text = `binary \x00\x01\x1b[31mred\x1b[0m \x7f tab\there ${"\u4e2d\u6587"} end`;
  return { source, seq: seqs[source], at: now(), level: source === "node" ? "INFO" : level, text };
}

const listeners = [];
const emit = (e) => listeners.forEach((l) => l(e));
const history = {};
for (const s of ["node", ...snap.services.map((s) => s.name)]) history[s] = Array.from({ length: 300 }, () => line(s));

const client = {
  async call(route, body) {
    if (route === "logs") return { lines: history[body.source] ?? [] };
    if (route === "doctor") return { findings: snap.findings };
    if (route === "reload") return { ok: true, message: "config reloaded" };
    if (["start", "stop", "restart"].includes(route)) {
      const names = body.all ? snap.services.map((s) => s.name) : body.names;
      await new Promise((r) => setTimeout(r, 300));
      for (const name of names) {
        const s = snap.services.find((x) => x.name === name);
        if (!s) continue;
        Object.assign(
          s,
          route === "stop"
            ? { state: "stopped", pid: null, startedAt: null, cpuPercent: null, rssBytes: null, operator: { kind: "none" } }
            : { state: "running", pid: 5000 + Math.floor(Math.random() * 999), startedAt: now(), operator: { kind: "idle" } },
        );
        emit({ type: "service", data: { ...s } });
      }
      return { results: names.map((name) => ({ name, ok: true, message: `${route} done` })) };
    }
    throw new Error(`preview: no ${route}`);
  },
  subscribe(onEvent, onState) {
    listeners.push(onEvent);
    onState?.({ kind: "connecting" });
    setTimeout(() => {
      onState?.({ kind: "connected" });
      onEvent({ type: "snapshot", data: snap });
    }, 200);
    return () => listeners.splice(listeners.indexOf(onEvent), 1);
  },
  close() {},
};

const sources = ["node", ...snap.services.filter((s) => s.state === "running").map((s) => s.name)];
const tick = 100;
setInterval(() => {
  const batch = [];
  for (let i = 0; i < (rate * tick) / 1000; i++) batch.push(line(sources[i % sources.length]));
  if (batch.length) emit({ type: "log", data: batch });
}, tick).unref();
setInterval(() => {
  const p = snap.services[0];
  if (p.operator.kind === "proving") {
    p.operator = { ...p.operator, percent: Math.min(100, (p.operator.percent ?? 0) + 1) };
    emit({ type: "service", data: { ...p } });
  }
  emit({ type: "hardware", data: { ...snap.hardware, sampledAt: now(), cpu: { ...snap.hardware.cpu, percent: 40 + Math.random() * 50 } } });
}, 2000).unref();

if (process.env.PREVIEW_MEM) // memory figures to stderr every 10 s
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(`rss ${(m.rss / 2 ** 20).toFixed(0)} MiB heapUsed ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB heapTotal ${(m.heapTotal / 2 ** 20).toFixed(0)} MiB ext ${(m.external / 2 ** 20).toFixed(0)} MiB\n`);
  }, 10_000).unref();
if (exitAfter > 0) setTimeout(() => process.exit(0), exitAfter * 1000).unref();
let summary = null;
process.stdout.write("\x1b[?1049h\x1b[H");
const inst = render(
  React.createElement(App, { client, now, noColor: noColorFromEnv(), onQuit: (s) => (summary = s), store: { maxFps: 12 } }),
  { exitOnCtrlC: false, maxFps: 30, incrementalRendering: false },
);
await inst.waitUntilExit();
process.stdout.write("\x1b[?1049l");
process.stdout.write(closingMessage(summary) + "\n");
process.exit(0);
