// Keeps the control socket reachable while the daemon runs: the socket file can be removed under
// a running daemon (logind empties /run/user/UID at logout, an operator cleans up, a tmp cleaner
// runs), and a daemon without its socket is unreachable though it holds the lock. Every few
// seconds the keeper checks that the path is still the socket it bound; when it is gone (or is
// another file), it binds the path again and hands the new listener's connections to the same
// HTTP server.
import { chmodSync, mkdirSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type http from "node:http";

export interface SocketKeeperOptions {
  intervalMs?: number;
  log?: (line: string) => void;
}

const defaultLog = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** Starts keeping the socket `server` listens on (call once it listens); returns stop(). */
export function keepSocket(server: http.Server, o: SocketKeeperOptions = {}): () => void {
  const sock = server.address();
  if (typeof sock !== "string") return () => undefined; // not a Unix socket
  const log = o.log ?? defaultLog;
  const inode = (): number | null => {
    try {
      const st = statSync(sock);
      return st.isSocket() ? st.ino : -1;
    } catch {
      return null;
    }
  };
  let bound = inode();
  let spare: net.Server | null = null;
  let rebinding = false;
  let stopped = false;

  const rebind = () => {
    rebinding = true;
    const found = inode();
    log(`control socket ${sock} ${found === null ? "was removed" : "was replaced by another file"}; binding it again`);
    // The listener of an earlier re-bind goes first: closing a Unix listener unlinks its path, which
    // is the path the new one is about to bind (closed after it, it took the new socket file with it,
    // and every later check bound again in vain).
    spare?.close();
    spare = null;
    try {
      mkdirSync(path.dirname(sock), { recursive: true, mode: 0o700 });
      rmSync(sock, { force: true });
    } catch (err) {
      log(`warning: cannot re-create the control socket ${sock}: ${(err as Error).message}; trying again`);
      rebinding = false;
      return;
    }
    const next = net.createServer((c) => server.emit("connection", c));
    next.once("error", (err) => {
      log(`warning: cannot bind the control socket ${sock}: ${err.message}; trying again`);
      rebinding = false;
    });
    next.listen(sock, () => {
      rebinding = false;
      if (stopped) return void next.close();
      spare = next;
      try {
        chmodSync(sock, 0o600);
      } catch (err) {
        // removed again already: the next check binds it again
        log(`warning: cannot make the control socket ${sock} owner-only: ${(err as Error).message}`);
      }
      bound = inode();
    });
  };

  const timer = setInterval(() => {
    if (stopped || rebinding) return;
    if (!server.listening) return stop();
    if (inode() !== bound) rebind();
  }, o.intervalMs ?? 2000);
  timer.unref();

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    spare?.close();
    spare = null;
  }
  server.once("close", stop);
  return stop;
}
