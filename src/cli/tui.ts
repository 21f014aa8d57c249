// `postdeck` / `postdeck tui`: open the console attached to the daemon of the config,
// starting a detached daemon first when none runs. Quitting the console leaves the daemon
// and its services running.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs, configFor } from "./cli-context.js";
import { UsageError } from "./errors.js";

const USAGE = "usage: postdeck [tui] [--config FILE]";

/**
 * The console runs with a bounded heap and a young generation sized for its work. Every frame
 * allocates a few MB of short-lived objects in Ink (a cell per character): 8 MiB semi-spaces
 * scavenge a quarter as often as 2 MiB ones, V8's default 16 MiB would leave it 40-50 MiB
 * heavier. (`--single-threaded-gc` saved the console a little CPU, but made every CLI command
 * ~35 ms slower to start: these flags are in bin/postdeck.js's shebang for all of them.) The
 * old-space cap of 128 MiB keeps RSS bounded under a log flood (without it V8 let RSS drift past
 * 200 MiB). Heap limits can only be set when Node starts, so the console re-runs itself once
 * with them when started without.
 */
export const CONSOLE_V8_FLAGS = ["--max-old-space-size=128", "--max-semi-space-size=8"];

function hasHeapFlags(): boolean {
  return process.execArgv.some((a) => a.startsWith("--max-old-space-size"));
}

function rerunWithHeapFlags(args: string[]): Promise<number> {
  const bin = fileURLToPath(new URL("../../bin/postdeck.js", import.meta.url));
  const child = spawn(process.execPath, [...CONSOLE_V8_FLAGS, bin, "tui", ...args], { stdio: "inherit" });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const onHup = forward("SIGHUP");
  const onTerm = forward("SIGTERM");
  process.on("SIGHUP", onHup);
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", () => undefined); // the console reads Ctrl-C as a key
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      process.off("SIGHUP", onHup);
      process.off("SIGTERM", onTerm);
      resolve(code ?? (signal ? 1 : 0));
    }),
  );
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { usage: USAGE });
  if (p.words.length > 0 && !(p.words.length === 1 && p.words[0] === "tui")) throw new UsageError(USAGE);
  if (!process.stdout.isTTY)
    throw new UsageError("the console needs a terminal on stdout; for scripts use `postdeck status --json` or `postdeck logs NAME`");
  const config = await configFor(p);
  if (!hasHeapFlags()) return rerunWithHeapFlags(args.filter((a) => a !== "tui"));
  const { ensureDaemon } = await import("../client/ensure-daemon.js");
  const { client, started } = await ensureDaemon(config);
  // React's production build: the development one costs several times the CPU per frame.
  process.env["NODE_ENV"] ??= "production";
  const { runConsole } = await import("../ui/run-console.js");
  try {
    await runConsole(client, {
      notice: started ? `started the daemon (pid ${started.pid}, log ${started.logFile})` : undefined,
      reattach: p.config ? `postdeck --config ${config.path}` : "postdeck",
    });
  } finally {
    client.close();
  }
  return 0;
}
