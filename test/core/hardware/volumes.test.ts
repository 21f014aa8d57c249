import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeDev,
  type DevNumber,
  type DiskstatsSample,
  type FsProbe,
  longestMount,
  mapVolumes,
  measureVolumes,
  type MountEntry,
  parseDiskstats,
  readRate,
} from "../../../src/core/hardware/volumes.js";
import { VolumeSchema } from "../../../src/protocol/model.js";

/**
 * A fake machine: real mounts (what the kernel knows, with st_dev), existing directories,
 * symlinks, and /dev symlinks. The mount TABLE handed to mapVolumes is separate, as fsSize may
 * leave mounts out.
 */
function fakeMachine(opts: {
  kernelMounts: Record<string, DevNumber & { total: number; free: number }>;
  dirs: string[];
  links?: Record<string, string>;
  statfsFails?: string[];
}): FsProbe {
  const links = opts.links ?? {};
  const exists = (p: string) =>
    opts.dirs.some((d) => d === p || d.startsWith(p === "/" ? "/" : `${p}/`)) || p in links;
  const kernelMount = (p: string) => {
    let best = "/";
    for (const m of Object.keys(opts.kernelMounts)) {
      if ((p === m || p.startsWith(m === "/" ? "/" : `${m}/`)) && m.length > best.length) best = m;
    }
    return opts.kernelMounts[best]!;
  };
  const realpath = async (p: string): Promise<string> => {
    for (const [from, to] of Object.entries(links)) {
      if (p === from || p.startsWith(`${from}/`)) return realpath(to + p.slice(from.length));
    }
    if (!exists(p)) throw Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
    return p;
  };
  return {
    realpath,
    async devOf(p) {
      if (!exists(p)) return null;
      const m = kernelMount(p);
      return { major: m.major, minor: m.minor };
    },
    async statfs(p) {
      if (opts.statfsFails?.includes(p)) return null;
      const m = kernelMount(p);
      return { totalBytes: m.total, freeBytes: m.free };
    },
  };
}

const diskstatsText = [
  "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
  "   8       0 sda 90000 100 7000000 5000 100 10 2000 30 0 4000 5030 0 0 0 0 0 0",
  "   8       1 sda1 80000 90 6000000 4000 100 10 2000 30 0 3000 4030 0 0 0 0 0 0",
  "   8      16 sdb 5000 0 1000000 900 0 0 0 0 0 800 900",
  "   8      17 sdb1 4900 0 990000 880 0 0 0 0 0 790 880",
  " 253       0 dm-0 300 0 20000 50 0 0 0 0 0 40 50 0 0 0 0",
  " 259       0 nvme0n1 1 0 8 0 0 0 0 0 0 0 0",
].join("\n");

describe("parseDiskstats / decodeDev", () => {
  it("reads name, major:minor and sectors read from every line form (11, 15, 17+ fields)", () => {
    const d = parseDiskstats(diskstatsText);
    expect(d.get("sda1")).toEqual({ major: 8, minor: 1, sectorsRead: 6000000 });
    expect(d.get("sdb")).toEqual({ major: 8, minor: 16, sectorsRead: 1000000 });
    expect(d.get("dm-0")).toEqual({ major: 253, minor: 0, sectorsRead: 20000 });
    expect(d.size).toBe(7);
  });

  it("decodes Linux dev_t like glibc major()/minor()", () => {
    expect(decodeDev(65024n)).toEqual({ major: 254, minor: 0 }); // 0xfe00
    expect(decodeDev(2049n)).toEqual({ major: 8, minor: 1 });
    expect(decodeDev(27n)).toEqual({ major: 0, minor: 27 }); // anonymous (tmpfs)
    // makedev(259, 300): minor above 255 uses bits 20..31
    const big = (259n << 8n) | (300n & 0xffn) | ((300n & ~0xffn) << 12n);
    expect(decodeDev(big)).toEqual({ major: 259, minor: 300 });
  });
});

describe("longestMount", () => {
  const mounts: MountEntry[] = [
    { mount: "/", device: "/dev/sda1" },
    { mount: "/mnt/pos", device: "/dev/sdb1" },
    { mount: "/mnt/pos/fast", device: "/dev/nvme0n1" },
  ];
  it("picks the deepest mount and respects path segment boundaries", () => {
    expect(longestMount("/mnt/pos/fast/id2", mounts)?.mount).toBe("/mnt/pos/fast");
    expect(longestMount("/mnt/pos/id1", mounts)?.mount).toBe("/mnt/pos");
    expect(longestMount("/mnt/pos", mounts)?.mount).toBe("/mnt/pos");
    expect(longestMount("/mnt/posx/id3", mounts)?.mount).toBe("/");
    expect(longestMount("relative", mounts)).toBeNull();
  });
});

