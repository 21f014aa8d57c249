// go-spacemesh log lines (zap) in both encoders:
//   console: `2024-10-22T10:00:00.000+0000\tINFO\tnode.atxBuilder\tregistered signing key\t{"id": "a1b2c3"}`
//   json:    `{"L":"INFO","T":"2024-10-22T10:00:00.000Z","N":"node.atxBuilder","M":"registered signing key","id":"a1b2c3"}`
// A line that is neither (stack traces, continuation lines of multi-line errors, cobra's `Error: …`)
// is kept as `{ unparsed }`, never dropped. Lines captured through docker compose (`name  | …`) or
// journald/syslog (`Oct 22 10:00:00 host go-spacemesh[123]: …`) are read after that prefix; `raw`
// keeps the line as it came.
import type { LogLevel } from "../../protocol/model.js";

export interface NodeLogEntry {
  raw: string;
  time: number | null; // epoch ms; null when the time column does not parse
  level: LogLevel;
  logger: string; // zap name, e.g. "node.atxBuilder"; "" for an unnamed logger
  message: string;
  fields: Record<string, unknown>;
  /** zap's PANIC, DPANIC or FATAL (shown as ERROR): the node stops after such a line. */
  fatal?: boolean;
}

export interface UnparsedLine {
  unparsed: string;
  /** The line without its capture prefix, when it had one (e.g. a cobra `Error: …` through journald). */
  text?: string;
}

export type NodeLogLine = NodeLogEntry | UnparsedLine;

export function isEntry(line: NodeLogLine): line is NodeLogEntry {
  return !("unparsed" in line);
}

const ZAP_LEVELS: Record<string, LogLevel> = {
  DEBUG: "DEBUG",
  INFO: "INFO",
  WARN: "WARN",
  WARNING: "WARN",
  ERROR: "ERROR",
  DPANIC: "ERROR",
  PANIC: "ERROR",
  FATAL: "ERROR",
};

const ZAP_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses zap's ISO8601 time (`…000Z`, `…000+0000`, `…000+02:00`); null if it is not one. */
export function parseZapTime(text: string): number | null {
  const m = ZAP_TIME.exec(text);
  if (!m) return null;
  let zone = m[2] ?? "Z";
  if (zone !== "Z" && !zone.includes(":")) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}${zone}`);
  return Number.isNaN(ms) ? null : ms;
}

function parseFields(text: string): Record<string, unknown> | null {
  if (!text.startsWith("{") || !text.endsWith("}")) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function parseJsonLine(raw: string): NodeLogEntry | null {
  const obj = parseFields(raw);
  if (!obj || typeof obj.L !== "string" || typeof obj.M !== "string") return null;
  const level = ZAP_LEVELS[obj.L.toUpperCase()];
  if (!level) return null;
  const { L: _l, T, N, M, ...fields } = obj;
  const entry: NodeLogEntry = {
    raw,
    time: typeof T === "string" ? parseZapTime(T) : null,
    level,
    logger: typeof N === "string" ? N : "",
    message: M,
    fields,
  };
  if (FATAL_LEVELS.has(obj.L.toUpperCase())) entry.fatal = true;
  return entry;
}

function parseConsoleLine(raw: string): NodeLogEntry | null {
  const cols = raw.split("\t");
  if (cols.length < 3) return null;
  const time = parseZapTime(cols[0]!);
  const level = ZAP_LEVELS[cols[1]!];
  if (time === null || !level) return null;
  let rest = cols.slice(2);
  let fields: Record<string, unknown> = {};
  if (rest.length >= 2) {
    const f = parseFields(rest[rest.length - 1]!);
    if (f) {
      fields = f;
      rest = rest.slice(0, -1);
    }
  }
  // [name, message...] or [message] (an unnamed logger).
  const logger = rest.length >= 2 ? rest[0]! : "";
  const message = rest.length >= 2 ? rest.slice(1).join("\t") : rest[0]!;
  const entry: NodeLogEntry = { raw, time, level, logger, message, fields };
  if (FATAL_LEVELS.has(cols[1]!)) entry.fatal = true;
  return entry;
}

const FATAL_LEVELS = new Set(["PANIC", "DPANIC", "FATAL"]);

// docker compose: `spacemesh-node-1  | 2024-…` (service name, padding, a bar)
const COMPOSE_PREFIX = /^[A-Za-z0-9][\w.-]*\s+\|\s?/;
// journald / syslog short format: `Oct 22 10:00:00 host go-spacemesh[1234]: …`
const SYSLOG_PREFIX = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [^\s:[]+(?:\[\d+\])?: /;

/** The line without a docker compose or journald prefix; the line itself when it has none. */
export function stripCapturePrefix(line: string): string {
  const m = SYSLOG_PREFIX.exec(line) ?? COMPOSE_PREFIX.exec(line);
  return m ? line.slice(m[0].length) : line;
}

function parseBare(line: string, raw: string): NodeLogEntry | null {
  const entry = line.startsWith("{") ? parseJsonLine(line) : parseConsoleLine(line);
  if (entry) entry.raw = raw;
  return entry;
}

/** One line (without its newline) in either encoder, with or without a capture prefix. */
export function parseNodeLogLine(raw: string): NodeLogLine {
  const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  const entry = parseBare(line, raw);
  if (entry) return entry;
  const bare = stripCapturePrefix(line);
  if (bare !== line) {
    const inner = parseBare(bare, raw);
    if (inner) return inner;
    return { unparsed: raw, text: bare };
  }
  return { unparsed: raw };
}

export function parseNodeLog(lines: string[]): NodeLogLine[] {
  return lines.map(parseNodeLogLine);
}
