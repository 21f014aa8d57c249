// A demo rig (simulated node and post-services, as `postdeck demo` makes it) with its daemon
// running; `node` settings (e.g. a short slowPollMs) and other sections (`config`, e.g. alerts) are
// written into its postdeck.yaml before the daemon starts, so a test waits for what it checks and
// not for a 30 s poll or a daemon restart. The simulated post-services' k2pow takes 100 ms per proof
// here (DEMO_TEST_ENV), not 1.5 s, and waits instead of burning the CPU: the tests wait for proofs,
// not for their CPU time.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { expect } from "vitest";
import { buildDemoRig } from "../../src/sim/rig-builder.js";
import { BIN, requireBuild, runCliInProcess } from "./cli.js";
import { tempDir } from "./temp-dir.js";

/** For `demo` in tests: the daemon passes it on to the simulated post-services. */
export const DEMO_TEST_ENV: NodeJS.ProcessEnv = { POSTDECK_SIM_POW_MS: "100", POSTDECK_SIM_POW_SLEEP: "1" };

export interface StartedDemoRig {
  dir: string;
  configPath: string;
  /** ["--config", configPath] for runCli */
  cfg: string[];
}

export async function startDemoRig(o: {
  prefix: string;
  identities: number;
  node?: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** for `demo` and so the daemon it starts (and the processes that daemon starts) */
  env?: NodeJS.ProcessEnv;
}): Promise<StartedDemoRig> {
  requireBuild();
  const dir = tempDir(o.prefix);
  const configPath = path.join(dir, "postdeck.yaml");
  if (o.node || o.config) {
    await buildDemoRig({ dir, identities: o.identities, postdeckBin: BIN });
    const doc = parseDocument(readFileSync(configPath, "utf8"));
    for (const [k, v] of Object.entries(o.node ?? {})) doc.setIn(["node", k], v);
    for (const [k, v] of Object.entries(o.config ?? {})) doc.set(k, v);
    writeFileSync(configPath, doc.toString());
  }
  // `demo` builds the rig (or reuses the one just built, with its edited config) and starts the daemon
  // (the CLI's main in this process: the daemon and the simulators are processes all the same)
  const r = await runCliInProcess(["demo", "--dir", dir, "--identities", String(o.identities), "--no-console"], { ...DEMO_TEST_ENV, ...o.env });
  expect(r.code, r.stderr).toBe(0);
  return { dir, configPath, cfg: ["--config", configPath] };
}
