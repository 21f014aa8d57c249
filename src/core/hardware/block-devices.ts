// Which physical disk(s) each PoS dir lives on: the proving orchestrator gives each physical disk
// one lane, because provers that read the same disk share its bandwidth and all finish late.
//
// path → its mount (the longest mount point above it in /proc/self/mountinfo) → the mount's block
// device (major:minor, field 3) → /sys/dev/block/MAJ:MIN → the device's name → down to whole disks:
//   - a partition (…/block/sda/sda1, has a `partition` file) is on its parent disk (sda);
//   - a device-mapper (LVM, dm-crypt) or md RAID device lists what it is built on in `slaves/`
//     (the reverse of `holders/`): followed recursively, so an LV striped over two disks is on both.
// Filesystems without a block device (tmpfs, overlay, NFS, ZFS datasets) have an anonymous major 0:
// their lane is the mount itself ("mount:/data"), never a guess. The config's `proving.disks`
// (disk name → dirs) overrides all of this. Dirs whose disks overlap share one lane.
import { promises as fsp } from "node:fs";
import path from "node:path";

export interface BlockRoots {
  /** The mount table: /proc/self/mountinfo. */
  mountinfo: string;
  /** The sysfs root: /sys. */
  sys: string;
}

export const SYSTEM_ROOTS: BlockRoots = { mountinfo: "/proc/self/mountinfo", sys: "/sys" };

export interface MountInfoEntry {
  mountPoint: string;
  major: number;
  minor: number;
  fsType: string;
  source: string;
}

export interface DiskMapping {
  dir: string;
  /** The lane: whole-disk names joined with "+", a configured name, or "mount:<mount point>". */
  disk: string;
  /** Whole disks under the dir (e.g. ["sda"], ["sdb","sdc"] for an md or LVM set); [] when none. */
  devices: string[];
  /** The block device the filesystem is mounted from (e.g. "sda1", "dm-0", "md0"), null when none. */
  mountDevice: string | null;
  mount: string | null;
  source: "sys" | "config" | "mount" | "unknown";
}

const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parses /proc/self/mountinfo (proc(5)): `id parent MAJ:MIN root mountpoint opts [tags] - fstype source superopts`. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const dash = f.indexOf("-");
    if (f.length < 7 || dash < 6) continue;
    const mm = /^(\d+):(\d+)$/.exec(f[2]!);
    if (!mm) continue;
    out.push({ mountPoint: unescapeMount(f[4]!), major: Number(mm[1]), minor: Number(mm[2]), fsType: f[dash + 1] ?? "", source: unescapeMount(f[dash + 2] ?? "") });
  }
  return out;
}

/** The mount holding `p` (absolute, symlinks resolved): the last-listed of the longest matching mount points. */
export function mountOf(p: string, mounts: MountInfoEntry[]): MountInfoEntry | null {
  let best: MountInfoEntry | null = null;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const under = mp === "/" || p === mp || p.startsWith(mp.endsWith("/") ? mp : mp + "/");
    if (!under) continue;
    if (!best || mp.length >= best.mountPoint.length) best = m; // later mounts shadow earlier ones
  }
  return best;
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(() => true, () => false);
}

/** Whole disks beneath block device `name` (sysfs names, e.g. "sda1" → ["sda"], "dm-0" → its slaves' disks). */
export async function wholeDisksOf(sys: string, name: string, depth = 0): Promise<string[]> {
  if (depth > 8) return [name];
  const dev = path.join(sys, "class", "block", name);
  const slaves = await fsp.readdir(path.join(dev, "slaves")).catch(() => [] as string[]);
  if (slaves.length > 0) {
    const all = await Promise.all(slaves.map((s) => wholeDisksOf(sys, s, depth + 1)));
    return [...new Set(all.flat())].sort();
  }
  if (await exists(path.join(dev, "partition"))) {
    // /sys/class/block/sda1 → …/block/sda/sda1: the parent directory is the disk
    const real = await fsp.realpath(dev).catch(() => null);
    if (real) return [path.basename(path.dirname(real))];
  }
  return [name];
}

