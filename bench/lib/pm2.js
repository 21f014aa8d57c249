// pm2 (devDependency) as a bench supervisor: PM2_HOME in the run's temp dir, one app per child
// (interpreter none: pm2 runs the same wrapper as the others), God daemon's pid from pm2.pid,
// always `pm2 kill` at the end.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "./children.js";
import { findMarked, killMarked, waitFor } from "./proc.js";
import { withRotated } from "./captured.js";

export const PM2_BIN = path.join(REPO, "node_modules/.bin/pm2");

export function pm2Available() {
  return existsSync(PM2_BIN) ? null : `pm2 not found at ${PM2_BIN} (it is a devDependency: npm install)`;
}

export class Pm2Supervisor {
  name = "pm2";
  constructor(root, children, o = {}) {
    this.root = root;
    this.children = children;
    this.home = path.join(root, "pm2home");
    this.logDir = path.join(root, "pm2logs");
    mkdirSync(this.home, { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    this.eco = path.join(root, "ecosystem.json");
    const apps = children.map((c) => ({
      name: c.marker,
      script: c.wrapper,
      interpreter: "none",
      autorestart: true,
      out_file: path.join(this.logDir, `${c.marker}-out.log`),
      error_file: path.join(this.logDir, `${c.marker}-err.log`),
      pid_file: path.join(this.logDir, `${c.marker}.pid`),
      ...(o.app ?? {}),
    }));
    writeFileSync(this.eco, JSON.stringify({ apps }, null, 2));
    this.godPid = null;
  }

  pm2(args) {
    return spawnSync(PM2_BIN, args, {
      env: { ...process.env, PM2_HOME: this.home, PM2_DISABLE_VERSION_CHECK: "true" },
      encoding: "utf8",
      timeout: 120_000,
    });
  }

  async start() {
    const r = this.pm2(["start", this.eco]);
    if (r.status !== 0) throw new Error(`pm2 start failed: ${r.stderr || r.stdout}`);
    this.godPid = Number(readFileSync(path.join(this.home, "pm2.pid"), "utf8").trim());
    await this.waitChildren();
  }

  async waitChildren(timeoutMs = 240_000) {
    await waitFor(() => {
      const m = findMarked(null);
      return this.children.every((c) => (m.get(c.marker) ?? []).length > 0);
    }, `${this.children.length} children under pm2`, timeoutMs, 100);
  }

  supervisorPids() {
    return this.godPid ? [this.godPid] : [];
  }

  logFiles(marker) {
    return [...withRotated(path.join(this.logDir, `${marker}-out.log`)), ...withRotated(path.join(this.logDir, `${marker}-err.log`))];
  }

  async stop() {
    this.pm2(["kill"]);
    const prefix = this.children[0]?.marker.split("-")[0];
    if (prefix) killMarked(prefix + "-");
    this.godPid = null;
  }
}
