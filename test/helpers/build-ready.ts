// Loaded before every test file (vitest.config.ts setupFiles). `npm test` (scripts/check.js
// --test) starts vitest while it still builds dist/ (the per-module transpile and the bundle the
// CLI loads): vitest's start-up and its workers' first imports take that time instead of waiting
// for it. The build's outcome is written to the file named by POSTDECK_TEST_BUILD_STATUS ("ok", or
// what failed); a test file starts once it is there, and fails when the build did. Without the
// variable (vitest run alone) dist/ is what the last build left, as before.
import { existsSync, readFileSync } from "node:fs";

const statusFile = process.env.POSTDECK_TEST_BUILD_STATUS;
if (statusFile) {
  const deadline = Date.now() + 600_000; // a guard against a build that never reports (its own time on a loaded machine reached 195 s)
  while (!existsSync(statusFile)) {
    if (Date.now() > deadline) throw new Error(`the build did not finish within 600 s (no ${statusFile})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const status = readFileSync(statusFile, "utf8");
  if (status !== "ok") throw new Error(`the build failed: ${status}`);
}
