import { defineConfig } from "vitest/config";

export default defineConfig({
  // vitest keeps each file's last duration here and starts the slowest files first, so the
  // workers finish together; under .tmp/ (not node_modules/) it outlives `npm ci`
  cacheDir: ".tmp/vite",
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // A test that hangs fails within a minute (the slowest ones, on a loaded 2-core machine, take
    // about half that); the few that wait for node restarts and proofs set their own, longer timeout.
    testTimeout: 60_000,
    // beforeAll hooks that build a demo rig set their own timeout
    hookTimeout: 60_000,
    // temp dirs from test/helpers/temp-dir.ts are removed after each file, whatever happened
    setupFiles: ["test/helpers/cleanup-temp-dirs.ts"],
    pool: "forks",
    // three files at a time on two cores: most e2e time is waiting for daemons, nodes and the
    // simulated clock (ten of the slowest files on a shared machine, load 4–23: 148 s with 3 workers,
    // 215 s with 2, the same CPU time)
    maxWorkers: 3,
    // Integration and e2e tests spawn real processes; a retry hides nothing here: we never retry.
    retry: 0,
  },
});
