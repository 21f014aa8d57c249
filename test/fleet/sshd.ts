// A private OpenSSH server for the fleet tests: 127.0.0.1 only, a free port, its own host key, an
// authorized key made for the test (plus, optionally, keys with a forced command), a known_hosts
// file for StrictHostKeyChecking, its pid file in the temp dir. Started in the foreground (-D) so
// the test owns the process and kills it. `sshdProblem()` says why it cannot run here (then the
// tests skip with that message).
import { execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnTracked, killGroup } from "../helpers/processes.js";
import { freeLoopbackPort } from "../../src/core/supervisor/free-port.js";
import { waitFor } from "../helpers/wait-for.js";

export const SSHD = ["/usr/sbin/sshd", "/usr/bin/sshd"].find((p) => existsSync(p)) ?? null;
const PRIVSEP_DIR = "/run/sshd";

/** null when sshd can run here; else why not (for the skip message). */
export function sshdProblem(): string | null {
  if (!SSHD) return "no sshd (Debian package openssh-server) on this machine";
  for (const bin of ["ssh", "ssh-keygen"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" });
    } catch {
      return `no ${bin} (Debian package openssh-client) on this machine`;
    }
  }
  if (!existsSync(PRIVSEP_DIR)) {
    // sshd refuses to start without its privilege separation directory; Debian's service makes it
    if (process.getuid?.() !== 0) return `sshd needs ${PRIVSEP_DIR}, which is missing (created by Debian's ssh service; creating it needs root)`;
    mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  }
  return null;
}

export interface TestSshd {
  port: number;
  dir: string;
  /** ssh options that reach this server with the test's key `key` (default: the plain one). */
  sshOptions(key?: string): string[];
  /** A key whose authorized_keys line forces `command` (OpenSSH runs it whatever the client asks). */
  addForcedKey(name: string, command: string): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startSshd(dir: string): Promise<TestSshd> {
  mkdirSync(dir, { recursive: true });
  const file = (n: string) => path.join(dir, n);
  const keygen = (n: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `postdeck-test-${n}`, "-f", file(n)]);
  keygen("host_key");
  keygen("user_key");
  const authorized: string[] = [readFileSync(file("user_key.pub"), "utf8").trim()];
  writeFileSync(file("authorized_keys"), authorized.join("\n") + "\n", { mode: 0o600 });
  const port = await freeLoopbackPort();
  writeFileSync(
    file("sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${file("host_key")}`,
      `PidFile ${file("sshd.pid")}`,
      `AuthorizedKeysFile ${file("authorized_keys")}`,
      "UsePAM no",
      "StrictModes no",
      "UseDNS no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "PermitRootLogin prohibit-password",
      `AllowUsers ${os.userInfo().username}`,
      // bash reads ~/.bashrc for a command run by sshd when SHLVL < 2 there; the test user's
      // shell start-up is not under test (root's here takes seconds)
      "SetEnv SHLVL=1",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  writeFileSync(file("known_hosts"), `[127.0.0.1]:${port} ${readFileSync(file("host_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ")}\n`);
  let child: ChildProcess | null = null;
  const sshOptions = (key = "user_key") => [
    "-F", "/dev/null",
    "-p", String(port),
    "-i", file(key),
    "-o", "IdentitiesOnly=yes",
    "-o", `UserKnownHostsFile=${file("known_hosts")}`,
    "-o", "StrictHostKeyChecking=yes",
    "-o", "ConnectTimeout=10",
  ];
  const t: TestSshd = {
    port,
    dir,
    sshOptions,
    addForcedKey(name, command) {
      keygen(name);
      authorized.push(`command="${command}",restrict ${readFileSync(file(`${name}.pub`), "utf8").trim()}`);
      writeFileSync(file("authorized_keys"), authorized.join("\n") + "\n", { mode: 0o600 });
    },
    async start() {
      const c = spawnTracked(SSHD!, ["-D", "-e", "-f", file("sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      c.stderr?.on("data", (d: Buffer) => (err += d.toString()));
      child = c;
      await waitFor(
        () => {
          if (c.exitCode !== null) throw new Error(`sshd exited (${c.exitCode}): ${err.trim()}`);
          execFileSync("ssh", [...sshOptions(), "-o", "BatchMode=yes", `${os.userInfo().username}@127.0.0.1`, "true"], { stdio: "ignore", timeout: 15_000 });
          return true;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: `sshd on 127.0.0.1:${port}` },
      );
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      killGroup(c.pid!, "SIGTERM");
      await exited;
    },
  };
  await t.start();
  return t;
}
