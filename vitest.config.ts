import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    testTimeout: 180_000, // end-to-end tests wait for a node restart and proofs on a shared 2-core machine; every wait inside is bounded
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    // Integration and e2e tests spawn real processes; a retry hides nothing here: we never retry.
    retry: 0,
  },
});
