#!/usr/bin/env node
// `npm run check`: the type check of src/ and test/ and the linter, in one process over one
// TypeScript program (scripts/typecheck-lint.js: the type-aware lint rules use the program the type
// check built instead of building their own, ~25-35 s of one core less); its output is printed whole
// when it ends; the exit status is 1 when either found an error.
//
// `npm test` runs `check.js --test [vitest args]`: the build and the tests (`vitest run` with the
// args; each test file waits for the build), with the type check and the linter running beside both from the start at a low CPU
// priority (nice 10). The build and most e2e tests leave a core idle much of the time (one tsc;
// tests waiting for daemons and simulated nodes), and the checks take that idle time instead of
// ~30 s of their own before the tests start; at nice 10 they get little CPU while the tests want
// it, so no test waits on them. The checks' outputs are printed after the tests' own; the exit
// status is 1 when the build, a check or the tests failed.
//
// The build here writes dist/ per module with esbuild (each file transpiled on its own, as tsc
// writes it: ES2022 modules, source maps; the code passes tsc's --isolatedModules), not with tsc:
// tsc's emit type-checks src/ again, ~25 s of one core that the type check beside it already
// spends, and the tests wait for the build. The bundle is made by scripts/bundle.js as in
// `npm run build`. Type errors still fail `npm test` (through the type check).
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

mkdirSync(".tmp", { recursive: true }); // both checks keep their caches there

const testMode = process.argv[2] === "--test";
const vitestArgs = process.argv.slice(3);
const env = { ...process.env, PATH: `node_modules/.bin:${process.env.PATH ?? ""}` };

/** Runs a command; its output is kept (printed by the caller) unless `live`. */
function run(name, [cmd, ...args], o = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { stdio: o.live ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"], shell: false, env: { ...env, ...o.env } });
    if (o.nice && child.pid) {
      try {
        os.setPriority(child.pid, o.nice);
      } catch {
        /* not allowed here: it runs at the normal priority */
      }
    }
    let out = "";
    child.stdout?.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (out += d));
    child.on("error", (err) => resolve({ name, ok: false, out: `${err.message}\n`, s: 0 }));
    child.on("close", (code) => resolve({ name, ok: code === 0, out, s: (Date.now() - started) / 1000 }));
  });
}

const report = (r) => {
  process.stdout.write(r.out);
  console.log(`${r.name}: ${r.ok ? "ok" : "FAILED"} (${r.s.toFixed(1)} s)`);
  return r.ok;
};

const nice = testMode ? 10 : 0;
// one process, one TypeScript program for both (scripts/typecheck-lint.js). A young generation of 64 MB
// instead of V8's default: the checker keeps most of what it allocates, and with small semi-spaces GC was
// ~17 % of its CPU (two pairs run side by side at load 13-20: 51.9 and 49.8 CPU-s against 53.6 and 53.6)
const checks = Promise.all([run("typecheck+lint", ["node", "--max-semi-space-size=64", "scripts/typecheck-lint.js"], { nice })]);

/** dist/ per module from src/, as tsc -p tsconfig.json writes it, without its type check. */
async function transpile() {
  const started = Date.now();
  try {
    const { build } = await import("esbuild");
    const entryPoints = readdirSync("src", { recursive: true })
      .filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"))
      .map((f) => `src/${f}`);
    await build({ entryPoints, outdir: "dist", outbase: "src", bundle: false, format: "esm", platform: "node", target: "es2022", jsx: "automatic", sourcemap: true, logLevel: "error" });
    return { name: "transpile", ok: true, out: "", s: (Date.now() - started) / 1000 };
  } catch (err) {
    return { name: "transpile", ok: false, out: `${err instanceof Error ? err.message : String(err)}\n`, s: (Date.now() - started) / 1000 };
  }
}

let ok = true;
if (testMode) {
  // vitest starts with the build, not after it: its start-up and its workers' first imports take
  // the build's few seconds; each test file waits for the build's outcome in that file
  // (test/helpers/build-ready.ts), a failed build fails them all
  const statusFile = path.resolve(`.tmp/build-status-${process.pid}`);
  rmSync(statusFile, { force: true });
  const vitest = run("vitest", ["vitest", "run", ...vitestArgs], { live: true, env: { POSTDECK_TEST_BUILD_STATUS: statusFile } });
  // the transpile (in this process) and the bundle (its own) side by side: both are esbuild's
  const [transpiled, bundled] = await Promise.all([transpile(), run("bundle", ["node", "scripts/bundle.js"])]);
  const built = [transpiled, bundled].filter((r) => !report(r));
  writeFileSync(statusFile, built.length ? built.map((r) => `${r.name} failed`).join(", ") : "ok");
  ok = report(await vitest) && built.length === 0;
  rmSync(statusFile, { force: true });
}
for (const r of await checks) ok = report(r) && ok;
process.exit(ok ? 0 : 1);
