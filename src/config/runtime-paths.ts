// Where the daemon for a state dir lives: its control socket, pid (lock) file and log. Shared by
// the daemon and its clients.
import { createHash } from "node:crypto";
import path from "node:path";

/** $XDG_RUNTIME_DIR/postdeck/<hash of stateDir>.sock, else <stateDir>/daemon.sock. */
export function socketPath(stateDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) {
    const h = createHash("sha256").update(path.resolve(stateDir)).digest("hex").slice(0, 16);
    return path.join(env.XDG_RUNTIME_DIR, "postdeck", `${h}.sock`);
  }
  return path.join(stateDir, "daemon.sock");
}

export const pidFilePath = (stateDir: string) => path.join(stateDir, "daemon.pid");
export const daemonLogPath = (stateDir: string) => path.join(stateDir, "daemon.log");
