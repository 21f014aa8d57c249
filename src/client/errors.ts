// Client-side errors for people.
import { existsSync } from "node:fs";

/** No daemon answers on the socket: exit code 1 with what to do. */
export class DaemonNotRunningError extends Error {
  readonly exitCode = 1;
  constructor(readonly socket: string) {
    super(`no daemon running (no answer on ${socket}); start it with \`postdeck daemon start\` or just \`postdeck\``);
  }
}

/**
 * A daemon holds the state dir's lock but nothing answers on its socket (the socket file was
 * removed, or the daemon is still starting or is stuck): never "no daemon" — say which one and how
 * to recover.
 */
export class DaemonUnreachableError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly pid: number,
    readonly socket: string,
    readonly stateDir: string,
  ) {
    super(
      `the postdeck daemon (pid ${pid}) holds the lock of ${stateDir} but does not answer on ${socket} (${existsSync(socket) ? "the socket is there but nobody accepts" : "the socket file is gone"}); ` +
        `it re-creates a removed socket within seconds and answers once started — if this persists, stop it with \`kill ${pid}\` (its services keep running) and start it again with \`postdeck daemon start\``,
    );
  }
}

/** The daemon answered with an error (ErrorBody) or an invalid response. */
export class DaemonCallError extends Error {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}
