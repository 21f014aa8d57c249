// Simulated disks for the demo rig: several simulated post-services whose PoS dirs are on one
// simulated disk share its read bandwidth, as provers on one real disk do. The rig describes its
// disks in a JSON file named by POSTDECK_SIM_DISKS:
//   {"disks": {"simdisk-a": {"readBytesPerSec": 300000, "dirs": ["/rig/pos/post1", …]}, …}}
// A prover reading its PoS data holds a lease (a file named by its pid) in
// <that file's dir>/sim-disks/<disk>/ and reads at readBytesPerSec ÷ the number of live leases,
// re-counted as it goes. A lease of a process that is gone (killed mid-read) does not count.
import fs from "node:fs";
import path from "node:path";
import { processAlive as alive } from "../../process-alive.js";

export interface SimDisk {
  name: string;
  readBytesPerSec: number;
  leaseDir: string;
}

interface DisksFile {
  disks?: Record<string, { readBytesPerSec?: unknown; dirs?: unknown }>;
}

/** The simulated disk holding `dir`, or null (no file, not listed: the old per-process rate applies). */
export function simDiskOf(dir: string, file: string | undefined): SimDisk | null {
  if (!file) return null;
  let parsed: DisksFile;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8")) as DisksFile;
  } catch {
    return null;
  }
  const abs = path.resolve(dir);
  let best: { name: string; bps: number; len: number } | null = null;
  for (const [name, d] of Object.entries(parsed.disks ?? {})) {
    const bps = Number(d.readBytesPerSec);
    if (!Number.isFinite(bps) || bps <= 0 || !Array.isArray(d.dirs)) continue;
    for (const p of d.dirs) {
      if (typeof p !== "string") continue;
      const base = path.resolve(p);
      if ((abs === base || abs.startsWith(base + "/")) && (!best || base.length > best.len)) best = { name, bps, len: base.length };
    }
  }
  return best ? { name: best.name, readBytesPerSec: best.bps, leaseDir: path.join(path.dirname(file), "sim-disks", best.name) } : null;
}

/** Live readers on the disk now (this process included once it holds its lease). */
export function readersOn(disk: SimDisk): number {
  let names: string[];
  try {
    names = fs.readdirSync(disk.leaseDir);
  } catch {
    return 1;
  }
  let n = 0;
  for (const f of names) {
    const pid = Number(f);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (alive(pid)) n++;
    else fs.rmSync(path.join(disk.leaseDir, f), { force: true });
  }
  return Math.max(1, n);
}

/**
 * Live readers per simulated disk of a rig whose sim-disks file lies in `rigDir` (what a bench or a
 * test counts from outside; leaves stale leases for the readers to clean up).
 */
export function readersPerDisk(rigDir: string): Record<string, number> {
  const base = path.join(rigDir, "sim-disks");
  const out: Record<string, number> = {};
  for (const d of fs.existsSync(base) ? fs.readdirSync(base) : []) {
    out[d] = fs.readdirSync(path.join(base, d)).filter((f) => Number.isInteger(Number(f)) && Number(f) > 0 && alive(Number(f))).length;
  }
  return out;
}

/** Takes this process's lease on the disk; returns the function that gives it back. */
export function takeLease(disk: SimDisk, pid = process.pid): () => void {
  fs.mkdirSync(disk.leaseDir, { recursive: true });
  const file = path.join(disk.leaseDir, String(pid));
  fs.writeFileSync(file, `${Date.now()}\n`);
  return () => fs.rmSync(file, { force: true });
}
