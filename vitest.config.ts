import { readFileSync } from "node:fs";
import path from "node:path";
import { configDefaults, defineConfig, type Plugin } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Files that need a module graph of their own: the two that replace a module with vi.mock
// (node:fs, systeminformation; in a shared graph the module under test may already be loaded with
// the real import). The files that talk gRPC from the test process share a worker: grpc-js keeps
// one pool of connections per process, by address, and a port that a later file's node gets again
// could find an earlier file's connection there, in its reconnect backoff (two sim files timed
// out waiting for their node's answer); their clients and the node client (node-grpc-wire.ts) keep
// connections of their own ("grpc.use_local_subchannel_pool"), so they share a worker (16 fewer
// worker starts: a full `npm test` 266-270 CPU-s against 277 with them isolated).
const OWN_MODULES = ["test/core/supervisor/state-file.test.ts", "test/core/hardware/linux-readings.test.ts"];

// Files that run real daemons, demo rigs or the console in a pty: the longest ones. A clean clone
// has no durations from a last run (.tmp/vite), and vitest's fallback (the largest files first)
// would start these short files last, leaving one worker busy with them at the end.
const LONG = /^test\/(e2e|daemon|fleet|chaos|cli|sim)\/|^test\/core\/supervisor\/(supervisor|daemon-interruptions|storm)\.|^test\/core\/identity\/interruption\./;

/**
 * The longest files first, over both projects (vitest's own order runs the isolated project's files
 * before the shared ones, so a long shared file could start last): by the last run's duration; a
 * file without one by its kind (LONG: real processes) and then its size. The isolated files (short)
 * come last: vitest keeps a shared worker only while the next file in its queue can use it, so an
 * isolated file in the middle ended a shared worker and the shared file after it started another
 * (test/core and four more folders, 76 files: 7 worker starts, 5 with these last; each start costs
 * ~0.5 s of CPU and the shared imports again).
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const cost = (f: TestSpecification): number => {
      const rel = path.relative(root, f.moduleId).split(path.sep).join("/");
      const last = this.ctx.cache.getFileTestResults(`${f.project.name}:${rel}`);
      if (last) return last.failed ? Number.MAX_SAFE_INTEGER : last.duration;
      const size = this.ctx.cache.getFileStats(`${f.project.name}:${rel}`)?.size ?? 0;
      return (LONG.test(rel) ? 1e7 : 0) + size;
    };
    const costs = new Map(files.map((f) => [f, cost(f)]));
    const last = (f: TestSpecification) => (f.project.config.isolate === false ? 0 : 1);
    return [...files].sort((a, b) => last(a) - last(b) || costs.get(b)! - costs.get(a)!);
  }
}

// No test needs the system's CA bundle (there is no network; the TLS tests bring their own CA), and
// Node parses a NODE_EXTRA_CA_CERTS bundle at every process start (~35 ms of CPU each with a
// distribution's 144 certificates): the workers and the ~300 processes they start go without it.
delete process.env.NODE_EXTRA_CA_CERTS;

const root = import.meta.dirname;

/**
 * Ink in the tests as the bundle has it (scripts/bundle.js's inkCaches, the same swaps): its
 * `string-width` and `@alcalzone/ansi-tokenize` imports (and widest-line's and cli-truncate's) go to
 * src/ui/ink/'s cached modules, and its renderer's Output to src/ui/ink/output.ts. The UI tests
 * then draw the console with the code `postdeck` runs, and Ink no longer measures and tokenizes
 * every row of every frame anew (test/ui's files alone, two runs each: 15.1, 16.7 → 11.6, 12.5 s of CPU). A dependency with its own
 * other version of a package keeps it (wrap-ansi's string-width). Vite resolves only the imports of
 * modules it processes: Ink, ink-testing-library (which imports Ink: one Ink for the console and the
 * renderer) and the helpers are inlined (`server.deps.inline`), not left to Node.
 */
const INK_INLINE = ["ink", "ink-testing-library", "widest-line", "cli-truncate"];
/** The swaps themselves, shared with the bundle (scripts/bundle.js reads the same file). */
const INK_SWAPS = JSON.parse(readFileSync(path.join(root, "scripts/ink-swaps.json"), "utf8")) as {
  cached: Record<string, string>;
  output: { importer: string; request: string; module: string };
};
const INLINED = new RegExp(`/node_modules/(${INK_INLINE.join("|")})/`);
const inkCaches: Plugin = {
  name: "ink-caches",
  enforce: "pre",
  async resolveId(source, importer, options) {
    if (!importer?.includes("/node_modules/")) return null;
    if (source === INK_SWAPS.output.request && importer.endsWith(`/${INK_SWAPS.output.importer}`)) return path.join(root, INK_SWAPS.output.module);
    const cached = INK_SWAPS.cached[source];
    if (!cached) return null;
    const real = await this.resolve(source, importer, { ...options, skipSelf: true });
    const top = await this.resolve(source, path.join(root, "package.json"), { ...options, skipSelf: true });
    return real && top && real.id === top.id ? path.join(root, cached) : null;
  },
  // the inlined packages' source maps name sources they do not ship (vite warned about each): their files are read as they are
  load(id) {
    return INLINED.test(id) ? { code: readFileSync(id, "utf8"), map: null } : null;
  },
};

export default defineConfig({
  plugins: [inkCaches],
  // vitest keeps each file's last duration here and starts the slowest files first, so the
  // workers finish together; under .tmp/ (not node_modules/) it outlives `npm ci`
  cacheDir: ".tmp/vite",
  test: {
    // A test that hangs fails within a minute (the slowest ones, on a loaded 2-core machine, take
    // about half that); the few that wait for node restarts and proofs set their own, longer timeout.
    testTimeout: 60_000,
    // beforeAll hooks that build a demo rig set their own timeout
    hookTimeout: 60_000,
    // temp dirs from test/helpers/temp-dir.ts are removed after each file, whatever happened (a
    // setup file runs again before each file, also where the worker's modules are shared); with
    // `npm test` a file starts once the build beside vitest is done (test/helpers/build-ready.ts)
    setupFiles: ["test/helpers/build-ready.ts", "test/helpers/cleanup-temp-dirs.ts"],
    pool: "forks",
    server: { deps: { inline: INK_INLINE } },
    // three files at a time on two cores: most e2e time is waiting for daemons, nodes and the
    // simulated clock (ten of the slowest files on a shared machine, load 4–23: 148 s with 3 workers,
    // 215 s with 2, the same CPU time)
    maxWorkers: 3,
    // Integration and e2e tests spawn real processes; a retry hides nothing here: we never retry.
    retry: 0,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        // A worker imports vitest, src/ and the helpers once for all the files it runs, not once
        // per file (~0.4 s of CPU each; test/core/supervisor's 10 files: 12.2 → 8.1 s of vitest
        // CPU). No test file stubs globals or the environment, and fake timers are undone after
        // each test; what a file starts (daemons, temp dirs) it stops in its own hooks.
        extends: true,
        test: { name: "shared", isolate: false, include: ["test/**/*.test.ts", "test/**/*.test.tsx"], exclude: [...configDefaults.exclude, ...OWN_MODULES] },
      },
      { extends: true, test: { name: "isolated", include: OWN_MODULES } },
    ],
  },
});
