import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mapDirsToDisks, mergeSharedDisks, mountOf, parseMountInfo, wholeDisksOf } from "../../../src/core/hardware/block-devices.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

const FIX = path.join(import.meta.dirname, "../../fixtures/hardware/block");
const MOUNTINFO = path.join(FIX, "mountinfo.txt");

/** A fake /sys: disks with partitions, and virtual devices (dm, md) with their slaves. */
function fakeSys(): string {
  const sys = tempDir("pd-sys-");
  const blockDev = (rel: string, majMin: string, partition: boolean, slaves: string[] = []) => {
    const dev = path.join(sys, "devices", rel);
    fs.mkdirSync(dev, { recursive: true });
    if (partition) fs.writeFileSync(path.join(dev, "partition"), "1\n");
    if (slaves.length > 0) {
      fs.mkdirSync(path.join(dev, "slaves"));
      for (const s of slaves) fs.symlinkSync(path.join(sys, "class", "block", s), path.join(dev, "slaves", s));
    }
    const name = path.basename(rel);
    fs.mkdirSync(path.join(sys, "class", "block"), { recursive: true });
    fs.mkdirSync(path.join(sys, "dev", "block"), { recursive: true });
    fs.symlinkSync(dev, path.join(sys, "class", "block", name));
    fs.symlinkSync(dev, path.join(sys, "dev", "block", majMin));
  };
  for (const [disk, maj, parts] of [["sda", "8:0", [2]], ["sdb", "8:16", [1]], ["sdc", "8:32", [1]], ["sdd", "8:48", [1, 2]], ["sde", "8:64", [1, 2]], ["sdf", "8:80", []]] as const) {
    blockDev(`pci0000:00/ata1/block/${disk}`, maj, false);
    const [M, m] = maj.split(":").map(Number) as [number, number];
    for (const p of parts) blockDev(`pci0000:00/ata1/block/${disk}/${disk}${p}`, `${M}:${m + p}`, true);
  }
  blockDev("virtual/block/dm-0", "253:0", false, ["sdc1", "sdd2"]);
  blockDev("virtual/block/md0", "9:0", false, ["sde2", "sdf"]);
  return sys;
}

afterAll(() => cleanupTempDirs());

describe("mount table", () => {
  it("reads mount points (octal escapes undone), device numbers, fs type and source", () => {
    const m = parseMountInfo(fs.readFileSync(MOUNTINFO, "utf8"));
    expect(m.find((x) => x.mountPoint === "/pdfake/shared disk")).toMatchObject({ major: 8, minor: 65, fsType: "ext4", source: "/dev/sde1" });
    expect(m.find((x) => x.mountPoint === "/pdfake/tmp")).toMatchObject({ major: 0, fsType: "tmpfs" });
  });

  it("a path belongs to the deepest mount above it, not to a sibling with a common prefix", () => {
    const m = parseMountInfo(fs.readFileSync(MOUNTINFO, "utf8"));
    expect(mountOf("/pdfake/fast/nested/post1", m)?.mountPoint).toBe("/pdfake/fast/nested");
    expect(mountOf("/pdfake/fast/post1", m)?.mountPoint).toBe("/pdfake/fast");
    expect(mountOf("/pdfake/faster/post1", m)?.mountPoint).toBe("/");
  });
});

describe("block devices to whole disks", () => {
  it("a partition is on its disk; LVM and md are on every disk beneath them", async () => {
    const sys = fakeSys();
    expect(await wholeDisksOf(sys, "sdb1")).toEqual(["sdb"]);
    expect(await wholeDisksOf(sys, "sdf")).toEqual(["sdf"]);
    expect(await wholeDisksOf(sys, "dm-0")).toEqual(["sdc", "sdd"]);
    expect(await wholeDisksOf(sys, "md0")).toEqual(["sde", "sdf"]);
  });
});

describe("PoS dirs to lanes", () => {
  const dirs = [
    "/pdfake/fast/post1",
    "/pdfake/fast/post2",
    "/pdfake/lvm/post3",
    "/pdfake/fast/nested/post4",
    "/pdfake/raid/post5",
    "/pdfake/shared disk/post6",
    "/pdfake/tmp/post7",
    "/home/me/post8",
  ];

  it("dirs on one disk share a lane; dirs on devices built over a common disk share one too", async () => {
    const m = await mapDirsToDisks(dirs, { roots: { mountinfo: MOUNTINFO, sys: fakeSys() } });
    const lane = (d: string) => m.find((x) => x.dir === d)!;
    expect(lane("/pdfake/fast/post1")).toMatchObject({ disk: "sdb", devices: ["sdb"], mountDevice: "sdb1", source: "sys" });
    expect(lane("/pdfake/fast/post2").disk).toBe("sdb");
    // dm-0 is on sdc+sdd and post4's partition sdd1 is on sdd: one lane
    expect(lane("/pdfake/lvm/post3")).toMatchObject({ disk: "sdc+sdd", devices: ["sdc", "sdd"], mountDevice: "dm-0" });
    expect(lane("/pdfake/fast/nested/post4")).toMatchObject({ disk: "sdc+sdd", devices: ["sdd"] });
    // md0 over sde2+sdf, and sde1 on sde
    expect(lane("/pdfake/raid/post5").disk).toBe("sde+sdf");
    expect(lane("/pdfake/shared disk/post6").disk).toBe("sde+sdf");
    // tmpfs: no block device, the mount is the lane
    expect(lane("/pdfake/tmp/post7")).toMatchObject({ disk: "mount:/pdfake/tmp", devices: [], source: "mount" });
    expect(lane("/home/me/post8")).toMatchObject({ disk: "sda", mountDevice: "sda2" });
  });

  it("the config's disks override what /sys says (longest listed path wins)", async () => {
    const m = await mapDirsToDisks(dirs.slice(0, 4), {
      roots: { mountinfo: MOUNTINFO, sys: fakeSys() },
      overrides: { nvme: ["/pdfake/fast"], slow: ["/pdfake/fast/nested", "/pdfake/lvm/post3"] },
    });
    expect(m.map((x) => [x.disk, x.source])).toEqual([["nvme", "config"], ["nvme", "config"], ["slow", "config"], ["slow", "config"]]);
    expect(m[0]!.devices).toEqual(["sdb"]); // still shown
  });

  it("no mount table or sysfs: every dir still gets a lane, never an error", async () => {
    const m = await mapDirsToDisks(["/x/post1"], { roots: { mountinfo: "/nonexistent/mountinfo", sys: "/nonexistent" } });
    expect(m).toEqual([{ dir: "/x/post1", disk: "unknown", devices: [], mountDevice: null, mount: null, source: "unknown" }]);
  });

  it("merging only joins lanes that share a disk", () => {
    const base = { devices: [], mountDevice: null, mount: null, source: "sys" as const };
    const m = mergeSharedDisks([{ ...base, dir: "a", disk: "sda" }, { ...base, dir: "b", disk: "sdb+sdc" }, { ...base, dir: "c", disk: "sdc" }]);
    expect(m.map((x) => x.disk)).toEqual(["sda", "sdb+sdc", "sdb+sdc"]);
  });
});
