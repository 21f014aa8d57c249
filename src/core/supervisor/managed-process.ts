// One supervised process and its state machine:
//   stopped → starting → running → stopping → stopped, plus backoff (waiting to restart) and failed.
// It knows nothing about post-service: `prepare` returns what to launch (or why it cannot start).
import { EventEmitter } from "node:events";
import type { ChildProcess } from "node:child_process";
import type { RestartConfig } from "../../config/schema.js";
import type { ExitInfo, ServiceState } from "../../protocol/model.js";
import { decideAfterExit, describeExit } from "./restart-policy.js";
import { readProcStartTime } from "./proc-stat.js";
import { signalGroup, spawnIntoLogFile, type LaunchSpec, type Spawner } from "./spawn-detached.js";
import type { ServiceRecord } from "./state-file.js";
import { tailLines } from "../logs/tail.js";

export type PrepareResult =
  | { ok: true; spec: LaunchSpec }
  | { ok: false; reason: string }
  /** The process already runs (e.g. started by a daemon killed before it saved its state): adopt it. */
  | { ok: "adopt"; pid: number; startTime: string; argv: string[]; note: string };

export interface ManagedOptions {
  name: string;
  logFile: string;
  restart: RestartConfig;
  stopGraceS: number;
  prepare: () => Promise<PrepareResult>;
  spawner?: Spawner;
  now?: () => number;
  random?: () => number;
  /** Lines of the log's tail added to a "failed" reason. */
  reasonTailLines?: number;
}

/** How often an adopted process being stopped is checked for its exit. */
const ADOPTED_EXIT_POLL_MS = 100;

export interface ActionOutcome {
  ok: boolean;
  message: string;
}

export class ManagedProcess extends EventEmitter {
  state: ServiceState = "stopped";
  pid: number | null = null;
  startTime: string | null = null;
  startedAt: number | null = null;
  restarts = 0;
  consecutive = 0;
  lastExit: ExitInfo | null = null;
  reason: string | null = null;
  nextRestartAt: number | null = null;
  argv: string[] = [];
  adopted = false;
  /** What was last asked: run (true) or stay stopped (false). A failure does not change it. */
  wanted = false;

  private child: ChildProcess | null = null;
  private backoffTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private exitWaiters: (() => void)[] = [];
  private launching: Promise<ActionOutcome> | null = null;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly spawner: Spawner;

  constructor(readonly opts: ManagedOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.spawner = opts.spawner ?? spawnIntoLogFile;
  }

  get name(): string {
    return this.opts.name;
  }

  private changed(): void {
    this.emit("change");
  }

  /** Restores a record from the state file: adopt the pid if it is still the same process. */
  restore(rec: ServiceRecord): boolean {
    this.restarts = rec.restarts;
    this.argv = rec.argv;
    this.wanted = rec.wanted;
    if (rec.pid !== null && rec.startTime !== null && readProcStartTime(rec.pid) === rec.startTime) {
      this.pid = rec.pid;
      this.startTime = rec.startTime;
      this.startedAt = rec.startedAt;
      this.state = "running";
      this.adopted = true;
      this.changed();
      return true;
    }
    return false;
  }

  record(operatorAddress: string | null): ServiceRecord {
    return {
      pid: this.pid,
      startTime: this.startTime,
      startedAt: this.startedAt,
      argv: this.argv,
      restarts: this.restarts,
      operatorAddress,
      wanted: this.wanted,
    };
  }

  /** For adopted processes (not our children): poll whether they are still alive. */
  checkAdopted(): void {
    if (!this.adopted || this.pid === null) return;
    if (readProcStartTime(this.pid) !== this.startTime) this.onExit(null, null);
  }

  isActive(): boolean {
    return this.state === "running" || this.state === "starting" || this.state === "stopping";
  }

  /** New restart settings (a reload): they govern the next exit of the running process. */
  updateSettings(s: { restart: RestartConfig; stopGraceS: number }): void {
    this.opts.restart = s.restart;
    this.opts.stopGraceS = s.stopGraceS;
  }

  async start(): Promise<ActionOutcome> {
    this.wanted = true;
    for (;;) {
      // after waiting for a stop, decide again from the state now (another start may have run)
      if (this.state === "running") return { ok: true, message: `${this.name} is already running (pid ${this.pid})` };
      if (this.state === "starting" && this.launching) return this.launching;
      if (this.state !== "stopping") break;
      await this.waitExit();
    }
    this.clearBackoff();
    this.consecutive = 0;
    return this.launch();
  }

  private launch(): Promise<ActionOutcome> {
    const p = this.doLaunch().finally(() => {
      this.launching = null;
    });
    this.launching = p;
    return p;
  }

