// Binding the control socket so that only its owner can ever connect. A Unix socket file is made
// by bind() with the process's umask applied to 0777 (0755 under the usual 022), and a chmod after
// the listen callback leaves a window in which the socket exists with that mode: a client (or a
// test) that finds the file in that window sees it open to the group and others. Node's listen()
// on a path binds synchronously, so a umask of 0177 held for just that call makes the file 0600
// from its first instant; the chmod after it stays for the case where the umask cannot be set.
import { chmodSync } from "node:fs";
import type net from "node:net";

/** Mode of the control socket: read and write for its owner only. */
export const SOCKET_MODE = 0o600;

/**
 * `server.listen(sock)` with the socket file owner-only from the moment it exists. Calls `onListening`
 * once it listens (after the mode was set again by chmod); errors reach the server's "error" event
 * as with listen(). The umask is the process's own: files other code creates in the threadpool
 * during the synchronous bind get a stricter mode, never a looser one.
 */
export function listenOwnerOnly(server: net.Server, sock: string, onListening: (chmodError: Error | null) => void): void {
  let previous: number | null = null;
  try {
    previous = process.umask(0o777 & ~SOCKET_MODE);
  } catch {
    // a worker thread may not change the umask: the chmod below is all there is
  }
  try {
    server.listen(sock, () => {
      try {
        chmodSync(sock, SOCKET_MODE);
        onListening(null);
      } catch (err) {
        onListening(err as Error);
      }
    });
  } finally {
    if (previous !== null) process.umask(previous);
  }
}