describe("mapVolumes + measureVolumes", () => {
  const GiB = 1024 ** 3;
  const kernelMounts = {
    "/": { major: 8, minor: 1, total: 500 * GiB, free: 100 * GiB },
    "/mnt/pos": { major: 8, minor: 17, total: 4000 * GiB, free: 300 * GiB },
    "/mnt/pos/fast": { major: 253, minor: 0, total: 1000 * GiB, free: 900 * GiB },
    "/dev/shm": { major: 0, minor: 27, total: 8 * GiB, free: 8 * GiB },
    "/var/lib/docker/overlay": { major: 0, minor: 45, total: 50 * GiB, free: 10 * GiB },
    "/mnt/gone": { major: 8, minor: 48, total: 10 * GiB, free: 1 * GiB },
  };
  const probe = fakeMachine({
    kernelMounts,
    dirs: [
      "/home/me/.spacemesh",
      "/mnt/pos/id1",
      "/mnt/pos/fast/id2",
      "/mnt/posx/id3",
      "/dev/shm/id5",
      "/var/lib/docker/overlay/id6",
      "/mnt/gone/id7",
      "/dev/dm-0",
    ],
    links: { "/srv/pos4": "/mnt/pos/id1", "/dev/mapper/vg-fast": "/dev/dm-0" },
  });
  const table: MountEntry[] = [
    { mount: "/", device: "/dev/sda1", totalBytes: 1, freeBytes: 1 },
    { mount: "/mnt/pos", device: "/dev/sdb1" },
    { mount: "/mnt/pos/fast", device: "/dev/mapper/vg-fast" },
    // overlay with an anonymous st_dev; /dev/shm (tmpfs) is absent, as fsSize leaves it out
    { mount: "/var/lib/docker/overlay", device: "overlay" },
    { mount: "/mnt/gone", device: "/dev/sdd" }, // not in diskstats: unplugged / unknown
  ];
  const disks = parseDiskstats(diskstatsText);

  it("groups paths by volume: nested mounts, symlinks, not-yet-created dirs, boundaries", async () => {
    const mapped = await mapVolumes(
      [
        "/mnt/pos/id1",
        "/mnt/pos/fast/id2",
        "/mnt/posx/id3",
        "/srv/pos4", // symlink into /mnt/pos
        "/mnt/pos/new/not-created-yet",
        "/home/me/.spacemesh",
      ],
      table,
      disks,
      probe,
    );
    expect(mapped.map((v) => [v.mount, v.paths])).toEqual([
      ["/mnt/pos", ["/mnt/pos/id1", "/srv/pos4", "/mnt/pos/new/not-created-yet"]],
      ["/mnt/pos/fast", ["/mnt/pos/fast/id2"]],
      ["/", ["/mnt/posx/id3", "/home/me/.spacemesh"]],
    ]);
    // devices: partition by st_dev, dm device through /dev/mapper
    expect(mapped.map((v) => v.diskName)).toEqual(["sdb1", "dm-0", "sda1"]);
  });

  it("finds a mount the table leaves out (tmpfs) by st_dev, with unknown throughput", async () => {
    const [shm] = await mapVolumes(["/dev/shm/id5"], table, disks, probe);
    expect(shm).toMatchObject({ mount: "/dev/shm", device: null, diskName: null, paths: ["/dev/shm/id5"] });
  });

  it("computes per-volume read bytes/s from two diskstats samples; null where the device is unknown", async () => {
    const mapped = await mapVolumes(
      ["/mnt/pos/id1", "/mnt/pos/fast/id2", "/var/lib/docker/overlay/id6", "/mnt/gone/id7", "/dev/shm/id5"],
      table,
      disks,
      probe,
    );
    const prev: DiskstatsSample = { at: 10_000, devices: disks };
    const later = diskstatsText
      .replace("8      17 sdb1 4900 0 990000", "8      17 sdb1 9900 0 1399600") // +409600 sectors
      .replace("253       0 dm-0 300 0 20000", "253       0 dm-0 300 0 20000"); // idle
    const cur: DiskstatsSample = { at: 12_000, devices: parseDiskstats(later) };
    const vols = await measureVolumes(mapped, prev, cur, probe);
    for (const v of vols) VolumeSchema.parse(v);
    expect(vols.map((v) => [v.mount, v.device, v.readBytesPerSec])).toEqual([
      ["/mnt/pos", "/dev/sdb1", (409600 * 512) / 2], // 100 MiB/s
      ["/mnt/pos/fast", "/dev/mapper/vg-fast", 0],
      ["/var/lib/docker/overlay", "overlay", null],
      ["/mnt/gone", "/dev/sdd", null],
      ["/dev/shm", null, null],
    ]);
    expect(vols[0]).toMatchObject({ totalBytes: 4000 * GiB, freeBytes: 300 * GiB });
  });

  it("falls back to the mount table's space when statfs fails", async () => {
    const failing = fakeMachine({ kernelMounts, dirs: ["/data"], statfsFails: ["/"] });
    const mapped = await mapVolumes(["/data"], table, disks, failing);
    const [v] = await measureVolumes(mapped, null, null, failing);
    expect(v).toMatchObject({ mount: "/", totalBytes: 1, freeBytes: 1, readBytesPerSec: null });
  });

  it("ignores a paths entry when nothing of it exists, not even /", async () => {
    const none: FsProbe = { ...probe, realpath: async () => Promise.reject(new Error("ENOENT")) };
    expect(await mapVolumes([path.join("/nowhere", "x")], table, disks, none)).toEqual([]);
  });
});

describe("readRate", () => {
  const sample = (at: number, sectors: number, minor = 1): DiskstatsSample => ({
    at,
    devices: new Map([["sda1", { major: 8, minor, sectorsRead: sectors }]]),
  });
  it("is bytes per second over the interval between the samples", () => {
    expect(readRate(sample(0, 1000), sample(500, 3048), "sda1")).toBe((2048 * 512) / 0.5);
  });
  it("is null without a previous sample, a device, elapsed time, or after a counter reset", () => {
    expect(readRate(null, sample(500, 10), "sda1")).toBeNull();
    expect(readRate(sample(0, 10), sample(500, 20), null)).toBeNull();
    expect(readRate(sample(0, 10), sample(500, 20), "sdz")).toBeNull();
    expect(readRate(sample(500, 10), sample(500, 20), "sda1")).toBeNull();
    expect(readRate(sample(0, 5000), sample(500, 20), "sda1")).toBeNull();
    expect(readRate(sample(0, 10), sample(500, 20, 2), "sda1")).toBeNull(); // a different device took the name
  });
});
