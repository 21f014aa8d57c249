// `postdeck demo [--dir D] [--identities N] [--no-console]`: builds (or reuses) a complete demo
// rig — simulated node, N post-services with initialised PoS data, configs — starts its daemon and
// opens the console on it. The simulators behave like the real programs at their interfaces, so
// everything postdeck shows here is what it would show on a real rig.
import os from "node:os";
import path from "node:path";
import { parseArgs } from "./cli-context.js";
import { UsageError } from "./errors.js";

export const USAGE = "usage: postdeck demo [--dir DIR] [--identities N] [--epoch-minutes N] [--no-console]";

export function defaultDemoDir(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(data, "postdeck", "demo");
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--no-console"], valued: ["--dir", "--identities", "--epoch-minutes"], usage: USAGE });
  if (p.words.length > 0) throw new UsageError(USAGE);
  const n = Number(p.values.get("--identities") ?? "4");
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--identities: expected a whole number from 1 to 64, found '${p.values.get("--identities")}'\n${USAGE}`);
  const dir = path.resolve(p.values.get("--dir") ?? defaultDemoDir());
  // a simulated epoch (one cycle gap each) lasts this many minutes; default 4, so a whole cycle shows within 10
  const em = p.values.has("--epoch-minutes") ? Number(p.values.get("--epoch-minutes")) : undefined;
  if (em !== undefined && !(Number.isFinite(em) && em >= 1 && em <= 1440))
    throw new UsageError(`--epoch-minutes: expected a number of minutes from 1 to 1440, found '${p.values.get("--epoch-minutes")}'\n${USAGE}`);

  const { buildDemoRig } = await import("../sim/rig-builder.js");
  const { POSTDECK_BIN } = await import("../client/ensure-daemon.js");
  process.stderr.write(`postdeck demo: rig in ${dir}\n`);
  const rig = await buildDemoRig({
    dir,
    identities: n,
    epochMinutes: em,
    postdeckBin: POSTDECK_BIN,
    onProgress: (line) => process.stderr.write(`  ${line}\n`),
  });
  if (rig.reused && rig.services.length !== n && p.values.has("--identities"))
    process.stderr.write(`  reusing the rig with its ${rig.services.length} identities (use another --dir for ${n})\n`);

  const configArgs = ["--config", rig.configPath];
  if (p.flags.has("--no-console")) {
    const { loadConfig } = await import("../config/load.js");
    const { ensureDaemon } = await import("../client/ensure-daemon.js");
    const { client, started } = await ensureDaemon(await loadConfig({ flag: rig.configPath }));
    client.close();
    const { commandHint } = await import("../presentation/command-hint.js");
    process.stdout.write(
      `demo rig ready: ${rig.services.length} identities, daemon ${started ? `started (pid ${started.pid})` : "already running"}\n` +
        `open the console:  ${commandHint(`--config ${rig.configPath}`)}\n` +
        `stop everything:   ${commandHint(`--config ${rig.configPath} daemon stop --stop-services --force`)}\n`,
    );
    return 0;
  }
  const { run: runTui } = await import("./tui.js");
  return runTui(configArgs);
}
