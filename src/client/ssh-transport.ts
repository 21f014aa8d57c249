// Transports other than the daemon's Unix socket: each connection runs a command whose stdin and
// stdout carry the HTTP exchange — `ssh [opts] -o BatchMode=yes HOST postdeck bridge …` for a rig
// reached over OpenSSH, or this postdeck's own `bridge --read-only` for a read-only rig on this
// machine. No TCP port is opened anywhere: the far end is `postdeck bridge` (src/fleet/bridge.ts)
// on the rig's host, talking to its daemon's socket. Host keys and authentication are OpenSSH's;
// BatchMode makes ssh fail instead of asking for a password or a host key.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type net from "node:net";
import { Duplex } from "node:stream";
import { DaemonCallError } from "./errors.js";

/** The far end could not be reached or run: the rig's answer (exit 1), never a cue to fall back to local files. */
function unreachable(message: string): DaemonCallError {
  return new DaemonCallError(message, "unreachable", 0);
}

export interface Transport {
  /** Names the far end in messages (`ssh sm@rig-a`, `bridge --read-only`). */
  readonly label: string;
  /** A fresh byte stream to a daemon (one per HTTP request or event stream). */
  connect(): net.Socket;
}

/** One spawned command as the socket of an HTTP connection. */
class CommandStream extends Duplex {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = "";
  private gotData = false;
  private stdoutEnded = false;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(
    argv: readonly string[],
    private readonly label: string,
  ) {
    super();
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    const c = this.child;
    c.stdout.on("data", (chunk: Buffer) => {
      this.gotData = true;
      this.touch();
      if (!this.push(chunk)) c.stdout.pause();
    });
    c.stdout.on("end", () => {
      this.stdoutEnded = true;
      this.settle();
    });
    c.stderr.on("data", (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString("utf8")).slice(-4000)));
    c.stdin.on("error", () => undefined); // EPIPE when the command exited: its exit says why
    c.on("error", (err) => this.destroy(unreachable(`${label}: cannot run ${argv[0]} (${err.message})`)));
    c.on("exit", (code, signal) => {
      this.exit = { code, signal };
      this.settle();
    });
  }

  /** End of the stream once stdout ended: an answer, or (nothing came) why the command failed. */
  private settle(): void {
    if (this.destroyed || !this.stdoutEnded) return;
    if (this.gotData) {
      this.push(null);
      return;
    }
    if (!this.exit) return; // wait for the exit code to say why nothing came
    const { code, signal } = this.exit;
    const said = this.stderr
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .slice(-3)
      .join(" / ");
    this.destroy(unreachable(`${this.label}: ${signal ? `killed by ${signal}` : `exited with code ${code}`} before answering${said ? `: ${said}` : ""}`));
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.touch();
    this.child.stdin.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin.end();
    // the far end exits when its stdin ends; one that does not is stopped
    this.killTimer = setTimeout(() => this.child.kill("SIGTERM"), 5000);
    this.killTimer.unref();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.exit === null) {
      this.child.stdin.destroy();
      this.child.kill("SIGTERM");
    }
    cb(err);
  }

  private touch(): void {
    if (this.idleMs <= 0) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.emit("timeout"), this.idleMs);
    this.idleTimer.unref();
  }

  // What node:http asks of a socket.
  setTimeout(ms: number, cb?: () => void): this {
    this.idleMs = ms;
    if (cb) this.once("timeout", cb);
    if (ms > 0) this.touch();
    else if (this.idleTimer) clearTimeout(this.idleTimer);
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** A transport that runs `argv` for every connection. */
export function commandTransport(argv: readonly string[], label: string): Transport {
  // node:http takes any stream with a socket's few methods; CommandStream has them
  return { label, connect: () => new CommandStream(argv, label) as unknown as net.Socket };
}

/** Quotes a word for the remote shell (ssh joins its command words with spaces for `sh -c`). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SshTarget {
  host: string; // user@host, or a Host of ~/.ssh/config
  sshOptions: readonly string[];
  command: readonly string[]; // postdeck on that host
  config: string | null; // --config on that host
  readOnly: boolean;
}

/** `ssh [opts] -o BatchMode=yes HOST -- postdeck bridge [--config FILE] [--read-only]`. */
export function sshArgv(t: SshTarget): string[] {
  const remote = [...t.command, "bridge", ...(t.config ? ["--config", t.config] : []), ...(t.readOnly ? ["--read-only"] : [])];
  return ["ssh", ...t.sshOptions, "-o", "BatchMode=yes", "-T", t.host, "--", remote.map(shellQuote).join(" ")];
}

export function sshTransport(t: SshTarget): Transport {
  return commandTransport(sshArgv(t), `ssh ${t.host}`);
}
