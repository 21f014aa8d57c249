// Rust env_logger's default format, as post-service writes it on stderr:
// `[<RFC3339 UTC seconds>Z <LEVEL padded to 5> <target>] <message>`. Level filter from RUST_LOG.

export type RustLevel = "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";
const RANK: Record<RustLevel, number> = { ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4, TRACE: 5 };

export function rustLogLevel(env: string | undefined): RustLevel {
  const v = (env ?? "info").split(",").find((p) => !p.includes("="))?.trim().toUpperCase() ?? "INFO";
  return v in RANK ? (v as RustLevel) : "INFO";
}

export class EnvLogger {
  constructor(
    private readonly out: { write(s: string): unknown },
    private readonly level: RustLevel = "INFO",
    private readonly now: () => Date = () => new Date(),
  ) {}

  log(level: RustLevel, target: string, msg: string): void {
    if (RANK[level] > RANK[this.level]) return;
    const t = this.now().toISOString().slice(0, 19) + "Z";
    this.out.write(`[${t} ${level.padEnd(5)} ${target}] ${msg}\n`);
  }
  error(target: string, msg: string): void {
    this.log("ERROR", target, msg);
  }
  warn(target: string, msg: string): void {
    this.log("WARN", target, msg);
  }
  info(target: string, msg: string): void {
    this.log("INFO", target, msg);
  }
  debug(target: string, msg: string): void {
    this.log("DEBUG", target, msg);
  }
}

/** Rust's `{m}m {s}s` style used by post-rs for elapsed times (seconds with no fraction). */
export function minutesSeconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m ${s % 60}s`;
}

/** An eyre report as `main` returning Err prints it: "Error: msg", causes, location. */
export function eyreReport(messages: string[], location: string): string {
  const [head, ...causes] = messages;
  let out = `Error: ${head}\n`;
  if (causes.length === 1) out += `\nCaused by:\n    ${causes[0]}\n`;
  else if (causes.length > 1) out += `\nCaused by:\n${causes.map((c, i) => `    ${i}: ${c}`).join("\n")}\n`;
  out += `\nLocation:\n    ${location}\n`;
  return out;
}
