// zap-style loggers as the Go programs configure them: keys T (ISO8601 with milliseconds), L (capital
// level), N (logger name), M (message); console encoder = tab-separated with the fields as a JSON object
// ("key": value, separated by ", "), JSON encoder = one object per line in the order L, T, N, M, fields.

export type ZapLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
const RANK: Record<ZapLevel, number> = { DEBUG: -1, INFO: 0, WARN: 1, ERROR: 2 };

export type ZapField = [key: string, value: string | number | bigint | boolean | null | string[]];

/** Go's "2006-01-02T15:04:05.000Z0700" in the process's local zone ("Z" when the offset is 0). */
export function zapTime(d: Date): string {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60_000);
  const iso = local.toISOString().slice(0, 23);
  if (off === 0) return `${iso}Z`;
  const sign = off > 0 ? "+" : "-";
  const a = Math.abs(off);
  return `${iso}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}${String(a % 60).padStart(2, "0")}`;
}

function jsonValue(v: ZapField[1]): string {
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(", ")}]`;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  return JSON.stringify(v);
}

export interface ZapSink {
  write(line: string): void;
}

export class ZapLogger {
  constructor(
    private readonly sink: ZapSink,
    private readonly encoder: "console" | "json",
    private readonly minLevel: ZapLevel = "INFO",
    readonly name = "",
    private readonly now: () => Date = () => new Date(),
  ) {}

  named(name: string): ZapLogger {
    return new ZapLogger(this.sink, this.encoder, this.minLevel, this.name ? `${this.name}.${name}` : name, this.now);
  }

  enabled(level: ZapLevel): boolean {
    return RANK[level] >= RANK[this.minLevel];
  }

  log(level: ZapLevel, msg: string, fields: ZapField[] = []): void {
    if (!this.enabled(level)) return;
    const t = zapTime(this.now());
    if (this.encoder === "json") {
      const parts = [`"L":${JSON.stringify(level)}`, `"T":${JSON.stringify(t)}`];
      if (this.name) parts.push(`"N":${JSON.stringify(this.name)}`);
      parts.push(`"M":${JSON.stringify(msg)}`);
      for (const [k, v] of fields) parts.push(`${JSON.stringify(k)}:${jsonValue(v)}`);
      this.sink.write(`{${parts.join(",")}}\n`);
      return;
    }
    const cols = [t, level];
    if (this.name) cols.push(this.name);
    cols.push(msg);
    if (fields.length > 0) cols.push(`{${fields.map(([k, v]) => `${JSON.stringify(k)}: ${jsonValue(v)}`).join(", ")}}`);
    this.sink.write(cols.join("\t") + "\n");
  }

  debug(msg: string, fields?: ZapField[]): void {
    this.log("DEBUG", msg, fields);
  }
  info(msg: string, fields?: ZapField[]): void {
    this.log("INFO", msg, fields);
  }
  warn(msg: string, fields?: ZapField[]): void {
    this.log("WARN", msg, fields);
  }
  error(msg: string, fields?: ZapField[]): void {
    this.log("ERROR", msg, fields);
  }
}

/** Go's time.Duration.String() for a duration in milliseconds (e.g. "1.5s", "250ms", "2m3.004s"). */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let ns = BigInt(Math.round(Math.abs(ms) * 1e6));
  const sign = neg ? "-" : "";
  if (ns < 1000n) return `${sign}${ns}ns`;
  const trim = (s: string) => s.replace(/0+$/, "").replace(/\.$/, "");
  if (ns < 1_000_000n) return `${sign}${trim((Number(ns) / 1e3).toFixed(3))}µs`;
  if (ns < 1_000_000_000n) return `${sign}${trim((Number(ns) / 1e6).toFixed(6))}ms`;
  const h = ns / 3_600_000_000_000n;
  ns -= h * 3_600_000_000_000n;
  const m = ns / 60_000_000_000n;
  ns -= m * 60_000_000_000n;
  const secWhole = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  const secs = `${secWhole}${frac ? "." + frac : ""}s`;
  if (h > 0n) return `${sign}${h}h${m}m${secs}`;
  if (m > 0n) return `${sign}${m}m${secs}`;
  return `${sign}${secs}`;
}

/** Go's standard `log` prefix: "YYYY/MM/DD HH:MM:SS " in local time. */
export function goLogLine(msg: string, d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${msg}\n`;
}
