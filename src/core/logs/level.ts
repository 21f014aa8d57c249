// Log level of a line: post-service's env_logger (`[2024-..Z INFO  post_service::client] ...`),
// go-spacemesh console (`2024-..Z\tINFO\tnode.atxBuilder\t...`) and JSON (`"L":"INFO"` / `"level":"info"`).
import type { LogLevel } from "../../protocol/model.js";

const NAMES: Record<string, LogLevel> = {
  ERROR: "ERROR", FATAL: "ERROR", PANIC: "ERROR", DPANIC: "ERROR",
  WARN: "WARN", WARNING: "WARN", INFO: "INFO", DEBUG: "DEBUG", TRACE: "TRACE",
};

const ENV_LOGGER = /^\[\S+\s+([A-Z]+)\s/;
const CONSOLE = /^\d{4}-\d\d-\d\dT\S+\s+([A-Z]+)\s/;
const JSON_LEVEL = /"(?:L|level)"\s*:\s*"([A-Za-z]+)"/;

export function detectLevel(text: string): LogLevel | null {
  const m = ENV_LOGGER.exec(text) ?? CONSOLE.exec(text);
  if (m) return NAMES[m[1]!] ?? null;
  if (text.startsWith("{")) {
    const j = JSON_LEVEL.exec(text);
    if (j) return NAMES[j[1]!.toUpperCase()] ?? null;
  }
  return null;
}