/** sysfs name of block device MAJ:MIN (/sys/dev/block/MAJ:MIN is a symlink to the device), null when absent. */
export async function blockDeviceName(sys: string, major: number, minor: number): Promise<string | null> {
  const link = path.join(sys, "dev", "block", `${major}:${minor}`);
  const real = await fsp.realpath(link).catch(() => null);
  return real ? path.basename(real) : null;
}

/** The dir with symlinks resolved; a dir that does not exist yet resolves through its nearest existing parent. */
async function resolveDir(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  let probe = abs;
  const rest: string[] = [];
  for (;;) {
    const real = await fsp.realpath(probe).catch(() => null);
    if (real) return path.join(real, ...rest);
    const up = path.dirname(probe);
    if (up === probe) return abs;
    rest.unshift(path.basename(probe));
    probe = up;
  }
}

/** The configured lane for `dir`: the disk whose listed path is the longest prefix of it. */
export function overrideFor(dir: string, overrides: Record<string, string[]>): string | null {
  let best: { disk: string; len: number } | null = null;
  for (const [disk, paths] of Object.entries(overrides)) {
    for (const p of paths) {
      const base = path.resolve(p);
      if (dir === base || dir.startsWith(base.endsWith("/") ? base : base + "/")) {
        if (!best || base.length > best.len) best = { disk, len: base.length };
      }
    }
  }
  return best?.disk ?? null;
}

/** Maps each dir to its lane. Never throws: an unreadable mount table or sysfs gives source "unknown"/"mount". */
export async function mapDirsToDisks(dirs: string[], o: { roots?: BlockRoots; overrides?: Record<string, string[]> } = {}): Promise<DiskMapping[]> {
  const roots = o.roots ?? SYSTEM_ROOTS;
  const overrides = o.overrides ?? {};
  const mounts = parseMountInfo(await fsp.readFile(roots.mountinfo, "utf8").catch(() => ""));
  const out: DiskMapping[] = [];
  for (const dir of dirs) {
    const abs = path.resolve(dir);
    const configured = overrideFor(abs, overrides);
    const real = await resolveDir(abs);
    const m = mountOf(real, mounts);
    let devices: string[] = [];
    let mountDevice: string | null = null;
    if (m && m.major !== 0) {
      mountDevice = await blockDeviceName(roots.sys, m.major, m.minor);
      if (mountDevice) devices = await wholeDisksOf(roots.sys, mountDevice);
    }
    const base = { dir, devices, mountDevice, mount: m?.mountPoint ?? null };
    if (configured) out.push({ ...base, disk: configured, source: "config" });
    else if (devices.length > 0) out.push({ ...base, disk: devices.join("+"), source: "sys" });
    else if (m) out.push({ ...base, disk: `mount:${m.mountPoint}`, source: "mount" });
    else out.push({ ...base, disk: "unknown", source: "unknown" });
  }
  return mergeSharedDisks(out);
}

/** Dirs found on overlapping sets of disks (e.g. md0 over sda+sdb, and sdb1) share one lane. */
export function mergeSharedDisks(maps: DiskMapping[]): DiskMapping[] {
  const lanes = maps.map((m) => m.disk);
  const sysIdx = maps.map((m, i) => (m.source === "sys" ? i : -1)).filter((i) => i >= 0);
  let merged = true;
  while (merged) {
    merged = false;
    for (const i of sysIdx) {
      for (const j of sysIdx) {
        if (lanes[i] === lanes[j]) continue;
        const a = new Set(lanes[i]!.split("+"));
        const b = lanes[j]!.split("+");
        if (b.some((d) => a.has(d))) {
          const name = [...new Set([...a, ...b])].sort().join("+");
          const old = [lanes[i], lanes[j]];
          for (let k = 0; k < lanes.length; k++) if (old.includes(lanes[k])) lanes[k] = name;
          merged = true;
        }
      }
    }
  }
  return maps.map((m, i) => ({ ...m, disk: lanes[i]! }));
}
