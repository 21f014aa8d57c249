// Which volume holds each PoS dir / data folder, its total and free space, and its READ
// throughput (the proving bottleneck: one full sequential read of all PoS data per proof).
//
// Sources:
// - mount table: systeminformation `fsSize()` (mount point + source device, e.g. /dev/sda1,
//   /dev/mapper/vg-lv, overlay). It spawns `df`, so it is refreshed rarely, not per tick.
//   fsSize leaves out tmpfs-like mounts, so each match is checked against the path's st_dev and,
//   when it does not hold, the mount point is found by walking up to where st_dev changes.
// - space: statfs(2) per tick (one syscall per volume).
// - read bytes: /proc/diskstats, per device incl. partitions, dm-N, md, loop (sectors read × 512).
//   systeminformation's `disksIO()` / `fsStats()` only give machine-wide sums over whole disks
//   (and spawn lsblk + cat each call), so the per-device counters are read from /proc/diskstats.
//   The device of a volume is its filesystem's st_dev (major:minor) — the kernel's own answer —
//   else the mount's source device name resolved through /dev symlinks. Overlay, tmpfs, NFS, ZFS
//   (anonymous st_dev, no block device) → readBytesPerSec null, never a guess.
import { promises as fsp } from "node:fs";
import path from "node:path";
import type { Volume } from "../../protocol/model.js";

/** One mount from the mount table (systeminformation fsSize: `mount`, `fs`, `size`, `available`). */
export type MountEntry = {
  mount: string;
  /** Source device as the mount table names it: "/dev/sda1", "/dev/mapper/vg-root", "overlay", "tank/pos"… */
  device: string | null;
  totalBytes?: number;
  freeBytes?: number;
};

export type DevNumber = { major: number; minor: number };

export type DiskCounters = DevNumber & { sectorsRead: number };

/** A reading of /proc/diskstats: device name → counters, and when it was taken (ms). */
export type DiskstatsSample = { at: number; devices: Map<string, DiskCounters> };

/** The filesystem calls the mapper makes; tests inject fakes. */
export type FsProbe = {
  realpath(p: string): Promise<string>;
  /** st_dev of p as (major, minor); null when p cannot be stat'ed. */
  devOf(p: string): Promise<DevNumber | null>;
  statfs(p: string): Promise<{ totalBytes: number; freeBytes: number } | null>;
};

/** Linux dev_t → (major, minor), glibc's gnu_dev_major/minor. */
export function decodeDev(dev: bigint): DevNumber {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

export const nodeFsProbe: FsProbe = {
  realpath: (p) => fsp.realpath(p),
  async devOf(p) {
    try {
      return decodeDev((await fsp.stat(p, { bigint: true })).dev);
    } catch {
      return null;
    }
  },
  async statfs(p) {
    try {
      const s = await fsp.statfs(p);
      return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
    } catch {
      return null;
    }
  },
};

/**
 * Parse /proc/diskstats: `major minor name reads merged sectorsRead …` per line.
 * Sectors are always 512-byte units there, whatever the device's sector size.
 */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const major = Number(f[0]);
    const minor = Number(f[1]);
    const sectorsRead = Number(f[5]);
    const name = f[2];
    if (!name || !Number.isInteger(major) || !Number.isInteger(minor) || !Number.isFinite(sectorsRead)) continue;
    out.set(name, { major, minor, sectorsRead });
  }
  return out;
}

/** `child` is `parent` or inside it (segment boundary: /mnt/a does not contain /mnt/ab). */
export function isWithin(child: string, parent: string): boolean {
  if (parent === "/") return child.startsWith("/");
  return child === parent || child.startsWith(parent.endsWith("/") ? parent : `${parent}/`);
}

/** The mount with the longest mount point containing `realPath` (nested mounts win). */
export function longestMount(realPath: string, mounts: MountEntry[]): MountEntry | null {
  let best: MountEntry | null = null;
  for (const m of mounts) {
    if (isWithin(realPath, m.mount) && (best === null || m.mount.length > best.mount.length)) best = m;
  }
  return best;
}

/**
 * The /proc/diskstats name of a volume's device: by st_dev major:minor first (anonymous
 * st_dev, major 0, means no block device), else by the source device name resolved through
 * /dev symlinks (/dev/mapper/x → dm-N, /dev/disk/by-uuid/… → sdb1). null when unknown.
 */
export async function resolveDiskName(
  dev: DevNumber | null,
  device: string | null,
  disks: Map<string, DiskCounters>,
  realpath: (p: string) => Promise<string>,
): Promise<string | null> {
  if (dev !== null && dev.major !== 0) {
    for (const [name, c] of disks) if (c.major === dev.major && c.minor === dev.minor) return name;
  }
  if (device?.startsWith("/dev/")) {
    let resolved = device;
    try {
      resolved = await realpath(device);
    } catch {
      // not visible here (e.g. /dev/root in a container): try the name as written
    }
    for (const candidate of [path.basename(resolved), path.basename(device)]) {
      if (disks.has(candidate)) return candidate;
    }
  }
  return null;
}

