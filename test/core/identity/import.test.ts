import { describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { planImport, executeImport, rollbackLastImport, type ImportContext } from "../../../src/core/identity/import.js";
import { Journal } from "../../../src/core/identity/journal.js";
import { MemoryServiceRegistry } from "../../helpers/memory-service-registry.js";
import { makePosDir, newKeyHex, tempDir, treeSnapshot } from "./pos-fixture.js";
import { placeKey } from "../../../src/core/identity/key-store.js";

async function rig(): Promise<{ root: string; ctx: ImportContext; registry: MemoryServiceRegistry }> {
  const root = await tempDir("import");
  const registry = new MemoryServiceRegistry([]);
  const ctx: ImportContext = {
    identitiesDir: path.join(root, "node", "identities"),
    registry,
    journal: new Journal(path.join(root, "state")),
    dirUsers: async () => [],
  };
  return { root, ctx, registry };
}

describe("import (migrate) identities", () => {
  it("plans, refuses to run without the typed short ids, then imports with a unique name and a service", async () => {
    const { root, ctx, registry } = await rig();
    const src = await makePosDir(path.join(root, "old", "post-a"));
    const plan = await planImport([src.dir], ctx);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ ok: true, shortId: src.nodeId.slice(0, 6), keyName: "post-a.key", serviceName: "post-a" });
    await expect(executeImport(plan, [], ctx)).rejects.toThrow(/equivocation/);
    expect(await fs.readdir(ctx.identitiesDir).catch(() => [])).toEqual([]);

    const res = await executeImport(plan, [src.nodeId.slice(0, 6)], ctx);
    expect(res.imported).toHaveLength(1);
    expect(await fs.readFile(path.join(ctx.identitiesDir, "post-a.key"), "utf8")).toBe(src.keyHex);
    expect(await registry.list()).toEqual([{ name: "post-a", dir: src.dir }]);
    expect(await fs.readFile(path.join(src.dir, "identity.key"), "utf8")).toBe(src.keyHex); // source untouched
  });

  it("refuses a key that does not match the metadata, a malformed key, a key already present, and a busy dir — changing nothing", async () => {
    const { root, ctx } = await rig();
    const other = newKeyHex();
    const mismatch = await makePosDir(path.join(root, "old", "mismatch"), { metaNodeId: other.nodeId });
    const crlf = await makePosDir(path.join(root, "old", "crlf"));
    await fs.writeFile(path.join(crlf.dir, "identity.key"), crlf.keyHex + "\r\n");
    const present = await makePosDir(path.join(root, "old", "present"));
    await placeKey(ctx.identitiesDir, "already", Buffer.from(present.keyHex));
    const busy = await makePosDir(path.join(root, "old", "busy"));
    ctx.dirUsers = async (d) => (d === busy.dir ? [{ pid: 4242, command: "post-service --dir " + d, how: "open file" }] : []);
    const before = await treeSnapshot(root);
    const plan = await planImport([mismatch.dir, crlf.dir, present.dir, busy.dir, path.join(root, "nowhere")], ctx);
    expect(plan.map((p) => p.ok)).toEqual([false, false, false, false, false]);
    expect(plan[0]!.problem).toMatch(/does not belong to this PoS data/);
    expect(plan[1]!.problem).toMatch(/invalid key size 65\/64/);
    expect(plan[2]!.problem).toMatch(/already in .* as already\.key/);
    expect(plan[3]!.problem).toMatch(/pid 4242 .* still uses/);
    expect(plan[4]!.problem).toMatch(/no identity\.key in/);
    await executeImport(plan, [], ctx);
    expect(await treeSnapshot(root)).toEqual(before);
  });

  it("gives two dirs with the same base name distinct names", async () => {
    const { root, ctx } = await rig();
    const a = await makePosDir(path.join(root, "n1", "data"));
    const b = await makePosDir(path.join(root, "n2", "data"));
    const plan = await planImport([a.dir, b.dir], ctx);
    expect(plan.map((p) => p.keyName)).toEqual(["data.key", "data-2.key"]);
  });

  it("rolls back the last import exactly: copies removed, services removed, sources intact", async () => {
    const { root, ctx, registry } = await rig();
    const keep = await makePosDir(path.join(root, "old", "keep"));
    await executeImport(await planImport([keep.dir], ctx), [keep.nodeId.slice(0, 6)], ctx);
    const a = await makePosDir(path.join(root, "old", "a"));
    const b = await makePosDir(path.join(root, "old", "b"));
    await executeImport(await planImport([a.dir, b.dir], ctx), [a.nodeId.slice(0, 6), b.nodeId.slice(0, 6)], ctx);
    expect((await fs.readdir(ctx.identitiesDir)).sort()).toEqual(["a.key", "b.key", "keep.key"]);

    const r = await rollbackLastImport(ctx);
    expect(r!.steps.map((s) => s.action)).toEqual(["removed copy", "removed copy"]);
    expect((await fs.readdir(ctx.identitiesDir)).sort()).toEqual(["keep.key"]);
    expect((await registry.list()).map((s) => s.name)).toEqual(["keep"]);
    expect(await fs.readFile(path.join(a.dir, "identity.key"), "utf8")).toBe(a.keyHex);
    // the next rollback undoes the import before it
    await rollbackLastImport(ctx);
    expect(await fs.readdir(ctx.identitiesDir)).toEqual([]);
    expect(await rollbackLastImport(ctx)).toBeNull();
  });

  it("keeps the copy (moved to retired/) when the source key is gone", async () => {
    const { root, ctx } = await rig();
    const a = await makePosDir(path.join(root, "old", "a"));
    await executeImport(await planImport([a.dir], ctx), [a.nodeId.slice(0, 6)], ctx);
    await fs.rm(a.dir, { recursive: true });
    const r = await rollbackLastImport(ctx);
    expect(r!.steps[0]!.action).toBe("moved to retired");
    const retired = await fs.readdir(path.join(ctx.identitiesDir, "retired"));
    expect(retired).toHaveLength(1);
    expect(await fs.readFile(path.join(ctx.identitiesDir, "retired", retired[0]!), "utf8")).toBe(a.keyHex);
  });
});
