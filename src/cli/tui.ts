// `postdeck` / `postdeck tui`: open the console attached to the daemon of the config,
// starting a detached daemon first when none runs. Quitting the console leaves the daemon
// and its services running.
import { parseArgs, configFor } from "./cli-context.js";
import { UsageError } from "./errors.js";
import { loadUi } from "./load-ui.js";

export const USAGE = "usage: postdeck [tui] [--config FILE]";

// No V8 flags at start (bin/postdeck.js has none: in the shebang they cost every command 10-30 ms
// of start-up); the console sets what it needs at run time instead (runConsole: its young
// generation kept small and scavenged on the main thread, src/ui/state/flood-memory.ts).

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { usage: USAGE });
  if (p.words.length > 0 && !(p.words.length === 1 && p.words[0] === "tui")) throw new UsageError(USAGE);
  if (!process.stdout.isTTY)
    throw new UsageError("the console needs a terminal on stdout; for scripts use `postdeck status --json` or `postdeck logs NAME`");
  const config = await configFor(p);
  const { ensureDaemon, startDetachedDaemon } = await import("../client/ensure-daemon.js");
  const { commandHint } = await import("../presentation/command-hint.js");
  const { client, started } = await ensureDaemon(config);
  // with a rigs file, the console says once how to see every rig (the Fleet view)
  const { rigsFilePath } = await import("../fleet/rigs-file.js");
  const { existsSync } = await import("node:fs");
  const fleetHint = existsSync(rigsFilePath(null)) ? `${rigsFilePath(null)} lists your rigs: \`postdeck fleet --tui\` shows them all` : undefined;
  const { runConsole } = await loadUi(() => import("../ui/run-console.js"));
  try {
    await runConsole(client, {
      notice: started ? `started the daemon (pid ${started.pid}, log ${started.logFile})` : fleetHint,
      reattach: commandHint(p.config ? `--config ${config.path}` : ""),
      // offered in the palette while the daemon is gone; the client reconnects by itself
      startDaemon: async () => {
        const d = await startDetachedDaemon(config);
        return `started the daemon (pid ${d.pid}, log ${d.logFile})`;
      },
    });
  } finally {
    client.close();
  }
  return 0;
}