/** Read bytes/s of `name` between two diskstats samples; null when unknown, reset or no time passed. */
export function readRate(prev: DiskstatsSample | null, cur: DiskstatsSample | null, name: string | null): number | null {
  if (prev === null || cur === null || name === null) return null;
  const a = prev.devices.get(name);
  const b = cur.devices.get(name);
  const seconds = (cur.at - prev.at) / 1000;
  if (!a || !b || seconds <= 0 || a.major !== b.major || a.minor !== b.minor) return null;
  const sectors = b.sectorsRead - a.sectorsRead;
  if (sectors < 0) return null; // counter reset (device re-attached)
  return (sectors * 512) / seconds;
}

/** The nearest existing ancestor's real path (a PoS dir may not exist yet), and whether that is p's own. */
async function realOrAncestor(p: string, realpath: (p: string) => Promise<string>): Promise<{ real: string; own: boolean } | null> {
  const own = path.resolve(p);
  let cur = own;
  for (;;) {
    try {
      return { real: await realpath(cur), own: cur === own };
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return null;
      cur = up;
    }
  }
}

/** The mount point of `realPath` found by st_dev alone: the highest ancestor on the same device. */
async function mountByDev(realPath: string, dev: DevNumber, probe: FsProbe): Promise<string> {
  let top = realPath;
  let cur = realPath;
  while (cur !== "/") {
    const up = path.dirname(cur);
    const d = await probe.devOf(up);
    if (d === null || d.major !== dev.major || d.minor !== dev.minor) break;
    top = up;
    cur = up;
  }
  return top;
}

/** A volume as mapped (before space and rates): which paths, which device. */
export type MappedVolume = {
  mount: string;
  device: string | null;
  diskName: string | null;
  paths: string[];
  /** Of its paths, those that did not exist (counted for their nearest existing ancestor). */
  missing: string[];
  fallback: { totalBytes?: number; freeBytes?: number };
};

/**
 * Group `paths` by the volume holding them. A path that does not exist counts for its nearest
 * existing ancestor. Volumes come out in the order of their first path.
 */
export async function mapVolumes(
  paths: string[],
  mounts: MountEntry[],
  disks: Map<string, DiskCounters>,
  probe: FsProbe,
): Promise<MappedVolume[]> {
  const byMount = new Map<string, MappedVolume>();
  for (const p of paths) {
    const found = await realOrAncestor(p, probe.realpath);
    if (found === null) continue;
    const real = found.real;
    const dev = await probe.devOf(real);
    let entry = longestMount(real, mounts);
    if (entry !== null && dev !== null) {
      const mountDev = await probe.devOf(entry.mount);
      if (mountDev === null || mountDev.major !== dev.major || mountDev.minor !== dev.minor) entry = null;
    }
    if (entry === null) {
      // Not in the mount table (fsSize leaves out tmpfs & co.): find the mount point by st_dev.
      entry = { mount: dev !== null ? await mountByDev(real, dev, probe) : real, device: null };
    }
    let vol = byMount.get(entry.mount);
    if (!vol) {
      vol = {
        mount: entry.mount,
        device: entry.device,
        diskName: await resolveDiskName(dev, entry.device, disks, probe.realpath),
        paths: [],
        missing: [],
        fallback: { totalBytes: entry.totalBytes, freeBytes: entry.freeBytes },
      };
      byMount.set(entry.mount, vol);
    }
    if (!vol.paths.includes(p)) vol.paths.push(p);
    if (!found.own && !vol.missing.includes(p)) vol.missing.push(p);
  }
  return [...byMount.values()];
}

/** Space and read throughput of mapped volumes, from statfs and two diskstats samples. */
export async function measureVolumes(
  mapped: MappedVolume[],
  prev: DiskstatsSample | null,
  cur: DiskstatsSample | null,
  probe: FsProbe,
): Promise<Volume[]> {
  const out: Volume[] = [];
  for (const v of mapped) {
    const space = await probe.statfs(v.mount);
    out.push({
      mount: v.mount,
      device: v.device ?? (v.diskName !== null ? `/dev/${v.diskName}` : null),
      paths: [...v.paths],
      totalBytes: space?.totalBytes ?? v.fallback.totalBytes ?? 0,
      freeBytes: space?.freeBytes ?? v.fallback.freeBytes ?? 0,
      readBytesPerSec: readRate(prev, cur, v.diskName),
    });
  }
  return out;
}
