// Free space for a new identity's PoS data: refused with the missing amount, warned above 95 % or on
// the node's own volume, data already written counted.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkAddSpace } from "../../../src/core/identity/add-space.js";
import { validateAdd } from "../../../src/core/identity/add.js";
import { MemoryServiceRegistry } from "../../helpers/memory-service-registry.js";
import { Journal } from "../../../src/core/identity/journal.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

afterEach(() => cleanupTempDirs());

const GiB = 1024 ** 3;
const vol = (freeBytes: number, totalBytes = 1000 * GiB) => async () => ({ freeBytes, totalBytes });

describe("checkAddSpace", () => {
  it("refuses when the data would not fit, naming how much is missing", async () => {
    const r = await checkAddSpace({ dir: "/mnt/pos/new", units: 8 }, { statfs: vol(100 * GiB) });
    expect(r.needBytes).toBe(512 * GiB);
    expect(r.problems).toEqual([
      "not enough space for /mnt/pos/new: the PoS data needs 512 GiB (8 units × 64.0 GiB), the volume has 100 GiB free — 412 GiB missing; free space there, choose a dir on a larger volume, or fewer units",
    ]);
  });

  it("fits: no problem; above 95 % used after, a warning", async () => {
    expect(await checkAddSpace({ dir: "/mnt/pos/new", units: 4 }, { statfs: vol(900 * GiB) })).toMatchObject({ problems: [], warnings: [] });
    const r = await checkAddSpace({ dir: "/mnt/pos/new", units: 4 }, { statfs: vol(300 * GiB) });
    expect(r.problems).toEqual([]);
    expect(r.warnings[0]).toContain("/mnt/pos/new: 256 GiB of PoS data leave its volume 96 % full (44.0 GiB free after)");
  });

  it("counts data an interrupted add already wrote; uses the given labels per unit", async () => {
    const dir = tempDir("pd-space-");
    writeFileSync(path.join(dir, "postdata_0.bin"), Buffer.alloc(1024 * 1024));
    const r = await checkAddSpace({ dir, units: 4, labelsPerUnit: 65536 }, { statfs: vol(3 * 1024 * 1024) });
    expect(r.needBytes).toBe(3 * 1024 * 1024);
    expect(r.problems).toEqual([]);
  });

  it("warns when the PoS dir is on the node's own volume", async () => {
    const root = tempDir("pd-space-");
    mkdirSync(path.join(root, "data"));
    const r = await checkAddSpace({ dir: path.join(root, "pos", "new"), units: 4, labelsPerUnit: 65536 }, { nodeDataFolder: path.join(root, "data") });
    expect(r.warnings.some((w) => w.includes("on the node's own volume"))).toBe(true);
    const other = await checkAddSpace({ dir: "/x/new", units: 4, labelsPerUnit: 65536 }, { nodeDataFolder: root, statfs: vol(900 * GiB), devOf: async (p) => (p === "/" ? 1 : 2) });
    expect(other.warnings).toEqual([]);
  });
});

describe("validateAdd (the daemon's check before postcli starts)", () => {
  it("refuses an add whose PoS data cannot fit on the real volume", async () => {
    const root = tempDir("pd-space-");
    const ctx = { postcli: "postcli", identitiesDir: path.join(root, "identities"), registry: new MemoryServiceRegistry(), journal: new Journal(root) };
    const problems = await validateAdd({ name: "huge", dir: path.join(root, "huge"), units: 1_000_000, provider: 4294967295, commitmentAtxId: "00".repeat(32) }, ctx);
    expect(problems.join(" ")).toMatch(/not enough space for .*huge: the PoS data needs 61.0 PiB .* missing/);
    expect(await validateAdd({ name: "small", dir: path.join(root, "small"), units: 4, labelsPerUnit: 4096, provider: 4294967295, commitmentAtxId: "00".repeat(32) }, ctx)).toEqual([]);
  });
});
