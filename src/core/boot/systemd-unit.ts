// A systemd unit that runs postdeck's daemon at boot: `daemon run` in the foreground, restarted on
// failure; KillMode=process so that stopping or restarting the daemon leaves the post-services (its
// children, in their own process groups) running — a new daemon re-adopts them. The environment the
// daemon resolves paths with (HOME, XDG_STATE_HOME, PATH for bare binary names) is written in.
import os from "node:os";
import path from "node:path";
import { DAEMON_NODE_FLAGS } from "../../config/daemon-flags.js";

export const UNIT_NAME = "postdeck.service";

export interface UnitInput {
  user: boolean; // a user unit (systemctl --user) or a system one
  nodeBinary: string; // absolute path of node
  launcher: string; // absolute path of bin/postdeck.js
  configPath: string; // absolute
  userName: string; // system units: User=
  home: string;
  env: NodeJS.ProcessEnv; // PATH, XDG_STATE_HOME, XDG_CONFIG_HOME are carried over when set
}

/** One ExecStart word: `%` and `$` escaped for systemd, quoted when it holds spaces or quotes. */
export function unitWord(s: string): string {
  const e = s.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return /[\s"'\\]/.test(e) ? `"${e.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : e;
}

function envLine(name: string, value: string): string {
  return `Environment=${unitWord(`${name}=${value}`)}`;
}

export function renderUnit(u: UnitInput): string {
  const lines = [
    "# Written by `postdeck systemd " + (u.user ? "install --user" : "install") + "`; regenerate it with `postdeck systemd print" + (u.user ? " --user" : "") + "`.",
    "[Unit]",
    "Description=postdeck daemon (supervises the post-services of a Spacemesh node)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
  ];
  if (!u.user) lines.push(`User=${u.userName}`);
  lines.push(
    envLine("HOME", u.home),
    envLine("PATH", u.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"),
    ...(["XDG_STATE_HOME", "XDG_CONFIG_HOME", "NODE_OPTIONS"] as const).flatMap((k) => (u.env[k] ? [envLine(k, u.env[k])] : [])),
    `WorkingDirectory=${unitWord(path.dirname(u.configPath))}`,
    `ExecStart=${[u.nodeBinary, ...DAEMON_NODE_FLAGS, u.launcher, "daemon", "run", "--config", u.configPath].map(unitWord).join(" ")}`,
    "Restart=on-failure",
    "RestartSec=5",
    "# stop only the daemon: the post-services keep proving and the next daemon re-adopts them",
    "KillMode=process",
    "TimeoutStopSec=30",
    "",
    "[Install]",
    `WantedBy=${u.user ? "default.target" : "multi-user.target"}`,
    "",
  );
  return lines.join("\n");
}

/** Where the unit goes: /etc/systemd/system, or the user's systemd dir. */
export function unitPath(user: boolean, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (!user) return path.join("/etc/systemd/system", UNIT_NAME);
  const base = env.XDG_CONFIG_HOME || path.join(home, ".config");
  return path.join(base, "systemd", "user", UNIT_NAME);
}
