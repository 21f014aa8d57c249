// `postdeck systemd print [--user]` prints a unit that runs the daemon at boot for this config;
// `postdeck systemd install [--user] [--force]` writes it, runs daemon-reload and enables it (for
// --user: says whether lingering is on — without it a user unit runs only while the user is logged
// in). A different unit already there is kept unless --force.
import { execFile } from "node:child_process";
import { promises as fs, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { replaceFile } from "../fs/atomic-file.js";
import { renderUnit, unitPath, UNIT_NAME } from "../core/boot/systemd-unit.js";
import { configFor, parseArgs } from "./cli-context.js";
import { UsageError } from "./errors.js";

export const USAGE = "usage: postdeck systemd print [--user] | install [--user] [--force]   [--config FILE]";

class SystemdError extends Error {
  readonly exitCode = 1;
}

function exec(argv: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 127) : 0;
      resolve({ code, out: `${stdout}${stderr}`.trim() || (err ? err.message : "") });
    });
  });
}

/** The account the daemon runs as: with sudo, the user who ran sudo (not root). */
async function account(user: boolean): Promise<{ name: string; home: string }> {
  const sudoUser = process.env.SUDO_USER;
  if (!user && process.getuid?.() === 0 && sudoUser && sudoUser !== "root") {
    const passwd = await fs.readFile("/etc/passwd", "utf8").catch(() => "");
    const home = passwd.split("\n").map((l) => l.split(":")).find((f) => f[0] === sudoUser)?.[5];
    if (home) return { name: sudoUser, home };
  }
  return { name: os.userInfo().username, home: os.homedir() };
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--user", "--force"], usage: USAGE });
  const sub = p.words[0];
  if (p.words.length !== 1 || (sub !== "print" && sub !== "install")) throw new UsageError(USAGE);
  const user = p.flags.has("--user");
  const config = await configFor(p);
  const who = await account(user);
  const unit = renderUnit({
    user,
    nodeBinary: process.execPath,
    launcher: realpathSync(process.argv[1]!),
    configPath: config.path,
    userName: who.name,
    home: who.home,
    env: process.env,
  });
  if (sub === "print") {
    process.stdout.write(unit);
    return 0;
  }
  const target = unitPath(user);
  if (!user && process.getuid?.() !== 0) {
    throw new SystemdError(`writing ${target} needs root: sudo postdeck systemd install --config ${config.path} (or install a user unit: postdeck systemd install --user)`);
  }
  const existing = await fs.readFile(target, "utf8").catch(() => null);
  if (existing !== null && existing !== unit && !p.flags.has("--force")) {
    throw new SystemdError(`${target} exists and differs from the unit for ${config.path}; compare with \`postdeck systemd print${user ? " --user" : ""}\`, then re-run with --force to replace it`);
  }
  const out: string[] = [];
  if (existing === unit) out.push(`${target} is already this unit`);
  else {
    await fs.mkdir(path.dirname(target), { recursive: true });
    await replaceFile(target, unit, 0o644);
    out.push(`wrote ${target}`);
  }
  const ctl = user ? ["systemctl", "--user"] : ["systemctl"];
  for (const step of [["daemon-reload"], ["enable", UNIT_NAME]]) {
    const r = await exec([...ctl, ...step]);
    if (r.code !== 0) {
      process.stdout.write(out.join("\n") + "\n");
      throw new SystemdError(`${[...ctl, ...step].join(" ")} failed (exit ${r.code}): ${r.out}${user ? " — a user unit needs a systemd user session (log in over SSH, or XDG_RUNTIME_DIR=/run/user/$(id -u))" : ""}`);
    }
    out.push(`ran ${[...ctl, ...step].join(" ")}`);
  }
  if (user) {
    const linger = await exec(["loginctl", "show-user", who.name, "--property=Linger", "--value"]);
    if (linger.code === 0 && linger.out === "yes") out.push(`lingering is on for ${who.name}: the daemon starts at boot, without a login`);
    else
      out.push(
        `lingering is OFF for ${who.name}: the daemon starts only when ${who.name} logs in and stops at logout — turn it on: sudo loginctl enable-linger ${who.name}`,
      );
  }
  out.push(`enabled: it starts at the next boot. To hand over now: postdeck daemon stop && ${ctl.join(" ")} start ${UNIT_NAME} (the post-services keep running meanwhile)`);
  process.stdout.write(out.join("\n") + "\n");
  return 0;
}
