// The daemon in the foreground: lock, Rig, control socket, signals. Resolves when it has stopped.
// SIGTERM/SIGINT (or `daemon stop`) end the daemon; services keep running unless stopServices.
import { mkdirSync, promises as fs } from "node:fs";
import path from "node:path";
import type { ResolvedConfig } from "../config/schema.js";
import { Rig, type RigOptions } from "../core/rig.js";
import { createControlServer } from "./control-server.js";
import { acquireDaemonLock } from "./lock.js";
import { daemonLogPath, pidFilePath, socketPath } from "../config/runtime-paths.js";
import { listenOwnerOnly } from "./owner-only-listen.js";
import { rotateIfLarger } from "../core/logs/rotation.js";
import { sampleProcesses } from "../core/hardware/process-usage.js";
import { attachRigParts, type RigParts } from "./rig-parts.js";

export interface DaemonOptions extends Omit<RigOptions, "config"> {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Called once the Rig exists, before services start: where other parts plug in. */
  onRig?: (rig: Rig) => void | Promise<void>;
  handleSignals?: boolean;
}

export interface RunningDaemon {
  rig: Rig;
  socket: string;
  /** Resolves when the daemon has shut down. */
  done: Promise<void>;
  shutdown(o: { stopServices: boolean; reason: string }): Promise<void>;
}

const defaultLog = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

export async function startDaemon(config: ResolvedConfig, o: DaemonOptions = {}): Promise<RunningDaemon> {
  const log = o.log ?? defaultLog;
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const release = await acquireDaemonLock(pidFilePath(config.stateDir), config.stateDir);
  const sock = socketPath(config.stateDir, o.env ?? process.env);
  let rig: Rig;
  let server: ReturnType<typeof createControlServer>;
  try {
    mkdirSync(path.dirname(sock), { recursive: true, mode: 0o700 });
    await fs.rm(sock, { force: true }); // stale socket: we hold the lock, nobody else serves it
    rig = new Rig({ processSampler: sampleProcesses, ...o, config });
    await o.onRig?.(rig);
    // the CLI finds the socket without loading the config while the socket is newer than the
    // config file (src/cli/cli-context.ts): a reload that applied the file marks it so again
    const parts: RigParts = await attachRigParts(rig, { onReloaded: () => touchSocket(sock) });
    let stopping: Promise<void> | null = null;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const shutdown = (s: { stopServices: boolean; reason: string }): Promise<void> => {
      if (stopping) return stopping;
      stopping = (async () => {
        log(`stopping (${s.reason})${s.stopServices ? ", stopping services" : ", services keep running"}`);
        server.bye(s.reason);
        await new Promise<void>((r) => server.server.close(() => r()));
        server.server.closeAllConnections();
        await parts.stop();
        await rig.stop({ stopServices: s.stopServices });
        await fs.rm(sock, { force: true });
        await release();
        clearInterval(rotateTimer);
        process.off("SIGTERM", onTerm);
        process.off("SIGINT", onInt);
        log("stopped");
        resolveDone();
      })();
      return stopping;
    };
    server = createControlServer(rig, {
      ...parts.handlers,
      async daemonStop({ stopServices, force }) {
        const proving = stopServices && !force ? rig.provingServices() : [];
        if (proving.length > 0)
          return {
            ok: false,
            message: `${proving.join(", ")} ${proving.length === 1 ? "is" : "are"} proving; stopping now loses this proof's progress (add --force to stop anyway, or stop the daemon without --stop-services: services keep running)`,
          };
        setImmediate(() => void shutdown({ stopServices, reason: "daemon stop requested" }));
        return {
          ok: true,
          message: stopServices ? "daemon stopping; stopping every service first" : "daemon stopping; services keep running",
        };
      },
    });
    // daemon.log (our own stdout/stderr when detached) is bounded like the service logs
    const rotateTimer = setInterval(() => void rotateIfLarger(daemonLogPath(config.stateDir), config.logs.maxBytes, config.logs.keep).catch(() => false), 60_000);
    rotateTimer.unref();
    const onTerm = () => void shutdown({ stopServices: false, reason: "SIGTERM" });
    const onInt = () => void shutdown({ stopServices: false, reason: "SIGINT" });
    if (o.handleSignals !== false) {
      process.on("SIGTERM", onTerm);
      process.on("SIGINT", onInt);
    }
    const { warnings, adopted } = await rig.start();
    for (const w of warnings) log(`warning: ${w}`);
    if (adopted.length) log(`re-adopted running services: ${adopted.join(", ")}`);
    for (const line of await parts.afterStart()) log(line);
    rig.supervisor.on("warning", (w: string) => log(`warning: ${w}`));
    rig.supervisor.on("service", (v) => {
      if (v.state === "failed" || v.state === "backoff") log(`${v.name}: ${v.state}: ${v.reason ?? ""}`);
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      listenOwnerOnly(server.server, sock, (chmodError) => {
        // made 0600 by the bind already; a socket removed this soon is bound again by the keeper
        if (chmodError) log(`warning: cannot make the control socket ${sock} owner-only: ${chmodError.message}`);
        resolve();
      });
    });
    log(`postdeck daemon ${process.pid} serving ${sock} for ${config.path} (${config.services.length} service(s))`);
    return { rig, socket: sock, done, shutdown };
  } catch (err) {
    await release();
    throw err;
  }
}

/** Sets the socket's mtime to now (a socket not bound yet, or gone, is left as it is). */
export async function touchSocket(sock: string): Promise<void> {
  const now = new Date();
  await fs.utimes(sock, now, now).catch(() => undefined);
}
