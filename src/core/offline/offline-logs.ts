// `postdeck logs` without a daemon: the last lines of the file behind a source (a service's log in
// the state dir, or the node's log), then with follow the lines appended to it.
import type { ResolvedConfig } from "../../config/schema.js";
import { tailLines } from "../logs/tail.js";
import { FileFollower } from "../logs/follower.js";
import { logFileOf, nodeLogFileProblem } from "./rig-files.js";

export class OfflineLogError extends Error {
  readonly exitCode = 1;
}

/** Prints the last `lines` lines of `source`'s log file; resolves when done (follow: on `until`). */
export async function printLogFromFile(
  config: ResolvedConfig,
  o: { source: string; lines: number; follow: boolean; print: (line: string) => void; until?: Promise<void>; onFile?: (file: string) => void },
): Promise<void> {
  const file = logFileOf(config, o.source);
  if (!file) {
    const known = [...config.services.map((s) => s.name), ...(config.node.log.file || config.node.log.command ? ["node"] : [])];
    throw new OfflineLogError(`no log source '${o.source}' (known: ${known.join(", ") || "none"})`);
  }
  o.onFile?.(file);
  const problem = await nodeLogFileProblem(file);
  if (problem) throw new OfflineLogError(`cannot show the log of ${o.source}: ${problem}`);
  if (o.lines > 0) for (const l of await tailLines(file, o.lines, Math.max(64 * 1024, o.lines * 1024))) o.print(l);
  if (!o.follow) return;
  const follower = new FileFollower(file, (lines) => lines.forEach(o.print), { pollMs: 500 });
  follower.start();
  await (o.until ?? new Promise<void>(() => undefined));
  await follower.stop();
}
