// `postdeck` / `postdeck tui`: open the console attached to the daemon of the config,
// starting a detached daemon first when none runs. Quitting the console leaves the daemon
// and its services running.
import v8 from "node:v8";
import { parseArgs, configFor } from "./cli-context.js";
import { UsageError } from "./errors.js";

const USAGE = "usage: postdeck [tui] [--config FILE]";

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { usage: USAGE });
  if (p.words.length > 0 && !(p.words.length === 1 && p.words[0] === "tui")) throw new UsageError(USAGE);
  if (!process.stdout.isTTY)
    throw new UsageError("the console needs a terminal on stdout; for scripts use `postdeck status --json` or `postdeck logs NAME`");
  const config = await configFor(p);
  const { ensureDaemon } = await import("../client/ensure-daemon.js");
  const { client, started } = await ensureDaemon(config);
  // React's production build: the development one costs several times the CPU per frame.
  process.env["NODE_ENV"] ??= "production";
  // A small young generation: rendering allocates short-lived objects at a steady rate, and
  // V8's default semi-spaces (up to 16 MiB each) leave the console 40-50 MiB heavier
  // (measured at 1,000 log lines/s: RSS ~180 MiB → ~135-150 MiB, CPU +0-3 points).
  v8.setFlagsFromString("--max-semi-space-size=2");
  const { runConsole } = await import("../ui/run-console.js");
  try {
    await runConsole(client, {
      notice: started ? `started the daemon (pid ${started.pid}, log ${started.logFile})` : undefined,
    });
  } finally {
    client.close();
  }
  return 0;
}
