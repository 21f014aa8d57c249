// `postdeck start|stop|restart NAME... | --all [--force]` through the daemon.
import { colours, daemonClientFor, parseArgs } from "./cli-context.js";
import { UsageError } from "./errors.js";

function action(kind: "start" | "stop" | "restart") {
  const usage = `usage: postdeck ${kind} NAME... | --all${kind === "start" ? "" : " [--force]"} [--json] [--config FILE]`;
  return async (args: string[]): Promise<number> => {
    const p = parseArgs(args, { flags: ["--all", "--force", "--json"], usage });
    const all = p.flags.has("--all");
    if ((p.words.length === 0) === !all) throw new UsageError(all ? `give service names or --all, not both\n${usage}` : usage);
    const client = await daemonClientFor(p);
    try {
      const r = await client.call(kind, { names: p.words, all, force: p.flags.has("--force") });
      if (p.flags.has("--json")) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else {
        const c = colours();
        for (const x of r.results) process.stdout.write(`${x.ok ? c.green("✓") : c.red("✗")} ${x.message}\n`);
        if (r.results.length === 0) process.stdout.write("no services configured\n");
      }
      return r.results.every((x) => x.ok) ? 0 : 1;
    } finally {
      client.close();
    }
  };
}

export const runStart = action("start");
export const runStop = action("stop");
export const runRestart = action("restart");
