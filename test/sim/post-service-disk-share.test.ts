import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { readersOn, simDiskOf, takeLease } from "../../src/sim/post-service/disk-share.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp-dir.js";

afterAll(() => cleanupTempDirs());

function disksFile(): string {
  const dir = tempDir("pd-simdisk-");
  const file = path.join(dir, "sim-disks.json");
  fs.writeFileSync(file, JSON.stringify({ disks: { a: { readBytesPerSec: 1000, dirs: [path.join(dir, "pos/a")] }, b: { readBytesPerSec: 500, dirs: [path.join(dir, "pos/b"), path.join(dir, "pos/a/deep")] } } }));
  return file;
}

describe("simulated disks", () => {
  it("a PoS dir is on the disk whose listed dir is the longest prefix of it", () => {
    const f = disksFile();
    const root = path.dirname(f);
    expect(simDiskOf(path.join(root, "pos/a/post1"), f)).toEqual({ name: "a", readBytesPerSec: 1000, leaseDir: path.join(root, "sim-disks", "a") });
    expect(simDiskOf(path.join(root, "pos/a/deep/post2"), f)?.name).toBe("b");
    expect(simDiskOf(path.join(root, "pos/ab/post3"), f)).toBeNull();
    expect(simDiskOf("/x", undefined)).toBeNull();
    expect(simDiskOf("/x", path.join(root, "missing.json"))).toBeNull();
  });

  it("readers are the live leases: each prover's share is the bandwidth ÷ readers; a dead prover's lease does not count", () => {
    const f = disksFile();
    const disk = simDiskOf(path.join(path.dirname(f), "pos/a/post1"), f)!;
    expect(readersOn(disk)).toBe(1); // no lease dir yet
    const mine = takeLease(disk);
    const dead = spawnSync("true").pid; // a pid that has exited
    fs.writeFileSync(path.join(disk.leaseDir, String(dead)), "0\n");
    const other = takeLease(disk, process.ppid); // a live process
    expect(readersOn(disk)).toBe(2);
    expect(fs.existsSync(path.join(disk.leaseDir, String(dead)))).toBe(false);
    other();
    mine();
    expect(readersOn(disk)).toBe(1);
  });
});
