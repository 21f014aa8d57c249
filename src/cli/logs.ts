// `postdeck logs NAME [-f] [-n N]`: recent lines of a service's log (or the node's: NAME = node),
// then with -f the new ones as the daemon reads them.
import type { LogLine } from "../protocol/model.js";
import { configFor, daemonClientFor, parseArgs } from "./cli-context.js";
import { exitQuietlyOnEpipe } from "./quiet-pipe.js";
import { UsageError } from "./errors.js";
import { DaemonCallError } from "../client/errors.js";

export const USAGE = "usage: postdeck logs NAME [-f] [-n N] [--config FILE]   (NAME: a service, or node)";

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["-f", "--follow"], valued: ["-n", "--lines"], usage: USAGE });
  if (p.words.length !== 1) throw new UsageError(USAGE);
  const source = p.words[0]!;
  const nText = p.values.get("-n") ?? p.values.get("--lines") ?? "50";
  const n = Number(nText);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`-n: found ${JSON.stringify(nText)}; expected a whole number >= 0\n${USAGE}`);
  const client = await daemonClientFor(p);
  let answered = false; // no daemon before its first answer: read the file itself (logs-offline.ts)
  exitQuietlyOnEpipe(() => client.close()); // `postdeck logs X | head`
  const print = (l: LogLine) => process.stdout.write(l.text + "\n");
  let lastSeq = 0;
  try {
    if (n > 0) {
      const r = await client.call("logs", { source, lines: n });
      for (const l of r.lines) print(l);
      lastSeq = r.lines.at(-1)?.seq ?? 0;
    } else await client.call("logs", { source, lines: 1 }).then((r) => (lastSeq = r.lines.at(-1)?.seq ?? 0));
    answered = true;
    if (!p.flags.has("-f") && !p.flags.has("--follow")) return 0;
    return await new Promise<number>((resolve) => {
      const stop = client.subscribe((e) => {
        if (e.type === "log") {
          for (const l of e.data) if (l.source === source && l.seq > lastSeq) {
            lastSeq = l.seq;
            print(l);
          }
        } else if (e.type === "bye") {
          process.stderr.write(`postdeck: the daemon stopped (${e.data.reason})\n`);
          stop();
          resolve(0);
        }
      });
      const quit = () => {
        stop();
        resolve(0);
      };
      process.once("SIGINT", quit);
      process.once("SIGTERM", quit);
    });
  } catch (err) {
    if (answered || err instanceof DaemonCallError) throw err;
    const config = await configFor(p); // a bad config: its errors (exit 2), as with no daemon before
    const { logsWithoutDaemon } = await import("./logs-offline.js");
    return await logsWithoutDaemon(config, { source, lines: n, follow: p.flags.has("-f") || p.flags.has("--follow") }, err);
  } finally {
    client.close();
  }
}
