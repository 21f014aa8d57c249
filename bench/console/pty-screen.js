// The console in a real pseudo-terminal (node-pty) rendered into a headless xterm, with what the
// bench needs: bytes and synchronized-output frames written, the selected table row, and how
// long a key press takes to show on screen.
import { spawn } from "node-pty";
import xterm from "@xterm/headless";
import { readFileSync } from "node:fs";

const BSU = "\x1b[?2026h"; // Ink brackets every frame in synchronized-output marks on a TTY

export class PtyScreen {
  constructor(argv, o = {}) {
    this.cols = o.cols ?? 120;
    this.rows = o.rows ?? 40;
    this.term = new xterm.Terminal({ cols: this.cols, rows: this.rows, allowProposedApi: true, scrollback: 0 });
    this.bytes = 0;
    this.frames = 0;
    this.writes = 0;
    this.tail = "";
    this.exited = null;
    this.watchers = new Set();
    this.pty = spawn(argv[0], argv.slice(1), {
      name: "xterm-256color",
      cols: this.cols,
      rows: this.rows,
      cwd: o.cwd ?? process.cwd(),
      env: { ...process.env, CI: "0", TERM: "xterm-256color", ...(o.env ?? {}) },
    });
    this.pty.onData((d) => {
      const arrived = process.hrtime.bigint();
      this.bytes += Buffer.byteLength(d);
      this.writes++;
      const s = this.tail + d;
      let i = -1;
      while ((i = s.indexOf(BSU, i + 1)) >= 0) if (i + BSU.length > this.tail.length) this.frames++;
      this.tail = s.slice(-(BSU.length - 1));
      this.term.write(d, () => {
        for (const w of [...this.watchers]) w(arrived);
      });
    });
    this.pty.onExit((e) => (this.exited = e));
  }

  get pid() {
    return this.pty.pid;
  }

  /** The console's processes: the pty's process and its descendants (anything it starts counts too). */
  pids() {
    const out = [this.pty.pid];
    for (let i = 0; i < out.length; i++) {
      try {
        const kids = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, "utf8").trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      } catch {
        /* gone */
      }
    }
    return out;
  }

  screen() {
    const b = this.term.buffer.active;
    const out = [];
    for (let y = 0; y < this.rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? "");
    return out;
  }

  text() {
    return this.screen().join("\n");
  }

  /**
   * What `re` matches right after a `›` mark (the selected row of a table; other tables also mark
   * their selected row): its first group when it has one (the name, without the findings mark
   * before it, which may change while the selection does not), else the whole match.
   */
  selected(re) {
    for (const l of this.screen()) {
      for (let i = l.indexOf("›"); i >= 0; i = l.indexOf("›", i + 1)) {
        const m = re.exec(l.slice(i + 1));
        if (m && m.index === 0) return m[1] ?? m[0];
      }
    }
    return null;
  }

  async waitFor(pred, what, timeoutMs = 30_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (pred(this.text())) return;
      if (this.exited) throw new Error(`the console exited (${JSON.stringify(this.exited)}) while waiting for ${what}; screen:\n${this.text()}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${this.text()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Writes `key` and resolves with the ms until the parsed screen shows a different selected row
   * (checked after every chunk the console writes), or null after timeoutMs. `lastKey` then tells
   * where the time went: `at` (epoch ms of the key), `arrivedMs` (the chunk that changed the row
   * came out of the pty: the console's share) and `parsedMs` (the same as the result: that chunk
   * parsed by this process's xterm, so parsedMs - arrivedMs is the bench's own share).
   */
  keyLatency(key, re, timeoutMs = 2000) {
    const before = this.selected(re);
    return new Promise((resolve) => {
      const at = Date.now();
      const t0 = process.hrtime.bigint();
      this.lastKey = { at, arrivedMs: null, parsedMs: null };
      const done = (v, arrived) => {
        this.watchers.delete(check);
        clearTimeout(timer);
        this.lastKey = { at, arrivedMs: arrived === undefined ? null : Number(arrived - t0) / 1e6, parsedMs: v };
        resolve(v);
      };
      const check = (arrived) => {
        const now = this.selected(re);
        if (now !== null && now !== before) done(Number(process.hrtime.bigint() - t0) / 1e6, arrived);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.watchers.add(check);
      this.pty.write(key);
    });
  }

  write(s) {
    this.pty.write(s);
  }

  kill() {
    if (!this.exited) {
      try {
        this.pty.kill();
      } catch {
        /* gone */
      }
    }
  }
}
