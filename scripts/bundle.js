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
// - Ink's `string-width` and `@alcalzone/ansi-tokenize` imports go to src/ui/ink/'s cached
//   versions, and its Output to one that keeps rows' text (inkCaches below): Ink measures,
//   tokenizes and builds every row on every frame.
import { build } from "esbuild";
import { readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The swaps, for the bundle (here) and for the tests (vitest.config.ts's plugin of the same name):
 * `cached` — a dependency's import of the package gets src/ui/ink's module; `output` — Ink's renderer's
 * Output (turns a frame's writes into its text) is src/ui/ink/output.ts, which keeps rows' text.
 */
export const INK_SWAPS = JSON.parse(readFileSync(path.join(root, "scripts/ink-swaps.json"), "utf8"));

/**
 * An esbuild plugin: imports of `string-width` and `@alcalzone/ansi-tokenize` from dependencies
 * (Ink, widest-line, cli-truncate, ...) that resolve to the package's top-level copy get the
 * cached module in src/ui/ink/ instead, which imports the real one itself. Same results; Ink's
 * per-frame caches become ones that last across frames (bench/console/frame-cost.js measures it).
 */
export const inkCaches = {
  name: "ink-caches",
  setup(b) {
    const { cached, output } = INK_SWAPS;
    const inkRenderer = path.join(path.sep, output.importer);
    const request = new RegExp(`^${output.request.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`);
    b.onResolve({ filter: request }, (args) => (args.importer.endsWith(inkRenderer) ? { path: path.join(root, output.module) } : undefined));
    const filter = new RegExp(`^(${Object.keys(cached).map((k) => k.replace("/", "\\/")).join("|")})$`);
    b.onResolve({ filter }, async (args) => {
      if (args.pluginData?.inkCaches || !args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const wrapper = path.join(root, cached[args.path]);
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { inkCaches: true } });
      const top = await b.resolve(args.path, { kind: args.kind, resolveDir: root, pluginData: { inkCaches: true } });
      // a dependency with its own (other) version of the package keeps it
      return real.path === top.path ? { path: wrapper } : undefined;
    });
  },
};

/** The bundle's esbuild options, bar entry points and output (frame-cost.js bundles the console with them). */
export const bundleOptions = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  // ink imports react-devtools-core only when DEV=true (not a dependency of postdeck)
  external: ["react-devtools-core"],
  plugins: [inkCaches],
  logLevel: "warning",
};

/** Builds dist/bundle/ (written beside it and swapped in with renames: a postdeck started during a rebuild finds a whole bundle, the old or the new one, never a half-written or missing one). */
async function bundle() {
  const outdir = path.join(root, "dist/bundle");
  const next = `${outdir}.next-${process.pid}`;
  const old = `${outdir}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  await build({
    ...bundleOptions,
    entryPoints: ["src/cli/main.ts"],
    outdir: next,
    splitting: true,
    minifySyntax: true,
    minifyWhitespace: true,
    sourcemap: "linked",
    sourcesContent: false, // the maps name src/ files and lines (for --debug); the sources stay in src/
    banner: { js: 'import { createRequire as __postdeckCreateRequire } from "node:module"; const require = __postdeckCreateRequire(import.meta.url);' },
  });
  rmSync(old, { recursive: true, force: true });
  try {
    renameSync(outdir, old);
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
  renameSync(next, outdir);
  rmSync(old, { recursive: true, force: true });
}

// run as a script (`npm run build`); imported (frame-cost.js), it only gives its options
if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
