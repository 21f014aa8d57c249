import { describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { tempDir } from "../helpers/temp-dir.js";
import { YamlServiceRegistry } from "../../src/config/yaml-service-registry.js";

const base = `# my rig
node:
  dataFolder: ./node   # where identities/ lives
services:
  - name: post1   # first disk
    dir: /data/p1
`;

async function file(text: string): Promise<string> {
  const d = tempDir("postdeck-edit-");
  const f = path.join(d, "postdeck.yaml");
  await fs.writeFile(f, text, { mode: 0o640 });
  return f;
}

describe("editing the services of the YAML config", () => {
  it("adds, renames and removes a service keeping the operator's comments and the file mode", async () => {
    const f = await file(base);
    const reg = new YamlServiceRegistry(f);
    await reg.add({ name: "post2", dir: "/data/p2" });
    await reg.rename("post2", "big-disk");
    expect(await reg.list()).toEqual([
      { name: "post1", dir: "/data/p1" },
      { name: "big-disk", dir: "/data/p2" },
    ]);
    const text = await fs.readFile(f, "utf8");
    expect(text).toContain("# my rig");
    expect(text).toContain("# first disk");
    expect((await fs.stat(f)).mode & 0o777).toBe(0o640);
    expect(await reg.remove("post1")).toEqual({ name: "post1", dir: "/data/p1" });
    expect((await reg.list()).map((s) => s.name)).toEqual(["big-disk"]);
  });

  it("refuses an edit that would make the config invalid and leaves the file as it was", async () => {
    const f = await file(base);
    const reg = new YamlServiceRegistry(f);
    await expect(reg.add({ name: "post1", dir: "/data/other" })).rejects.toThrow(/post1/);
    expect(await fs.readFile(f, "utf8")).toBe(base);
  });
});
