#!/usr/bin/env node
// `npm run build`, second step: bundles the CLI (src/cli/main.ts and everything it imports,
// dependencies included) into dist/bundle/, which bin/postdeck.js loads. Node then reads about
// ten files instead of ~100 modules (status) to ~450 (the daemon), and V8 keeps less source and
// code: `status --json` starts faster and the daemon's RSS is lower (bench/RESULTS.md). tsc (the first step) still
// type-checks and writes dist/ per module for the tests and bench scripts that import them.
//
// - ESM with code splitting: each command (and the console, the daemon, the simulators) is its
//   own chunk, loaded by main.ts's import() only when that command runs; top-level await (ink's
//   yoga-layout) keeps working. Shared chunks have content-hashed names that change with each
//   build: a long-running process (daemon, console) should import() what it needs when it starts,
//   not hours later, when an upgrade may have replaced the bundle.
// - dist/bundle/ is two levels below the package root, as src/<dir>/ is: code that finds files
//   relative to import.meta.url (`../../bin/postdeck.js`, `../../proto/spacemesh.proto`) resolves
//   them the same from a module and from a chunk.
// - CommonJS dependencies (grpc-js, systeminformation, ...) call require() for Node's built-ins:
//   each chunk gets a require made with createRequire.
// - Syntax and whitespace are minified, names are kept; a source map beside each chunk lets
//   `postdeck --debug` print stack traces that name src/ files and lines (src/cli/main.ts).
import { build } from "esbuild";
import { renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist/bundle");
// Written beside it and swapped in with renames: a postdeck started during a rebuild finds a
// whole bundle (the old or the new one), never a half-written or missing one.
const next = `${outdir}.next-${process.pid}`;
const old = `${outdir}.old-${process.pid}`;

rmSync(next, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  outdir: next,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: "linked",
  sourcesContent: false, // the maps name src/ files and lines (for --debug); the sources stay in src/
  // ink imports react-devtools-core only when DEV=true (not a dependency of postdeck)
  external: ["react-devtools-core"],
  banner: { js: 'import { createRequire as __postdeckCreateRequire } from "node:module"; const require = __postdeckCreateRequire(import.meta.url);' },
  logLevel: "warning",
});
rmSync(old, { recursive: true, force: true });
try {
  renameSync(outdir, old);
} catch (err) {
  if (err.code !== "ENOENT") throw err;
}
renameSync(next, outdir);
rmSync(old, { recursive: true, force: true });
