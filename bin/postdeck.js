#!/usr/bin/env -S node --max-old-space-size=128 --max-semi-space-size=8
// (a bounded heap for the console; when run as `node bin/postdeck.js` the console re-runs itself with it)
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
