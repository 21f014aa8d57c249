import { describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { placeKey, permissionProblems, fixPermissions } from "../../../src/core/identity/key-store.js";
import { newKeyHex, tempDir, treeSnapshot } from "./pos-fixture.js";

describe("placing a key into identities/", () => {
  it("writes the key with mode 0600 in a 0700 dir and reads it back", async () => {
    const root = await tempDir("ks");
    const ids = path.join(root, "identities");
    const k = newKeyHex();
    const placed = await placeKey(ids, "post1", Buffer.from(k.hex));
    expect(placed.name).toBe("post1.key");
    expect(placed.nodeId).toBe(k.nodeId);
    expect((await fs.stat(placed.path)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(ids)).mode & 0o777).toBe(0o700);
    expect(await fs.readFile(placed.path, "utf8")).toBe(k.hex);
    expect((await fs.readdir(ids)).sort()).toEqual(["post1.key"]); // no temp file left behind
  });

  it("refuses a key with a trailing newline in the node's words and writes nothing", async () => {
    const root = await tempDir("ks");
    const ids = path.join(root, "identities");
    await expect(placeKey(ids, "a", Buffer.from(newKeyHex().hex + "\n"))).rejects.toThrow(
      "failed to construct identity a.key: decoding private key in a.key: encoding/hex: invalid byte: U+000A",
    );
    expect(await fs.readdir(ids).catch(() => [])).toEqual([]);
  });

  it("refuses the same key under a second name and an existing file name, leaving files untouched", async () => {
    const root = await tempDir("ks");
    const ids = path.join(root, "identities");
    const k = newKeyHex();
    await placeKey(ids, "one", Buffer.from(k.hex));
    const before = await treeSnapshot(root);
    await expect(placeKey(ids, "two", Buffer.from(k.hex))).rejects.toThrow(/already in .* as one\.key/);
    await expect(placeKey(ids, "one", Buffer.from(newKeyHex().hex))).rejects.toThrow(/already exists; postdeck never overwrites/);
    expect(await treeSnapshot(root)).toEqual(before);
  });

  it("refuses local.key and names that are not file-safe", async () => {
    const ids = path.join(await tempDir("ks"), "identities");
    await expect(placeKey(ids, "local", Buffer.from(newKeyHex().hex))).rejects.toThrow(/reserved/);
    await expect(placeKey(ids, "../evil", Buffer.from(newKeyHex().hex))).rejects.toThrow(/not a usable identity name/);
  });

  it("finds loose permissions and fixes them when asked", async () => {
    const ids = path.join(await tempDir("ks"), "identities");
    const placed = await placeKey(ids, "p", Buffer.from(newKeyHex().hex));
    await fs.chmod(placed.path, 0o644);
    await fs.chmod(ids, 0o755);
    const problems = await permissionProblems(ids);
    expect(problems.map((p) => [path.basename(p.path), p.mode.toString(8)])).toEqual([
      ["identities", "755"],
      ["p.key", "644"],
    ]);
    await fixPermissions(problems);
    expect(await permissionProblems(ids)).toEqual([]);
  });
});
