// Errors for people: one message, an exit code, no stack trace unless --debug.
import { commandPrefix } from "../presentation/command-hint.js";

/** Bad usage or bad config: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** An operation that failed: exit code 1. */
export class OperationError extends Error {
  readonly exitCode = 1;
}

/** `doctor` and `status`: 1 when any finding is an error (something is wrong now), 0 otherwise. */
export function findingsExitCode(findings: readonly { severity: string }[]): number {
  return findings.some((f) => f.severity === "error") ? 1 : 0;
}

export function reportError(err: unknown, debug: boolean): number {
  const code =
    err && typeof err === "object" && "exitCode" in err && typeof err.exitCode === "number"
      ? (err as { exitCode: number }).exitCode
      : 1;
  const message = hintsFromHere(err instanceof Error ? err.message : String(err));
  process.stderr.write(`postdeck: ${message}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
  return code;
}

// A command a message suggests in backticks, in parentheses or after sudo — "start it with
// `postdeck daemon start` or just `postdeck`", "use it (postdeck status)", "sudo postdeck systemd
// install" — made one that runs from where the user is: `node bin/postdeck.js status` from a clone.
// Only before a command word (or the closing backtick), so "another postdeck daemon (pid 12)" stays;
// not a command for another host ("start it there with `postdeck daemon start`": a rig over ssh).
const SUGGESTED = /(\(|(?<!there with )`|\bsudo )postdeck(?=`| (?:status|daemon|doctor|config|identity|logs|start|stop|restart|plan|systemd|demo|alerts|fleet|tui|--rig|--config)\b)/g;

export function hintsFromHere(message: string, prefix = commandPrefix()): string {
  return prefix === "postdeck" ? message : message.replace(SUGGESTED, (_m, before: string) => `${before}${prefix}`);
}
