// Errors for people: one message, an exit code, no stack trace unless --debug.

/** Bad usage or bad config: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** An operation that failed: exit code 1. */
export class OperationError extends Error {
  readonly exitCode = 1;
}

export function reportError(err: unknown, debug: boolean): number {
  const code =
    err && typeof err === "object" && "exitCode" in err && typeof err.exitCode === "number"
      ? (err as { exitCode: number }).exitCode
      : 1;
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`postdeck: ${message}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
  return code;
}
