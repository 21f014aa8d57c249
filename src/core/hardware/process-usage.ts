// CPU and RSS of the supervised processes, from /proc/<pid>/stat with async reads: nothing is
// spawned (pidusage, used before, ran `getconf` for the clock tick and page size at its first
// call) and one descriptor per pid is kept open between samples, so a sample of N pids is N reads.
//
// The CPU % of a pid is computed over the time since the previous sample of that pid; that history
// is module-global: exactly one caller (the supervisor, every 2 s) should sample service pids.
import { promises as fsp, readFileSync } from "node:fs";

export type ProcessUsage = {
  /** % of ONE core since the previous sample of this pid (can exceed 100 on several cores, like top). */
  cpuPercent: number;
  rssBytes: number;
};

/** USER_HZ: the unit of the times in /proc/<pid>/stat on every Linux architecture. */
const CLK_TCK = 100;

type Seen = { fh: fsp.FileHandle; startTicks: number; cpuTicks: number; at: number };
let seen = new Map<number, Seen>();
let pageSize: number | null = null;

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

async function read(fh: fsp.FileHandle): Promise<Reading | null> {
  const buf = Buffer.alloc(1024);
  const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
  const f = statFields(buf.subarray(0, bytesRead).toString("utf8"));
  if (!f) return null;
  return { state: f[0]!, cpuTicks: Number(f[11]) + Number(f[12]), startTicks: Number(f[19]), rssPages: Number(f[21]) };
}

async function uptimeSeconds(): Promise<number> {
  return parseFloat(await fsp.readFile("/proc/uptime", "utf8"));
}

/** The pid's reading and its open descriptor; a descriptor of a process that died is replaced once. */
async function sampleOne(pid: number): Promise<{ r: Reading; fh: fsp.FileHandle; old: Seen | undefined } | null> {
  let old = seen.get(pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fh = old?.fh;
    try {
      fh ??= await fsp.open(`/proc/${pid}/stat`, "r");
      const r = await read(fh);
      if (r && r.state !== "Z" && r.state !== "X" && (!old || old.startTicks === r.startTicks)) return { r, fh, old };
    } catch {
      /* gone, or its descriptor belongs to a process that died: open again once */
    }
    await fh?.close().catch(() => undefined);
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
  let uptime: Promise<number> | null = null;
  await Promise.all(
    wanted.map(async (pid) => {
      const got = await sampleOne(pid);
      if (!got) return;
      const { r, fh, old } = got;
      let cpu: number;
      if (old && now > old.at) cpu = ((r.cpuTicks - old.cpuTicks) / CLK_TCK / ((now - old.at) / 1000)) * 100;
      else {
        uptime ??= uptimeSeconds().catch(() => 0);
        const lived = (await uptime) - r.startTicks / CLK_TCK;
        cpu = lived > 0 ? (r.cpuTicks / CLK_TCK / lived) * 100 : 0;
      }
      out.set(pid, { cpuPercent: Number.isFinite(cpu) ? Math.max(0, cpu) : 0, rssBytes: r.rssPages * pageBytes() });
      next.set(pid, { fh, startTicks: r.startTicks, cpuTicks: r.cpuTicks, at: now });
    }),
  );
  // descriptors of pids no longer asked for are closed
  for (const [pid, s] of seen) if (!next.has(pid)) void s.fh.close().catch(() => undefined);
  seen = next;
  return out;
}

/** Forgets every pid's history and closes its descriptor (supervisor shutdown, between tests). */
export function clearProcessUsageCache(): void {
  for (const s of seen.values()) void s.fh.close().catch(() => undefined);
  seen = new Map();
}
