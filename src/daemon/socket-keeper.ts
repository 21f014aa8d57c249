// Keeps the control socket reachable while the daemon runs: the socket file can be removed under
// a running daemon (logind empties /run/user/UID at logout, an operator cleans up, a tmp cleaner
// runs), and a daemon without its socket is unreachable though it holds the lock. The keeper
// watches the socket's directory (inotify: no work while nothing in it changes); when an event
// names the socket (or the directory itself) and the path is no longer the socket it bound (gone,
// or another file), it binds the path again and hands the new listener's connections to the same
// HTTP server. Where the directory cannot be watched, it checks every few seconds instead.
import { type FSWatcher, mkdirSync, rmSync, statSync, watch as fsWatch } from "node:fs";
import net from "node:net";
import path from "node:path";
import type http from "node:http";
import { listenOwnerOnly } from "./owner-only-listen.js";

export interface SocketKeeperOptions {
  /** Check interval where the directory cannot be watched. Default 2 s. */
  intervalMs?: number;
  log?: (line: string) => void;
  /** fs.watch (tests: one that fails). */
  watch?: (dir: string, listener: (event: string, file: string | null) => void) => FSWatcher;
}

const defaultLog = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** Starts keeping the socket `server` listens on (call once it listens); returns stop(). */
export function keepSocket(server: http.Server, o: SocketKeeperOptions = {}): () => void {
  const sock = server.address();
  if (typeof sock !== "string") return () => undefined; // not a Unix socket
  const log = o.log ?? defaultLog;
  const dir = path.dirname(sock);
  const names = new Set([path.basename(sock), path.basename(dir)]);
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
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;

  const check = () => {
    if (stopped || rebinding) return;
    if (!server.listening) return stop();
    if (inode() !== bound) rebind();
  };

  /**
   * Watches the directory (again after a re-bind: a removed and re-created directory is another
   * inode, its old watch sees nothing more); where it cannot, checks on a timer until the next re-bind.
   */
  const watchDir = () => {
    watcher?.close();
    watcher = null;
    if (timer !== null) clearInterval(timer);
    timer = null;
    try {
      // the socket's own name, or the directory's (it was removed): anything else in it (the log,
      // the state file) is not the keeper's business
      watcher = (o.watch ?? fsWatch)(dir, (_event, file) => {
        if (file === null || names.has(String(file))) check();
      });
      watcher.on("error", (err) => {
        log(`warning: cannot watch ${dir} for the control socket (${err.message}); checking it every ${(o.intervalMs ?? 2000) / 1000} s`);
        poll();
      });
    } catch (err) {
      log(`warning: cannot watch ${dir} for the control socket (${(err as Error).message}); checking it every ${(o.intervalMs ?? 2000) / 1000} s`);
      poll();
    }
  };
  const poll = () => {
    watcher?.close();
    watcher = null;
    if (timer !== null || stopped) return;
    timer = setInterval(check, o.intervalMs ?? 2000);
    timer.unref();
  };

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
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      rmSync(sock, { force: true });
    } catch (err) {
      log(`warning: cannot re-create the control socket ${sock}: ${(err as Error).message}; trying again`);
      rebinding = false;
      poll(); // nothing to watch until the directory can be made: try again on the timer
      return;
    }
    watchDir();
    const next = net.createServer((c) => server.emit("connection", c));
    next.once("error", (err) => {
      log(`warning: cannot bind the control socket ${sock}: ${err.message}; trying again`);
      rebinding = false;
      poll();
    });
    listenOwnerOnly(next, sock, (chmodError) => {
      rebinding = false;
      if (stopped) return void next.close();
      spare = next;
      // removed again already: the next check binds it again
      if (chmodError) log(`warning: cannot make the control socket ${sock} owner-only: ${chmodError.message}`);
      bound = inode();
      // removed again while it was being bound: that event found the keeper busy
      check();
    });
  };

  watchDir();
  // removed or replaced between the bind and now (a busy machine can hold the daemon that long):
  // no watch saw it, so nothing else would bind it again
  if (bound === null || bound === -1) rebind();

  function stop(): void {
    if (stopped) return;
    stopped = true;
    watcher?.close();
    watcher = null;
    if (timer !== null) clearInterval(timer);
    timer = null;
    spare?.close();
    spare = null;
  }
  server.once("close", stop);
  return stop;
}
