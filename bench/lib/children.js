// The bench child under a supervisor: one wrapper script per child (the same for every
// supervisor), so each supervisor runs exactly `node bench/fixtures/child.js --bench-marker M ...`.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = path.resolve(BENCH_DIR, "..");
export const CHILD = path.join(BENCH_DIR, "fixtures/child.js");
/** bin/postdeck.js of this checkout; BENCH_POSTDECK_BIN measures another build (e.g. an experiment). */
export const POSTDECK_BIN = process.env.BENCH_POSTDECK_BIN || path.join(REPO, "bin/postdeck.js");

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** Tags this bench process's markers: two runs of one script (same prefix) must not kill each other's children. */
const RUN = `_${process.pid.toString(36)}`;

/**
 * Children for a run: markers `${prefix}_<pid>-c00`... (the part before "-" is this run's alone), each
 * with a wrapper script in root/bin that execs the child with `args` (child.js flags) and ignores nothing: extra argv (post-service flags
 * postdeck appends) is passed on and ignored by the child. `prefix` in the result is the markers'
 * own (with this run's tag), for finding them again.
 */
export function makeChildren(root, prefix, n, args) {
  const bin = path.join(root, "bin");
  const reportDir = path.join(root, "written");
  mkdirSync(bin, { recursive: true });
  mkdirSync(reportDir, { recursive: true });
  const children = [];
  for (let i = 0; i < n; i++) {
    const marker = `${prefix}${RUN}-c${String(i).padStart(2, "0")}`;
    const wrapper = path.join(bin, `${marker}.sh`);
    const argv = [process.execPath, CHILD, "--bench-marker", marker, "--report", reportDir, ...args.map(String)];
    writeFileSync(wrapper, `#!/bin/sh\nexec ${argv.map(q).join(" ")} "$@"\n`);
    chmodSync(wrapper, 0o755);
    children.push({ marker, wrapper });
  }
  return { children, reportDir, prefix: `${prefix}${RUN}` };
}
