#!/usr/bin/env node
// `npm run check`: the type check of src/ and test/ and the linter, run side by side (each keeps
// one core busy for most of its run; one after the other they cost `npm test` ~25 s more on two
// cores). Each one's output is printed whole when it ends, so the two never interleave; the exit
// status is 1 when either failed.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";

mkdirSync(".tmp", { recursive: true }); // both keep their caches there

const jobs = [
  ["typecheck", ["tsc", "-p", "tsconfig.test.json"]],
  ["lint", ["eslint", "--cache", "--cache-location", ".tmp/eslintcache", "src", "test"]],
];

const runs = jobs.map(
  ([name, [cmd, ...args]]) =>
    new Promise((resolve) => {
      const started = Date.now();
      const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], shell: false, env: { ...process.env, PATH: `node_modules/.bin:${process.env.PATH ?? ""}` } });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("error", (err) => resolve({ name, ok: false, out: `${err.message}\n`, s: 0 }));
      child.on("close", (code) => resolve({ name, ok: code === 0, out, s: (Date.now() - started) / 1000 }));
    }),
);

let failed = false;
for (const r of await Promise.all(runs)) {
  process.stdout.write(r.out);
  console.log(`${r.name}: ${r.ok ? "ok" : "FAILED"} (${r.s.toFixed(1)} s)`);
  failed ||= !r.ok;
}
process.exit(failed ? 1 : 0);
