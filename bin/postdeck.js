#!/usr/bin/env node
// (no V8 flags: they would slow every command's start; see src/cli/tui.ts)
import { main } from "../dist/bundle/main.js"; // one bundle of src/ and its dependencies (scripts/bundle.js)

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`postdeck: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
