// Temp dirs for tests (under os.tmpdir()), removed by cleanupTempDirs().
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const made: string[] = [];

export function tempDir(prefix = "pd-test-"): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/**
 * Kills every process whose command line names one of the dirs (services a daemon started in
 * their own process groups outlive the daemon on purpose; a test must not leave them behind).
 */
export function killProcessesUsing(dirs: string[]): void {
  if (dirs.length === 0) return;
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${e}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (dirs.some((d) => cmd.includes(d))) {
      try {
        process.kill(Number(e), "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
}

export function cleanupTempDirs(): void {
  const dirs = made.splice(0);
  killProcessesUsing(dirs);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
