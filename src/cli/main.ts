// Entry point: picks the command and runs it. Commands live one per file in this folder and
// export `run(args: string[]): Promise<number>` (the exit code). No business logic here.
import { UsageError, reportError } from "./errors.js";
import { commandIndex, globalFlags } from "./take-options.js";

type CommandModule = { run: (args: string[]) => Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  tui: { summary: "open the console (default)", load: () => import("./tui.js") },
  daemon: { summary: "daemon run|start|stop [--stop-services [--force]]|status [--json]: the supervisor daemon", load: () => import("./daemon.js") },
  status: { summary: "show services, node, identities and findings [--json]", load: () => import("./status.js") },
  start: { summary: "start services: start NAME... | --all [--json]", load: () => import("./actions.js").then((m) => ({ run: m.runStart })) },
  stop: { summary: "stop services: stop NAME... | --all [--force] [--json]", load: () => import("./actions.js").then((m) => ({ run: m.runStop })) },
  restart: { summary: "restart services: restart NAME... | --all [--force] [--json]", load: () => import("./actions.js").then((m) => ({ run: m.runRestart })) },
  logs: { summary: "print a service's or the node's log: logs NAME [-f] [-n N]", load: () => import("./logs.js") },
  doctor: { summary: "explain what needs attention and how to fix it [--json]", load: () => import("./doctor.js") },
  plan: { summary: "the proving plan per disk over the next cycle gap: who would miss it and the fix [--json]", load: () => import("./plan.js") },
  config: { summary: "config check [--json]: validate and print the resolved config", load: () => import("./config.js") },
  identity: { summary: "identity add|import|rollback|retire|rename|permissions|providers|show|cancel", load: () => import("./identity.js") },
  demo: { summary: "build and run the demo rig, then open the console", load: () => import("./demo.js") },
  alerts: { summary: "alerts test [--json]: send a test alert to every sink", load: () => import("./alerts.js") },
  systemd: { summary: "systemd print|install [--user]: run the daemon at boot", load: () => import("./systemd.js") },
  sim: { summary: "demo-rig simulators: sim node|post-service|postcli ...", load: () => import("./sim.js") },
  fleet: { summary: "one line per rig of the rigs file [--json] [--timeout S] [--rigs FILE]; exit 1 if one is down or has an error; --tui: the Fleet view", load: () => import("./fleet.js") },
  bridge: { summary: "bridge [--config FILE] [--read-only]: stdio to this host's daemon (run over ssh by --rig)", load: () => import("./bridge.js") },
};

export function usage(): string {
  const lines = ["usage: postdeck [--config FILE] [COMMAND] [ARGS]", "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(9)} ${c.summary}`);
  lines.push("", "global options: --config FILE, --debug, --help, --version");
  lines.push("  --rig NAME [--rigs FILE] [--read-only]: run the command against a rig of ~/.config/postdeck/rigs.yaml (over ssh)");
  lines.push("config file: --config FILE, $POSTDECK_CONFIG, ./postdeck.yaml, $XDG_CONFIG_HOME/postdeck/config.yaml");
  lines.push("status/start/stop/restart/logs talk to a running daemon (postdeck daemon start); services outlive it");
  lines.push("exit codes: 0 ok, 1 operation failed (no daemon, a service refused, or doctor found errors), 2 bad usage or config");
  lines.push("NO_COLOR=1 turns colour off");
  return lines.join("\n");
}

/** One command's `--help` text, ending with a newline. */
export function commandUsage(name: string, summary: string, usageText: unknown): string {
  const text = typeof usageText === "string" ? usageText : `usage: postdeck ${name} ...   (${summary})`;
  return `${text.trimEnd()}\n\n${summary}\nglobal options: --config FILE, --debug; postdeck --help lists every command\n`;
}

export async function main(argv: string[]): Promise<number> {
  const { debug } = globalFlags(argv);
  // bin/postdeck.js runs the bundle (scripts/bundle.js): with --debug, stack traces name src/ files
  // through its source maps (for the command modules, all loaded after this line)
  if (debug) process.setSourceMapsEnabled(true);
  try {
    if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      process.stdout.write(usage() + "\n");
      return 0;
    }
    if (argv[0] === "--version") {
      const { version } = await import("../version.js");
      process.stdout.write(`postdeck ${version}\n`);
      return 0;
    }
    // --rig NAME: the command against that rig (src/cli/fleet.ts), then dispatched as usual
    if (argv.some((a) => a === "--rig" || a.startsWith("--rig="))) return await (await import("./fleet.js")).runOnRig(argv, main);
    // The command is the first argument that is not an option (or an option's value).
    const idx = commandIndex(argv);
    const name = idx === -1 ? "tui" : argv[idx]!;
    const rest = idx === -1 ? argv : [...argv.slice(0, idx), ...argv.slice(idx + 1)];
    const cmd = commands[name];
    if (!cmd) throw new UsageError(`unknown command '${name}'\n\n${usage()}`);
    const mod = await cmd.load();
    // `postdeck COMMAND --help`: that command's usage (a module's exported USAGE, else its summary), exit 0.
    // A simulator (`postdeck sim node --help`) answers its own help, as the real program does.
    const simulator = name === "sim" && rest.some((a) => !a.startsWith("-"));
    if (!simulator && globalFlags(rest).help) {
      process.stdout.write(idx === -1 ? usage() + "\n" : commandUsage(name, cmd.summary, (mod as { USAGE?: unknown }).USAGE));
      return 0;
    }
    return await mod.run(rest);
  } catch (err) {
    return reportError(err, debug);
  }
}
