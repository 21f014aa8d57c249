// A FIFO (or socket, device, directory) named identity.key, NAME.key or postdata_metadata.json is
// refused with a clear message and never waited on: a blocking read of a FIFO held one of libuv's
// threads per request until the daemon stopped answering.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { planImport } from "../../../src/core/identity/import.js";
import { retireIdentity } from "../../../src/core/identity/retire-rename.js";
import { Journal } from "../../../src/core/identity/journal.js";
import { MemoryServiceRegistry } from "../../helpers/memory-service-registry.js";
import { readKeyFile } from "../../../src/core/spacemesh/key-file.js";
import { readPosMetadata } from "../../../src/core/spacemesh/pos-metadata.js";
import { readRegularFile } from "../../../src/core/fs/regular-file.js";
import { makePosDir, tempDir } from "./pos-fixture.js";

const mkfifo = (p: string) => execFileSync("mkfifo", ["-m", "600", p]);

describe("files that are not regular files", () => {
  it("identity import refuses a FIFO or a directory named identity.key", async () => {
    const root = await tempDir("fifo");
    const a = path.join(root, "a");
    await fs.mkdir(a);
    mkfifo(path.join(a, "identity.key"));
    const b = path.join(root, "b");
    await fs.mkdir(path.join(b, "identity.key"), { recursive: true });
    const ctx = { identitiesDir: path.join(root, "ids"), registry: new MemoryServiceRegistry(), journal: new Journal(path.join(root, "st")), dirUsers: async () => [] };
    // every request of a burst answers (each would have held a libuv thread before)
    const plans = await Promise.all(Array.from({ length: 8 }, () => planImport([a, b], ctx)));
    for (const [fifo, dir] of plans) {
      expect(fifo!.ok).toBe(false);
      expect(fifo!.problem).toBe(`${path.join(a, "identity.key")} is a FIFO (named pipe), not a regular file; expected a regular file: remove or replace it`);
      expect(dir!.problem).toContain(`${path.join(b, "identity.key")} is a directory, not a regular file`);
    }
  });

  it("a FIFO named postdata_metadata.json is a metadata problem, not a wait", async () => {
    const root = await tempDir("fifo");
    const pos = await makePosDir(path.join(root, "pos"));
    await fs.rm(path.join(pos.dir, "postdata_metadata.json"));
    mkfifo(path.join(pos.dir, "postdata_metadata.json"));
    const r = await readPosMetadata(pos.dir);
    expect(r).toEqual({ ok: false, missing: false, problem: `${path.join(pos.dir, "postdata_metadata.json")} is a FIFO (named pipe), not a regular file; expected a regular file: remove or replace it` });
  });

  it("a FIFO named NAME.key in identities/ is reported by the key check and refused by retire", async () => {
    const root = await tempDir("fifo");
    const ids = path.join(root, "ids");
    await fs.mkdir(ids);
    mkfifo(path.join(ids, "odd.key"));
    const k = await readKeyFile(path.join(ids, "odd.key"));
    expect(k.check).toEqual({ ok: false, problem: `cannot read ${path.join(ids, "odd.key")}: ${path.join(ids, "odd.key")} is a FIFO (named pipe), not a regular file; expected a regular file: remove or replace it` });
    const ctx = { identitiesDir: ids, registry: new MemoryServiceRegistry(), journal: new Journal(path.join(root, "st")) };
    await expect(retireIdentity(ctx, "odd", null)).rejects.toThrow("is a FIFO (named pipe), not a regular file");
    expect((await fs.stat(path.join(ids, "odd.key"))).isFIFO()).toBe(true); // nothing moved
  });

  it("readRegularFile reads a regular file and refuses one too large for what it should hold", async () => {
    const root = await tempDir("fifo");
    const f = path.join(root, "f");
    await fs.writeFile(f, "x".repeat(100));
    expect((await readRegularFile(f)).length).toBe(100);
    await expect(readRegularFile(f, { maxBytes: 10 })).rejects.toThrow(`${f} is 100 bytes, more than the 10`);
    await expect(readRegularFile(path.join(root, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
