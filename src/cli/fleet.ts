// `postdeck fleet [--json] [--timeout S] [--rigs FILE]`: one line per rig of the rigs file (src/fleet),
// exit 1 when a rig cannot be reached or has an error finding. And `postdeck --rig NAME COMMAND …`:
// any client command against that rig (runOnRig), its daemon reached over ssh or on this machine.
import { colours, parseArgs } from "./cli-context.js";
import { UsageError } from "./errors.js";
import { loadUi } from "./load-ui.js";
import { takeOptions } from "./take-options.js";
import type { RigSummary } from "../fleet/summary.js";
import { SUMMARY_HEAD, summaryCells, type Cell } from "../fleet/summary-cells.js";

export const USAGE =
  "usage: postdeck fleet [--json | --tui [--open RIG]] [--timeout SECONDS] [--rigs FILE]   (--tui: the Fleet view, one row per rig; Enter opens a rig's console; --open RIG: start in that rig's console, q goes to the fleet)";

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--json", "--tui"], valued: ["--rigs", "--timeout", "--open"], usage: USAGE });
  if (p.words.length > 0 || p.config) throw new UsageError(USAGE);
  const openRig = p.values.get("--open") ?? null;
  if (openRig !== null && !p.flags.has("--tui")) throw new UsageError(`--open RIG opens a rig's console in the Fleet view: add --tui\n${USAGE}`);
  if (p.flags.has("--tui")) return runFleetView(p.values.get("--rigs") ?? null, p.flags.has("--json"), openRig);
  const timeoutS = Number(p.values.get("--timeout") ?? "10");
  if (!(timeoutS > 0 && timeoutS <= 600)) throw new UsageError(`--timeout: expected seconds from 0 to 600, found '${p.values.get("--timeout")}'\n${USAGE}`);
  const { loadRigs, rigsFilePath } = await import("../fleet/rigs-file.js");
  const { queryFleet } = await import("../fleet/query.js");
  const { fleetFails } = await import("../fleet/summary.js");
  const rigs = loadRigs(rigsFilePath(p.values.get("--rigs") ?? null));
  const now = Date.now();
  const out = await queryFleet(rigs, { timeoutMs: timeoutS * 1000, now: () => now });
  process.stdout.write(p.flags.has("--json") ? JSON.stringify({ at: now, rigs: out }, null, 2) + "\n" : formatFleet(out));
  return fleetFails(out) ? 1 : 0;
}

/** `postdeck fleet --tui`: the console's Fleet view over every rig of the rigs file. */
async function runFleetView(rigsFlag: string | null, json: boolean, openRig: string | null): Promise<number> {
  if (json) throw new UsageError(`--json and --tui: one or the other\n${USAGE}`);
  const { loadRigs, rigsFilePath, findRig } = await import("../fleet/rigs-file.js");
  const file = rigsFilePath(rigsFlag);
  const rigs = loadRigs(file);
  if (openRig !== null) findRig(rigs, openRig, file); // a name the file does not list: said before the screen changes
  if (!process.stdout.isTTY) throw new UsageError("the Fleet view needs a terminal on stdout; for scripts use `postdeck fleet --json`");
  const { rigEndpoint } = await import("../fleet/rig-connection.js");
  const { SocketClient } = await import("../client/socket-client.js");
  const { FleetStore } = await import("../ui/fleet/fleet-store.js");
  // every rig's client reconnects by itself, backing off to one try in 10 s while a rig is away
  const store = new FleetStore(rigs, {
    connect: async (r) => {
      const t = await rigEndpoint(r);
      return new SocketClient(t.socket, { ...t.options, reconnectMs: { min: 1000, max: 10_000 } });
    },
  });
  const { runFleetConsole } = await loadUi(() => import("../ui/fleet/run-fleet.js"));
  await runFleetConsole(store, { rigsFile: file, openRig });
  return 0;
}

