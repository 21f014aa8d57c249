// CPU and RSS of the supervised processes, from /proc/<pid>/stat: nothing is spawned (pidusage,
// used before, ran `getconf` for the clock tick and page size at its first call) and one descriptor
// per pid is kept open between samples, so a sample of N pids is N reads. The reads are synchronous
// into one buffer: a /proc file is made by the kernel as it is read (no disk), a few µs each, where
// a trip through libuv's thread pool and back cost more on both threads, plus a zeroed 1 KiB
// buffer and a promise per pid (64 services: 64 of each every 30 s on an idle daemon).
//
// The CPU % of a pid is computed over the time since the previous sample of that pid; that history
// is module-global: exactly one caller (the supervisor, every 2 s) should sample service pids.
import { closeSync, openSync, readFileSync, readSync } from "node:fs";

export type ProcessUsage = {
  /** % of ONE core since the previous sample of this pid (can exceed 100 on several cores, like top). */
  cpuPercent: number;
  rssBytes: number;
};

/** USER_HZ: the unit of the times in /proc/<pid>/stat on every Linux architecture. */
const CLK_TCK = 100;

type Seen = { fd: number; startTicks: number; cpuTicks: number; at: number };
let seen = new Map<number, Seen>();
let pageSize: number | null = null;
/** /proc/<pid>/stat is at most a few hundred bytes (comm is at most 16). */
const statBuf = Buffer.allocUnsafe(1024);

function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* closed already */
  }
}

/** The kernel's page size: this process's RSS in bytes over its RSS in pages, to a power of two. */
function pageBytes(): number {
  if (pageSize !== null) return pageSize;
  pageSize = 4096;
  try {
    const pages = Number(statFields(readFileSync("/proc/self/stat", "utf8"))?.[21]);
    const bytes = process.memoryUsage.rss();
    if (pages > 0) pageSize = 2 ** Math.round(Math.log2(bytes / pages));
  } catch {
    /* keep 4096 */
  }
  return pageSize;
}

/** Fields of a /proc/<pid>/stat text from field 3 (state) on: [0] = state, [11] = utime … (comm may hold spaces). */
function statFields(text: string): string[] | null {
  const close = text.lastIndexOf(")");
  return close < 0 ? null : text.slice(close + 2).split(" ");
}

type Reading = { state: string; cpuTicks: number; startTicks: number; rssPages: number };

function read(fd: number): Reading | null {
  const bytesRead = readSync(fd, statBuf, 0, statBuf.length, 0);
  const f = statFields(statBuf.toString("latin1", 0, bytesRead));
  if (!f) return null;
  return { state: f[0]!, cpuTicks: Number(f[11]) + Number(f[12]), startTicks: Number(f[19]), rssPages: Number(f[21]) };
}

function uptimeSeconds(): number {
  try {
    return parseFloat(readFileSync("/proc/uptime", "utf8"));
  } catch {
    return 0;
  }
}

/** The pid's reading and its open descriptor; a descriptor of a process that died is replaced once. */
function sampleOne(pid: number): { r: Reading; fd: number; old: Seen | undefined } | null {
  let old = seen.get(pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd = old?.fd;
    try {
      fd ??= openSync(`/proc/${pid}/stat`, "r");
      const r = read(fd);
      if (r && r.state !== "Z" && r.state !== "X" && (!old || old.startTicks === r.startTicks)) return { r, fd, old };
    } catch {
      /* gone, or its descriptor belongs to a process that died: open again once */
    }
    if (fd !== undefined) closeFd(fd);
    if (!old) return null;
    seen.delete(pid);
    old = undefined;
  }
  return null;
}

function isValidPid(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0;
}

/**
 * CPU % and RSS for each live pid. Dead, zombie or invalid pids are simply absent; never throws.
 * The first sample of a pid reports its lifetime average CPU.
 */
export async function sampleProcesses(pids: number[]): Promise<Map<number, ProcessUsage>> {
  const wanted = [...new Set(pids.filter(isValidPid))];
  const out = new Map<number, ProcessUsage>();
  const next = new Map<number, Seen>();
  const now = Date.now();
  let uptime: number | null = null;
  for (const pid of wanted) {
    const got = sampleOne(pid);
    if (!got) continue;
    const { r, fd, old } = got;
    let cpu: number;
    if (old && now > old.at) cpu = ((r.cpuTicks - old.cpuTicks) / CLK_TCK / ((now - old.at) / 1000)) * 100;
    else {
      uptime ??= uptimeSeconds();
      const lived = uptime - r.startTicks / CLK_TCK;
      cpu = lived > 0 ? (r.cpuTicks / CLK_TCK / lived) * 100 : 0;
    }
    out.set(pid, { cpuPercent: Number.isFinite(cpu) ? Math.max(0, cpu) : 0, rssBytes: r.rssPages * pageBytes() });
    next.set(pid, { fd, startTicks: r.startTicks, cpuTicks: r.cpuTicks, at: now });
  }
  // descriptors of pids no longer asked for are closed
  for (const [pid, s] of seen) if (!next.has(pid)) closeFd(s.fd);
  seen = next;
  return out;
}

/** Forgets every pid's history and closes its descriptor (supervisor shutdown, between tests). */
export function clearProcessUsageCache(): void {
  for (const s of seen.values()) closeFd(s.fd);
  seen = new Map();
}
