// Drives the real postdeck binary in a pseudo-terminal (node-pty) and keeps a headless xterm
// screen of what a user would see, for end-to-end tests and screenshots.
import { spawn, type IPty } from "node-pty";
import xterm from "@xterm/headless";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(REPO, "bin/postdeck.js");

function withoutNodeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_ENV: _test, ...rest } = env;
  return rest;
}

export class PtyTerminal {
  readonly term: InstanceType<typeof xterm.Terminal>;
  private readonly pty: IPty;
  private exited: { code: number; signal?: number } | null = null;
  private output = "";

  constructor(args: string[], opts: { cols?: number; rows?: number; env?: Record<string, string>; cwd?: string } = {}) {
    const cols = opts.cols ?? 100;
    const rows = opts.rows ?? 30;
    this.term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
    this.pty = spawn(process.execPath, [BIN, ...args], {
      name: "xterm-256color",
      cols,
      rows,
      cwd: opts.cwd ?? REPO,
      // CI=true makes Ink stop repainting: the console under test must see an interactive terminal.
      // vitest's NODE_ENV=test is not passed on: the console sets production itself when it has none, as
      // a user's does (with test it ran React's development build, ~10-20 % more CPU per frame).
      env: { ...withoutNodeEnv(process.env), CI: "0", TERM: "xterm-256color", ...opts.env },
    });
    this.pty.onData((d) => {
      this.output += d;
      if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
      this.term.write(d);
    });
    this.pty.onExit((e) => {
      this.exited = { code: e.exitCode, signal: e.signal };
    });
  }

  get pid(): number {
    return this.pty.pid;
  }

  /** The visible screen as lines of text (trailing spaces trimmed). */
  screen(): string[] {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.term.rows; y++) lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? "");
    return lines;
  }

  text(): string {
    return this.screen().join("\n");
  }

  /** Everything the program wrote (raw), for messages printed after the screen is torn down. */
  raw(): string {
    return this.output;
  }

  write(keys: string): void {
    this.pty.write(keys);
  }

  resize(cols: number, rows: number): void {
    this.pty.resize(cols, rows);
    this.term.resize(cols, rows);
  }

  exitInfo(): { code: number; signal?: number } | null {
    return this.exited;
  }

  /** Waits until `pred` holds for the screen text; throws with the last screen on timeout. */
  async waitFor(pred: string | RegExp | ((text: string) => boolean), timeoutMs = 20_000): Promise<string> {
    const test = typeof pred === "function" ? pred : (t: string) => (typeof pred === "string" ? t.includes(pred) : pred.test(t));
    const end = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      const t = this.text();
      if (test(t)) return t;
      if (Date.now() > end) throw new Error(`timed out waiting for ${String(pred)}; screen was:\n${t}`);
    }
  }

  async waitForExit(timeoutMs = 10_000): Promise<{ code: number; signal?: number }> {
    const end = Date.now() + timeoutMs;
    while (!this.exited) {
      if (Date.now() > end) throw new Error(`console did not exit; screen:\n${this.text()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.exited;
  }

  kill(): void {
    if (!this.exited) this.pty.kill();
  }
}
