// What to do after a supervised process exits: restart after a backoff, stop, or give up (failed).
// The first restart after a stable run is immediate (a one-off crash costs no waiting); from the
// second consecutive restart on, the backoff is initialDelayMs × 1.5^n with ±10 % jitter, capped at
// maxDelayMs, so a crash loop waits as long as ever. The count of consecutive restarts resets once
// a run stayed up for resetAfterS seconds (pm2's model).
import type { RestartConfig } from "../../config/schema.js";

export const BACKOFF_FACTOR = 1.5;
export const JITTER = 0.1;

/** Delay before restart number `n` (0-based count of consecutive restarts). `random` in [0,1), 0.5 = no jitter. */
export function backoffDelayMs(n: number, cfg: Pick<RestartConfig, "initialDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  const raw = cfg.initialDelayMs * Math.pow(BACKOFF_FACTOR, n);
  const jittered = raw * (1 + (random() * 2 - 1) * JITTER);
  return Math.round(Math.min(cfg.maxDelayMs, Math.max(0, jittered)));
}

/**
 * Delay before restart number `n` (0-based count of consecutive restarts): 0 for the first (the
 * process is back at once), then backoffDelayMs(n) (≥ initialDelayMs, growing ×1.5 to the cap).
 */
export function restartDelayMs(n: number, cfg: Pick<RestartConfig, "initialDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  return n === 0 ? 0 : backoffDelayMs(n, cfg, random);
}

export interface ExitFacts {
  code: number | null;
  signal: string | null;
  uptimeMs: number; // how long the run lasted
  consecutive: number; // consecutive restarts before this exit
  stopRequested: boolean;
}

export type ExitDecision =
  | { action: "stop"; reason: string | null }
  | { action: "fail"; reason: string }
  | { action: "restart"; delayMs: number; consecutive: number };

export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  if (code === null) return "an unknown exit status (process was adopted)";
  return `exit code ${code}`;
}

export function decideAfterExit(f: ExitFacts, cfg: RestartConfig, random: () => number = Math.random): ExitDecision {
  if (f.stopRequested) return { action: "stop", reason: null };
  const clean = f.code === 0 && f.signal === null;
  if (cfg.policy === "never") {
    return clean
      ? { action: "stop", reason: "exited normally (exit code 0)" }
      : { action: "fail", reason: `exited with ${describeExit(f.code, f.signal)} (restart policy: never)` };
  }
  if (cfg.policy === "on-failure" && clean) return { action: "stop", reason: "exited normally (exit code 0; restart policy on-failure)" };
  const consecutive = f.uptimeMs >= cfg.resetAfterS * 1000 ? 0 : f.consecutive;
  if (consecutive >= cfg.maxRestarts) {
    return {
      action: "fail",
      reason: `exited with ${describeExit(f.code, f.signal)}; gave up after ${cfg.maxRestarts} restart(s) in a row (restart.maxRestarts)`,
    };
  }
  return { action: "restart", delayMs: restartDelayMs(consecutive, cfg, random), consecutive: consecutive + 1 };
}
