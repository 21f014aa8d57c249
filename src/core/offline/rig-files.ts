// File-only facts about the rig, read the same way by the daemon and by commands that run without
// one: the node log file's readability, the keys in identities/retired/ (retired or rolled back),
// and the last lines of a log file postdeck knows by name.
import { constants, promises as fs } from "node:fs";
import path from "node:path";
import type { ResolvedConfig } from "../../config/schema.js";
import { RETIRED_DIR } from "../identity/key-store.js";
import { checkKeyContent } from "../spacemesh/key-file.js";
import type { FormerKey } from "../spacemesh/rig-findings.js";

/** Why the node log file cannot be read (null = readable), in words for people. */
export async function nodeLogFileProblem(file: string): Promise<string | null> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return `${file} is not a regular file`;
    await fs.access(file, constants.R_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return `${file} does not exist`;
    if (code === "EACCES") return `${file} is not readable by this user (permission denied)`;
    return `cannot read ${file}: ${code ?? (err as Error).message}`;
  }
}

/** Keys in identities/retired/: `NAME.key` (retired) and `NAME.key.rolled-back-<ms>` (rolled back). */
export async function readFormerKeys(identitiesDir: string): Promise<FormerKey[]> {
  const dir = path.join(identitiesDir, RETIRED_DIR);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const out: FormerKey[] = [];
  for (const name of names.sort()) {
    if (!/\.key(\.rolled-back-\d+)?$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      const check = checkKeyContent(name, await fs.readFile(file));
      if (check.ok) out.push({ file, nodeId: check.nodeId });
    } catch {
      /* unreadable: cannot tell whose it is */
    }
  }
  return out;
}

/** The file behind a log source name: a service's log, or the node's ("node"); null = unknown name. */
export function logFileOf(config: ResolvedConfig, source: string): string | null {
  const logDir = path.join(config.stateDir, "logs");
  if (source === "node") return config.node.log.file ?? (config.node.log.command ? path.join(logDir, "node.log") : null);
  return config.services.some((s) => s.name === source) ? path.join(logDir, `${source}.log`) : null;
}

/** The daemon's reading of these files: now and every `everyMs`, handed to `set` (the findings' inputs). */
export function pollRigFiles(
  config: () => ResolvedConfig,
  set: (facts: { nodeLogFile: { path: string; problem: string | null } | null; formerKeys: FormerKey[] }) => void,
  everyMs = 30_000,
): () => void {
  let stopped = false;
  const read = async () => {
    const c = config();
    const file = c.node.log.file;
    const facts = {
      nodeLogFile: file ? { path: file, problem: await nodeLogFileProblem(file) } : null,
      formerKeys: await readFormerKeys(c.node.identitiesDir),
    };
    if (!stopped) set(facts);
  };
  void read();
  const timer = setInterval(() => void read(), everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
