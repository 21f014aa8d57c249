// Where the daemon for a state dir lives: its control socket, pid (lock) file and log. Shared by
// the daemon and its clients, and computed from the state dir alone: a daemon started from cron or
// `sudo -u` (no $XDG_RUNTIME_DIR) and a client in a login shell find the same socket.
import { fstatSync, openSync, closeSync, readlinkSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expandHome } from "./config-path.js";

export const SOCKET_FILE = "daemon.sock";
/** sun_path holds 108 bytes with its terminating NUL; Node truncates a longer path silently. */
export const SUN_PATH_MAX = 107;
const FD_PATH = /^\/proc\/self\/fd\/(\d+)\/(.*)$/;

/** <stateDir>/daemon.sock: where the socket is, whoever asks. */
export function socketFile(stateDir: string): string {
  return path.join(path.resolve(stateDir), SOCKET_FILE);
}

/** Descriptors on state dirs whose socket path is too long for sun_path, one per dir, kept open. */
const dirFds = new Map<string, number>();

function stateDirFd(dir: string): number | null {
  try {
    const want = statSync(dir);
    const have = dirFds.get(dir);
    if (have !== undefined) {
      const st = fstatSync(have);
      if (st.ino === want.ino && st.dev === want.dev) return have;
      closeSync(have);
      dirFds.delete(dir);
    }
    const fd = openSync(dir, "r"); // O_CLOEXEC: never passed on to a child
    dirFds.set(dir, fd);
    return fd;
  } catch {
    return null;
  }
}

/**
 * The path to bind or connect to: socketFile(stateDir) when it fits sun_path; else the same file
 * reached through a descriptor this process holds on the state dir (/proc/self/fd/N/daemon.sock),
 * which the daemon and its clients compute the same way. The environment plays no part (the
 * second parameter is ignored; it is kept for existing callers).
 */
export function socketPath(stateDir: string, _env?: unknown): string {
  const file = socketFile(stateDir);
  if (Buffer.byteLength(file) <= SUN_PATH_MAX) return file;
  const fd = stateDirFd(path.dirname(file));
  return fd === null ? file : `/proc/self/fd/${fd}/${SOCKET_FILE}`;
}

/** The socket's real path for messages (a /proc/self/fd/N/ path named by its directory). */
export function describeSocket(p: string): string {
  const m = FD_PATH.exec(p);
  if (!m) return p;
  try {
    return path.join(readlinkSync(`/proc/self/fd/${m[1]}`), m[2]!);
  } catch {
    return p;
  }
}

export const pidFilePath = (stateDir: string) => path.join(stateDir, "daemon.pid");
export const daemonLogPath = (stateDir: string) => path.join(stateDir, "daemon.log");

/** The state dir when the config names none: $XDG_STATE_HOME/postdeck, else ~/.local/state/postdeck. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  return env.XDG_STATE_HOME ? path.join(env.XDG_STATE_HOME, "postdeck") : path.join(home, ".local", "state", "postdeck");
}

// `stateDir: VALUE` at the top level, VALUE plain or quoted without escapes, then an optional comment
const STATE_DIR_LINE = /^stateDir[ \t]*:[ \t]*(?:"([^"\\]*)"|'([^']*)'|([^\s#'"\[\]{}&*!|>%@`,?:-][^#]*?|))(?:[ \t]+#.*)?[ \t]*$/m;

/**
 * The state dir a config's text names, read without the YAML parser or the schema (a one-shot
 * command only needs its daemon's socket): its top-level `stateDir:` line, else the default.
 * null when it cannot tell so cheaply (a value the simple form does not cover, or two such lines):
 * the caller loads the config whole.
 */
export function stateDirOfConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): string | null {
  // a JSON config (JSON is YAML: the bench writes its configs so): its top-level "stateDir"
  if (/^(?:[ \t]*(?:#.*)?\r?\n)*[ \t]*\{/.test(text)) return stateDirOfJson(text, file, env);
  // a top-level key spelled otherwise ("stateDir":) or a merge key (<<: *base) may name it: not so simple
  if (/^(?:["']stateDir["']|<<)[ \t]*:/m.test(text)) return null;
  if ((text.match(/^stateDir[ \t]*:/gm) ?? []).length > 1) return null;
  if (/^stateDir[ \t]*:/m.test(text)) {
    const m = STATE_DIR_LINE.exec(text);
    const dir = m ? (m[1] ?? m[2] ?? m[3] ?? "") : "";
    if (!dir) return null;
    return stateDirAt(dir, file);
  }
  return defaultStateDir(env);
}

/** stateDirOfConfigText for a config written as one JSON object; null when it is not valid JSON (YAML flow style, comments). */
function stateDirOfJson(text: string, file: string, env: NodeJS.ProcessEnv): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^(?:[ \t]*#.*\r?\n)+/, ""));
  } catch {
    return null;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return null;
  const dir = (doc as Record<string, unknown>).stateDir;
  if (dir === undefined) return defaultStateDir(env);
  return typeof dir === "string" && dir !== "" ? stateDirAt(dir, file) : null;
}

/** A stateDir value as the config loader takes it: ~ expanded, relative to the config file's folder. */
function stateDirAt(dir: string, file: string): string {
  return path.resolve(path.dirname(path.resolve(file)), expandHome(dir));
}
