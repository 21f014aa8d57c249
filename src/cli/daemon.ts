// `postdeck daemon run|start|stop|status`: the daemon in the foreground, detached, stopped, or asked how it is.
import { processAlive as alive } from "../process-alive.js";
import { clientFor } from "../client/connect.js";
import { DaemonNotRunningError } from "../client/errors.js";
import { configFor, daemonClientFor, parseArgs } from "./cli-context.js";
import { OperationError, UsageError } from "./errors.js";

export const USAGE = "usage: postdeck daemon run | start | stop [--stop-services [--force]] | status [--json]   [--config FILE]";


export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--stop-services", "--force", "--json"], usage: USAGE });
  const sub = p.words[0];
  if (!sub || p.words.length > 1 || !["run", "start", "stop", "status"].includes(sub)) throw new UsageError(USAGE);
  // stop and status only talk to the daemon: its socket without loading the config (cli-context.ts)
  const config = sub === "run" || sub === "start" ? await configFor(p) : null;
  const client = config ? clientFor(config, { timeoutMs: 60_000 }) : await daemonClientFor(p, { timeoutMs: 60_000 });
  try {
    if (sub === "run") {
      // the daemon's modules (gRPC, hardware, identity operations) only for `run`: start, stop
      // and status are clients
      const { startDaemon } = await import("../daemon/run-daemon.js");
      const d = await startDaemon(config!);
      await d.done;
      return 0;
    }
    if (sub === "start") {
      try {
        const s = await client.call("snapshot", {});
        process.stdout.write(`daemon already running (pid ${s.daemon.pid}) on ${client.socket}\n`);
        return 0;
      } catch (err) {
        if (!(err instanceof DaemonNotRunningError)) throw err;
      }
      const { startDetachedDaemon } = await import("../client/ensure-daemon.js");
      const started = await startDetachedDaemon(config!);
      process.stdout.write(`daemon started (pid ${started.pid}); socket ${started.socket}; log ${started.logFile}\n`);
      return 0;
    }
    if (sub === "stop") {
      const s = await client.call("snapshot", {});
      const r = await client.call("daemonStop", { stopServices: p.flags.has("--stop-services"), force: p.flags.has("--force") });
      if (!r.ok) throw new OperationError(r.message); // a proving service and no --force: nothing stopped
      const deadline = Date.now() + 120_000;
      while (alive(s.daemon.pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      if (alive(s.daemon.pid)) throw new OperationError(`the daemon (pid ${s.daemon.pid}) did not exit within 120 s`);
      process.stdout.write(`${r.message}; daemon (pid ${s.daemon.pid}) stopped\n`);
      return 0;
    }
    // status
    const s = await client.call("snapshot", {});
    if (p.flags.has("--json")) process.stdout.write(JSON.stringify(s.daemon, null, 2) + "\n");
    else {
      const up = Math.round((Date.now() - s.daemon.startedAt) / 1000);
      process.stdout.write(
        `daemon running: pid ${s.daemon.pid}, up ${up} s, version ${s.daemon.version}\n  config ${s.daemon.configPath}\n  state  ${s.daemon.stateDir}\n  socket ${client.socket}\n  services ${s.services.length} (${s.services.filter((v) => v.state === "running").length} running)\n`,
      );
    }
    return 0;
  } finally {
    client.close();
  }
}
