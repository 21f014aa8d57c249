// `postdeck logs` when no daemon answers: the same output, read from the log file itself
// (src/core/offline/offline-logs.ts); a note on stderr says so. Ctrl-C ends -f.
import type { ResolvedConfig } from "../config/schema.js";
import { printLogFromFile } from "../core/offline/offline-logs.js";
import { rigTargetConfig } from "../client/connect.js";

export async function logsWithoutDaemon(config: ResolvedConfig, o: { source: string; lines: number; follow: boolean }, daemonError: unknown): Promise<number> {
  if (rigTargetConfig()) throw daemonError; // another rig (--rig): its files are not here
  const until = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await printLogFromFile(config, {
    ...o,
    until,
    print: (l) => process.stdout.write(l + "\n"),
    onFile: (file) => process.stderr.write(`postdeck: no daemon answers; reading ${file} directly\n`),
  });
  return 0;
}
