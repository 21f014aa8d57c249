// `postdeck bridge [--config FILE] [--read-only]`: a stdio bridge to this host's daemon socket, run
// by the fleet client as `ssh HOST postdeck bridge …` (src/fleet/bridge.ts). stdout carries HTTP
// only: problems go to stderr (the client shows them) and set the exit code.
import { parseArgs, configFor, cheapStateDir } from "./cli-context.js";
import { socketPath, describeSocket } from "../config/runtime-paths.js";
import { UsageError } from "./errors.js";

export const USAGE = "usage: postdeck bridge [--config FILE] [--read-only]   (stdin/stdout: HTTP to this host's daemon; run by postdeck --rig over ssh)";

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--read-only"], usage: USAGE });
  if (p.words.length > 0) throw new UsageError(USAGE);
  // one bridge per connection (every request of `--rig`, every rig of a fleet run): the daemon's
  // socket from the config's stateDir line while that daemon runs (it checked the config when it
  // started), without the YAML parser and the schemas (a third of its CPU: 0.44 → 0.27 s); else the
  // config loaded whole, so a bad config is reported (exit 2) and a missing daemon said by its socket
  const stateDir = cheapStateDir(p) ?? (await configFor(p)).stateDir;
  const { runBridge } = await import("../fleet/bridge.js");
  const socket = socketPath(stateDir);
  await runBridge({ socket, socketLabel: describeSocket(socket), readOnly: p.flags.has("--read-only"), input: process.stdin, output: process.stdout });
  process.stdin.destroy(); // answered and ended: nothing more to read
  return 0;
}
