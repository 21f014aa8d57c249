// `postdeck bridge [--config FILE] [--read-only]`: a stdio bridge to this host's daemon socket, run
// by the fleet client as `ssh HOST postdeck bridge …` (src/fleet/bridge.ts). stdout carries HTTP
// only: problems go to stderr (the client shows them) and set the exit code.
import { parseArgs, configFor } from "./cli-context.js";
import { UsageError } from "./errors.js";

const USAGE = "usage: postdeck bridge [--config FILE] [--read-only]   (stdin/stdout: HTTP to this host's daemon; run by postdeck --rig over ssh)";

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--read-only"], usage: USAGE });
  if (p.words.length > 0) throw new UsageError(USAGE);
  const config = await configFor(p);
  const { socketPath, describeSocket } = await import("../config/runtime-paths.js");
  const { runBridge } = await import("../fleet/bridge.js");
  const socket = socketPath(config.stateDir);
  await runBridge({ socket, socketLabel: describeSocket(socket), readOnly: p.flags.has("--read-only"), input: process.stdin, output: process.stdout });
  process.stdin.destroy(); // answered and ended: nothing more to read
  return 0;
}
