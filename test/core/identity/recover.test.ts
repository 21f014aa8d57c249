// Finishing interrupted identity operations from the journal: at daemon start only the key files
// (before any service runs), at the next identity operation the rest.
import { describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { recoverInterrupted, unfinishedOperations } from "../../../src/core/identity/recover.js";
import { renamingName } from "../../../src/core/identity/retire-rename.js";
import { Journal } from "../../../src/core/identity/journal.js";
import { MemoryServiceRegistry } from "../../helpers/memory-service-registry.js";
import { sha256 } from "../../../src/fs/atomic-file.js";
import { newKeyHex, tempDir } from "./pos-fixture.js";

async function crashedRename() {
  const root = await tempDir("recover");
  const ids = path.join(root, "identities");
  await fs.mkdir(ids, { mode: 0o700 });
  const key = newKeyHex();
  const from = path.join(ids, "alpha.key");
  const to = path.join(ids, "beta.key");
  const journal = new Journal(path.join(root, "state"));
  await journal.append({ batch: "rename-1", op: "rename", phase: "intent", at: 1, nodeId: null, source: from, destination: to, sha256: sha256(key.hex), service: { name: "alpha", dir: "" }, note: "service alpha -> beta" });
  await fs.writeFile(renamingName(ids, "alpha.key"), key.hex, { mode: 0o600 }); // killed between hiding FROM.key and linking TO.key
  const registry = new MemoryServiceRegistry([{ name: "alpha", dir: "/pos/alpha" }]);
  return { ids, key, to, journal, registry, ctx: { identitiesDir: ids, registry, journal } };
}

describe("recovering interrupted identity operations", () => {
  it("at daemon start: a rename cut short gets its key back as TO.key; the config part waits for the next operation", async () => {
    const r = await crashedRename();
    expect(await recoverInterrupted(r.ctx, { keyFilesOnly: true })).toEqual([]);
    expect(await fs.readdir(r.ids)).toEqual(["beta.key"]);
    expect(await fs.readFile(r.to, "utf8")).toBe(r.key.hex);
    expect((await r.registry.list()).map((s) => s.name)).toEqual(["alpha"]);
    expect(await unfinishedOperations(r.journal)).toHaveLength(1);

    const done = await recoverInterrupted(r.ctx);
    expect(done).toEqual([{ op: "rename", source: path.join(r.ids, "alpha.key"), destination: r.to, outcome: "finished", what: "alpha.key renamed to beta.key, service beta" }]);
    expect((await r.registry.list()).map((s) => s.name)).toEqual(["beta"]);
    expect(await unfinishedOperations(r.journal)).toEqual([]);
    expect(await recoverInterrupted(r.ctx)).toEqual([]); // finishing twice does nothing
  });

  it("a retire cut short between link and unlink: the key leaves identities/ at daemon start", async () => {
    const root = await tempDir("recover");
    const ids = path.join(root, "identities");
    await fs.mkdir(path.join(ids, "retired"), { recursive: true, mode: 0o700 });
    const key = newKeyHex();
    const src = path.join(ids, "alpha.key");
    const dst = path.join(ids, "retired", "alpha.key");
    await fs.writeFile(src, key.hex, { mode: 0o600 });
    await fs.link(src, dst);
    const journal = new Journal(path.join(root, "state"));
    await journal.append({ batch: "retire-1", op: "retire", phase: "intent", at: 1, nodeId: null, source: src, destination: dst, sha256: sha256(key.hex), service: { name: "alpha", dir: "/pos/alpha" }, note: "" });
    const registry = new MemoryServiceRegistry([{ name: "alpha", dir: "/pos/alpha" }]);
    await recoverInterrupted({ identitiesDir: ids, registry, journal }, { keyFilesOnly: true });
    expect((await fs.readdir(ids)).filter((n) => n.endsWith(".key"))).toEqual([]);
    const done = await recoverInterrupted({ identitiesDir: ids, registry, journal });
    expect(done.map((d) => d.outcome)).toEqual(["finished"]);
    expect(await registry.list()).toEqual([]);
  });
});
