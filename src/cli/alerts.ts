// `postdeck alerts test [--json]`: sends a test alert to every sink of the config's `alerts:` section
// and reports each result. The daemon sends it when one runs (its user and environment are the ones
// real alerts use); otherwise this process does, and says so. Exit 1 when any sink failed or none is
// configured.
import { DaemonCallError } from "../client/errors.js";
import { rigTargetConfig } from "../client/connect.js";
import { sendTestAlerts } from "../core/alerts/alerter.js";
import { colours, daemonFor, parseArgs } from "./cli-context.js";
import { UsageError } from "./errors.js";

export const USAGE = "usage: postdeck alerts test [--json] [--config FILE]";

type Result = { sink: string; target: string; ok: boolean; error: string | null; ms: number };

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--json"], usage: USAGE });
  if (p.words.length !== 1 || p.words[0] !== "test") throw new UsageError(USAGE);
  const { config, client } = await daemonFor(p);
  let results: Result[];
  let via: "daemon" | "cli" = "daemon";
  try {
    results = (await client.call("alertsTest", {})).results;
  } catch (err) {
    if (err instanceof DaemonCallError || rigTargetConfig()) throw err; // another rig (--rig): not from here
    via = "cli";
    results = await sendTestAlerts(config.alerts?.sinks ?? [], config.rig);
  } finally {
    client.close();
  }
  const failed = results.filter((r) => !r.ok).length;
  if (p.flags.has("--json")) {
    process.stdout.write(JSON.stringify({ sentBy: via, results }, null, 2) + "\n");
    return failed > 0 || results.length === 0 ? 1 : 0;
  }
  const c = colours(process.stdout);
  if (results.length === 0) {
    process.stdout.write(`no alert sinks configured: add alerts.sinks to ${config.path} (see README: Alerts)\n`);
    return 1;
  }
  const out = [via === "daemon" ? "sent by the daemon:" : "no daemon answers: sent from this process (the daemon's user and environment may differ):"];
  for (const r of results) {
    out.push(r.ok ? `  ${c.green("✓")} ${r.sink} (${r.target}) delivered in ${r.ms} ms` : `  ${c.red("✗")} ${r.sink} (${r.target}) failed: ${r.error}`);
  }
  out.push(failed > 0 ? `${failed} of ${results.length} sink(s) failed` : `all ${results.length} sink(s) delivered`);
  process.stdout.write(out.join("\n") + "\n");
  return failed > 0 ? 1 : 0;
}