export function formatFleet(rigs: RigSummary[]): string {
  const c = colours();
  const paint = (x: Cell) => (x.tone === "ok" ? c.green(x.text) : x.tone === "warn" ? c.yellow(x.text) : x.tone === "err" ? c.red(x.text) : x.text);
  const head = ["RIG", "DAEMON", ...SUMMARY_HEAD];
  const rows = rigs.map((r) => {
    const cells = summaryCells(r);
    if (!cells) return [r.rig, c.red("✖ unreachable"), ...SUMMARY_HEAD.map(() => "")];
    return [r.rig, `${c.green("● up")}${r.readOnly ? " ro" : ""}`, ...cells.map(paint)];
  });
  // eslint-disable-next-line no-control-regex
  const width = (t: string) => t.replace(/\u001b\[[0-9;]*m/g, "").length;
  const w = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const line = (r: string[]) => r.map((cell, i) => cell + " ".repeat(w[i]! - width(cell))).join("  ").trimEnd();
  const out = [line(head), ...rows.map(line)];
  const down = rigs.filter((r) => !r.reachable);
  if (down.length) out.push("", ...down.map((r) => `${r.rig} (${r.via}): ${r.error}`));
  return out.join("\n") + "\n";
}

/** Commands that talk only to a daemon, and so run against any rig. */
const RIG_COMMANDS = new Set(["tui", "status", "start", "stop", "restart", "logs", "doctor", "identity", "daemon"]);
const RIG_USAGE =
  "usage: postdeck --rig NAME [--rigs FILE] [--read-only] [COMMAND] [ARGS]   (COMMAND: status, start, stop, restart, logs, doctor, identity, daemon status, or none for the console; a rig on this machine: also daemon start|stop)";

/** `--rig NAME`, `--rigs FILE`, `--read-only` out of a command line; the rest as it was. */
export function takeRigFlags(argv: string[]): { rig: string | null; rigs: string | null; readOnly: boolean; rest: string[] } {
  const t = takeOptions(argv, { strings: ["--rig", "--rigs"], booleans: ["--read-only"] });
  for (const [name, v] of t.values) if (!v) throw new UsageError(`${name} needs a value\n${RIG_USAGE}`);
  return { rig: t.values.get("--rig") ?? null, rigs: t.values.get("--rigs") ?? null, readOnly: t.flags.has("--read-only"), rest: t.rest };
}

/**
 * `postdeck --rig NAME COMMAND …`: every client the command makes reaches that rig's daemon
 * (setRigTarget); a rig over ssh also stands in for the config, which is on its host.
 */
export async function runOnRig(argv: string[], dispatch: (argv: string[]) => Promise<number>): Promise<number> {
  const f = takeRigFlags(argv);
  if (f.rig === null) throw new UsageError(RIG_USAGE);
  if (f.rest.some((a) => a === "--config" || a.startsWith("--config="))) throw new UsageError(`--rig and --config name the rig twice; use one\n${RIG_USAGE}`);
  const word = f.rest.find((a) => !a.startsWith("-")) ?? "tui";
  if (!RIG_COMMANDS.has(word)) throw new UsageError(`${word} does not run against a rig\n${RIG_USAGE}`);
  const { loadRigs, rigsFilePath, findRig } = await import("../fleet/rigs-file.js");
  const file = rigsFilePath(f.rigs);
  const rig = findRig(loadRigs(file), f.rig, file);
  const readOnly = rig.readOnly || f.readOnly;
  const sub = f.rest.filter((a) => !a.startsWith("-"))[1];
  // over ssh the daemon's pid, files and start are the rig's, and read-only starts and stops nothing:
  // only its status is asked from here
  if (word === "daemon" && (rig.kind === "ssh" || readOnly) && sub !== "status")
    throw new UsageError(
      `daemon ${sub ?? ""} does not run against ${rig.kind === "ssh" ? `a rig over ssh: run it on the rig (ssh ${rig.host} postdeck daemon ${sub ?? ""})` : "a read-only rig"}\n${RIG_USAGE}`,
    );
  const { rigTarget } = await import("../fleet/rig-connection.js");
  const { setRigTarget, clientFor } = await import("../client/connect.js");
  const target = await rigTarget(rig, { readOnly });
  // the rig of this command only: main may run another command in the same process after it
  setRigTarget(target);
  try {
    // a rig on this machine without read-only is simply its config: every command as usual
    if (word !== "tui" || (rig.kind === "local" && !readOnly)) return await dispatch(f.rest);
    // the console over ssh or read-only: no daemon is started for it (that is the rig's business)
    if (!process.stdout.isTTY) throw new UsageError("the console needs a terminal on stdout; for scripts use `postdeck --rig NAME status --json`");
    if (f.rest.filter((a) => a !== "tui").length > 0) throw new UsageError(RIG_USAGE);
    const client = clientFor(target.config);
    try {
      await client.call("snapshot", {});
      const { runConsole } = await loadUi(() => import("../ui/run-console.js"));
      await runConsole(client, { reattach: `postdeck --rig ${rig.name}${f.rigs ? ` --rigs ${f.rigs}` : ""}${f.readOnly ? " --read-only" : ""}` });
    } finally {
      client.close();
    }
    return 0;
  } finally {
    setRigTarget(null);
  }
}