  private async doLaunch(): Promise<ActionOutcome> {
    this.state = "starting";
    this.reason = null;
    this.nextRestartAt = null;
    this.changed();
    const prep = await this.opts.prepare();
    if (!this.wanted) return this.settleStopped("stopped before it started");
    if (this.pid !== null && readProcStartTime(this.pid) === this.startTime) {
      // never a second process: the one we track still lives (its exit was not seen yet)
      this.state = "running";
      this.changed();
      return { ok: true, message: `${this.name} is already running (pid ${this.pid})` };
    }
    if (prep.ok === "adopt") {
      this.pid = prep.pid;
      this.startTime = prep.startTime;
      this.startedAt = this.now();
      this.argv = prep.argv;
      this.adopted = true;
      this.state = "running";
      this.reason = prep.note;
      this.emit("spawned");
      this.changed();
      return { ok: true, message: `${this.name}: ${prep.note}` };
    }
    if (!prep.ok) return this.fail(prep.reason);
    this.argv = [prep.spec.command, ...prep.spec.args];
    let child: ChildProcess;
    try {
      child = await this.spawner(prep.spec, this.opts.logFile);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return this.fail(`cannot start ${prep.spec.command}: ${e.code === "ENOENT" ? "not found" : e.code === "EACCES" ? "permission denied (not executable?)" : e.message}`);
    }
    const pid = child.pid!;
    this.child = child;
    this.pid = pid;
    this.startTime = readProcStartTime(pid);
    this.startedAt = this.now();
    this.adopted = false;
    this.state = "running";
    child.once("exit", (code, signal) => {
      if (this.child === child) this.onExit(code, signal);
    });
    this.emit("spawned"); // listeners persist the pid at once (a daemon killed now must not lose it)
    this.changed();
    if (!this.wanted) void this.stop();
    return { ok: true, message: `${this.name} started (pid ${pid})` };
  }

  private fail(reason: string): ActionOutcome {
    this.state = "failed";
    this.reason = reason;
    this.pid = null;
    this.changed();
    return { ok: false, message: `${this.name}: ${reason}` };
  }

  private settleStopped(reason: string | null): ActionOutcome {
    this.state = "stopped";
    this.reason = reason;
    this.pid = null;
    this.changed();
    return { ok: true, message: `${this.name} stopped` };
  }

  private onExit(code: number | null, signal: NodeJS.Signals | string | null): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = null;
    const uptimeMs = this.startedAt === null ? 0 : this.now() - this.startedAt;
    this.lastExit = { code, signal: signal ?? null, at: this.now() };
    this.pid = null;
    this.startTime = null;
    this.child = null;
    this.adopted = false;
    const stopRequested = this.state === "stopping" || !this.wanted;
    const d = decideAfterExit({ code, signal: signal ?? null, uptimeMs, consecutive: this.consecutive, stopRequested }, this.opts.restart, this.random);
    const waiters = this.exitWaiters.splice(0);
    if (d.action === "stop") {
      this.settleStopped(d.reason);
    } else if (d.action === "fail") {
      this.state = "failed";
      this.reason = d.reason;
      this.changed();
      void this.appendLogTail();
    } else {
      this.consecutive = d.consecutive;
      this.state = "backoff";
      this.nextRestartAt = this.now() + d.delayMs;
      this.reason = `exited with ${describeExit(code, signal ?? null)}; restart ${d.consecutive} ${d.delayMs === 0 ? "now" : `in ${(d.delayMs / 1000).toFixed(1)} s`}`;
      this.backoffTimer = setTimeout(() => {
        this.backoffTimer = null;
        if (this.state !== "backoff" || !this.wanted) return;
        this.restarts++;
        void this.launch();
      }, d.delayMs);
      this.changed();
    }
    for (const w of waiters) w();
  }

  private async appendLogTail(): Promise<void> {
    const n = this.opts.reasonTailLines ?? 5;
    if (n <= 0) return;
    const lines = await tailLines(this.opts.logFile, n);
    if (lines.length > 0 && this.state === "failed" && this.reason) {
      this.reason = `${this.reason}. Last log lines: ${lines.map((l) => l.slice(0, 300)).join(" | ")}`;
      this.changed();
    }
  }

  private clearBackoff(): void {
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = null;
    this.nextRestartAt = null;
  }

  /**
   * Resolves when the process has exited. An adopted process is not our child (no exit event):
   * it is polled here, so a stop completes even when nothing else polls (daemon shutting down).
   */
  private waitExit(): Promise<void> {
    if (this.pid === null) return Promise.resolve();
    const exited = new Promise<void>((r) => this.exitWaiters.push(r));
    if (!this.adopted) return exited;
    const poll = setInterval(() => this.checkAdopted(), ADOPTED_EXIT_POLL_MS);
    return exited.finally(() => clearInterval(poll));
  }

  /**
   * SIGTERM to the process group, SIGKILL after stopGraceS; resolves when it has exited.
   * keepWanted (a restart): the intent stays "running", so a daemon killed before the start that
   * follows starts it again instead of leaving it stopped.
   */
  async stop(o: { keepWanted?: boolean } = {}): Promise<ActionOutcome> {
    this.wanted = o.keepWanted === true;
    if (this.launching) await this.launching.catch(() => undefined);
    if (this.state === "backoff" || this.state === "failed" || this.state === "starting") {
      this.clearBackoff();
      if (this.pid === null) return this.settleStopped(null);
    }
    if (this.pid === null) return { ok: true, message: `${this.name} is not running` };
    const pid = this.pid;
    if (this.state !== "stopping") {
      this.state = "stopping";
      this.changed();
      signalGroup(pid, "SIGTERM");
      this.killTimer = setTimeout(() => {
        if (this.pid === pid) signalGroup(pid, "SIGKILL");
      }, this.opts.stopGraceS * 1000);
    }
    await this.waitExit();
    const how = this.lastExit?.signal === "SIGKILL" ? " (killed after the stop grace period)" : "";
    return { ok: true, message: `${this.name} stopped${how}` };
  }

  /** Forgets timers (daemon shutting down, services keep running). */
  detach(): void {
    this.clearBackoff();
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = null;
    this.child?.removeAllListeners("exit");
  }
}
