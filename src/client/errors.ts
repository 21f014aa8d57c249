// Client-side errors for people.

/** No daemon answers on the socket: exit code 1 with what to do. */
export class DaemonNotRunningError extends Error {
  readonly exitCode = 1;
  constructor(readonly socket: string) {
    super(`no daemon running (no answer on ${socket}); start it with \`postdeck daemon start\` or just \`postdeck\``);
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
