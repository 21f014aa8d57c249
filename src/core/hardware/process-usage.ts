// CPU and RSS of the supervised processes, via pidusage (Linux: /proc/<pid>/stat, no spawn).
//
// pidusage keeps a per-pid history (previous CPU times + an open fd on /proc/<pid>/stat) so that
// the CPU % of a call is computed over the time since the previous call for that pid. That history
// is process-global: exactly one caller (the supervisor, every 2 s) should sample service pids.
import { existsSync } from "node:fs";
import pidusage from "pidusage";

export type ProcessUsage = {
  /** % of ONE core since the previous sample of this pid (can exceed 100 on several cores, like top). */
  cpuPercent: number;
  rssBytes: number;
};

type PidStat = { cpu: number; memory: number; ctime: number; elapsed: number };

/** pids seen by the previous call: their pidusage history is warm, so `cpu` covers the interval. */
let warm = new Set<number>();
/** pids whose stale history was already dropped once and that stayed unreadable: not retried. */
const unreadable = new Set<number>();

async function query(pids: number[]): Promise<Record<string, PidStat | null | undefined>> {
  if (pids.length === 0) return {};
  try {
    // With several pids pidusage is "graceful": dead pids come back null/undefined.
    // With one pid it rejects instead (ENOENT / ESRCH).
    return (await pidusage(pids));
  } catch {
    return {};
  }
}

function isValidPid(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0;
}

/**
 * CPU % and RSS for each live pid. Dead or invalid pids are simply absent; never throws.
 * The first sample of a pid reports its lifetime average CPU (pidusage itself would say 0).
 */
export async function sampleProcesses(pids: number[]): Promise<Map<number, ProcessUsage>> {
  const wanted = [...new Set(pids.filter(isValidPid))];
  const out = new Map<number, ProcessUsage>();
  for (const pid of unreadable) if (!wanted.includes(pid)) unreadable.delete(pid);
  let stats = await query(wanted);

  // A pid that pidusage could not read but that exists was re-used after a process died while its
  // old /proc fd stayed cached: drop pidusage's history and read those pids again.
  // Each such pid triggers at most one clear until it is readable again (clear() costs fds, below).
  const stale = wanted.filter(
    (pid) => stats[String(pid)] == null && !unreadable.has(pid) && existsSync(`/proc/${pid}`),
  );
  if (stale.length > 0 && process.platform === "linux") {
    pidusage.clear();
    warm = new Set();
    stats = { ...stats, ...(await query(wanted)) };
    for (const pid of stale) if (stats[String(pid)] == null) unreadable.add(pid);
  }

  const nextWarm = new Set<number>();
  for (const pid of wanted) {
    const s = stats[String(pid)];
    if (s == null) continue;
    unreadable.delete(pid);
    const lifetime = s.elapsed > 0 ? (s.ctime / s.elapsed) * 100 : 0;
    const cpu = warm.has(pid) ? s.cpu : lifetime;
    out.set(pid, { cpuPercent: Number.isFinite(cpu) ? Math.max(0, cpu) : 0, rssBytes: s.memory });
    nextWarm.add(pid);
  }
  warm = nextWarm;
  return out;
}

/**
 * Forget pidusage's per-pid history (e.g. on supervisor shutdown, between tests).
 * Caveat (pidusage 4.1): its clear() drops the history without closing the cached
 * /proc/<pid>/stat descriptors, so call it rarely, not on every service exit; pidusage expires
 * entries of pids no longer asked for by itself after 60 s and closes their descriptors then.
 */
export function clearProcessUsageCache(): void {
  pidusage.clear();
  warm = new Set();
  unreadable.clear();
}
