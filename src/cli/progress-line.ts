// Progress of a long task on stderr: on a terminal one line rewritten in place; otherwise (a log
// file, a pipe, CI) a new line only when the message (the text after ` — `, figures aside) changes or
// the fraction passes the next step (~5 %), so logs stay short.
export class ProgressPrinter {
  private last = "";
  private lastStep = -1;
  private lastKey = "";
  private open = false; // a terminal line is being rewritten

  constructor(
    private readonly out: Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean; columns?: number },
    private readonly step = 0.05,
  ) {}

  /** `line` is the full text; `fraction` in [0, 1] or null; `final` for the last line. */
  show(line: string, fraction: number | null, final = false): void {
    if (line === this.last && !final) return;
    this.last = line;
    if (this.out.isTTY) {
      const width = Math.max(20, (this.out.columns ?? 80) - 1);
      this.out.write(`\r\x1b[2K${line.length > width ? line.slice(0, width - 1) + "…" : line}${final ? "\n" : ""}`);
      this.open = !final;
      return;
    }
    const stepNow = fraction === null ? -1 : Math.floor(fraction / this.step + 1e-9);
    // the message without its figures: a new phase prints at once
    const key = line.slice(line.indexOf(" — ") + 1).replace(/\d+/g, "#");
    if (final || stepNow > this.lastStep || key !== this.lastKey) {
      this.out.write(line + "\n");
      this.lastStep = Math.max(this.lastStep, stepNow);
      this.lastKey = key;
    }
  }

  /** Ends a line left open on a terminal. */
  end(): void {
    if (this.open) this.out.write("\n");
    this.open = false;
  }
}
