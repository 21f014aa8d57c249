// supervisord (Debian `supervisor`) as a bench supervisor: its own config, unix socket and log
// dir in the run's temp dir, run in the foreground (-n) as a child of the bench, one [program]
// per child (stdout to a file, stderr merged), shut down with SIGTERM at the end.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findMarked, isAlive, killMarked, sleep, waitFor } from "./proc.js";
import { withRotated } from "./captured.js";

const BIN = "/usr/bin/supervisord";

/** null when supervisord can run; otherwise why it is skipped (installs it with apt when root). */
export function supervisordAvailable(log = console.error) {
  if (existsSync(BIN)) return null;
  if (process.getuid?.() === 0) {
    log("supervisord missing: apt-get install -y supervisor");
    const r = spawnSync("apt-get", ["install", "-y", "supervisor"], { stdio: "inherit", timeout: 300_000 });
    if (r.status === 0 && existsSync(BIN)) return null;
    return "supervisord is not installed and `apt-get install -y supervisor` failed";
  }
  return "supervisord is not installed (Debian package `supervisor`) and this is not root: skipped";
}

export class SupervisordSupervisor {
  name = "supervisord";
  constructor(root, children, o = {}) {
    this.root = root;
    this.children = children;
    this.logDir = path.join(root, "svlogs");
    mkdirSync(this.logDir, { recursive: true });
    this.conf = path.join(root, "supervisord.conf");
    const sock = path.join(root, "supervisor.sock");
    const lines = [
      "[unix_http_server]",
      `file=${sock}`,
      "chmod=0700",
      "[supervisord]",
      `logfile=${path.join(root, "supervisord.log")}`,
      `pidfile=${path.join(root, "supervisord.pid")}`,
      `childlogdir=${this.logDir}`,
      "nodaemon=true",
      "user=root",
      "[rpcinterface:supervisor]",
      "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
      "[supervisorctl]",
      `serverurl=unix://${sock}`,
    ];
    if (process.getuid?.() !== 0) lines.splice(lines.indexOf("user=root"), 1);
    for (const c of children) {
      lines.push(
        `[program:${c.marker}]`,
        `command=${c.wrapper}`,
        "autostart=true",
        "autorestart=true",
        "stopsignal=TERM",
        "stopwaitsecs=3",
        "redirect_stderr=true",
        `stdout_logfile=${path.join(this.logDir, `${c.marker}.log`)}`,
        `stdout_logfile_maxbytes=${o.maxBytes ?? "0"}`,
      );
    }
    writeFileSync(this.conf, lines.join("\n") + "\n");
    this.proc = null;
  }

  async start() {
    this.proc = spawn(BIN, ["-n", "-c", this.conf], { stdio: ["ignore", "ignore", "ignore"], detached: true });
    this.exited = false;
    this.proc.on("exit", () => (this.exited = true));
    await this.waitChildren();
  }

  async waitChildren(timeoutMs = 240_000) {
    await waitFor(() => {
      if (this.exited) throw new Error(`supervisord exited at start; see ${path.join(this.root, "supervisord.log")}`);
      const m = findMarked(null);
      return this.children.every((c) => (m.get(c.marker) ?? []).length > 0);
    }, `${this.children.length} children under supervisord`, timeoutMs, 100);
  }

  supervisorPids() {
    return this.proc && !this.exited ? [this.proc.pid] : [];
  }

  logFiles(marker) {
    return withRotated(path.join(this.logDir, `${marker}.log`));
  }

  async stop() {
    if (this.proc && !this.exited) {
      process.kill(this.proc.pid, "SIGTERM");
      for (let i = 0; i < 150 && !this.exited; i++) await sleep(100);
      if (!this.exited && isAlive(this.proc.pid)) process.kill(this.proc.pid, "SIGKILL");
    }
    const prefix = this.children[0]?.marker.split("-")[0];
    if (prefix) killMarked(prefix + "-");
  }
}
