// Kill the import at every step (SIGKILL at a fault point) and check that identities/ holds each
// key exactly once or not at all, nothing half-written, and that a re-run completes the job.
import { beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promises as fs, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkKeyContent } from "../../../src/core/spacemesh/key-file.js";
import { makePosDir, tempDir } from "./pos-fixture.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const dist = path.join(repo, "dist");
const child = path.join(repo, "test/fixtures/identity/import-child.mjs");

function runImport(env: Record<string, string>, args: string[]): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const p = execFile(process.execPath, [child, dist, ...args], { env: { ...process.env, ...env } });
    p.on("exit", (code, signal) => resolve({ code, signal }));
  });
}

const points = ["after-temp-write", "after-link", "import-after-intent", "import-after-key", "import-after-service"];

describe("import interrupted at every step", () => {
  beforeAll(() => {
    if (!existsSync(path.join(dist, "core/identity/import.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
  });
  for (const point of points) {
    it(`leaves each key exactly once or not at all when killed at ${point}`, async () => {
      const root = await tempDir("crash");
      const ids = path.join(root, "identities");
      const state = path.join(root, "state");
      const a = await makePosDir(path.join(root, "src", "a"));
      const b = await makePosDir(path.join(root, "src", "b"));
      const killed = await runImport({ POSTDECK_FAULT: point }, [ids, state, a.dir, b.dir]);
      expect(killed.signal).toBe("SIGKILL");

      const check = async (): Promise<string[]> => {
        const names = await fs.readdir(ids).catch(() => [] as string[]);
        const keys = names.filter((n) => n.endsWith(".key"));
        const ids2: string[] = [];
        for (const k of keys) {
          const c = checkKeyContent(k, await fs.readFile(path.join(ids, k)));
          expect(c.ok).toBe(true); // never a half-written key
          if (c.ok) ids2.push(c.nodeId);
        }
        expect(new Set(ids2).size).toBe(ids2.length); // never duplicated
        return ids2;
      };
      const afterCrash = await check();
      expect(afterCrash.every((id) => id === a.nodeId)).toBe(true); // b was never reached

      // Running the import again finishes the job: a already there is refused, b is imported.
      const again = await runImport({}, [ids, state, a.dir, b.dir]);
      expect(again.code).toBe(0);
      const final = await check();
      expect(final.sort()).toEqual([a.nodeId, b.nodeId].sort());
      // no temp file survives a completed run
      expect((await fs.readdir(ids)).filter((n) => n.includes(".tmp-"))).toEqual([]);
    });
  }
});

describe("identity add interrupted at every step", () => {
  const addChild = path.join(repo, "test/fixtures/identity/add-child.mjs");
  const run = (env: Record<string, string>, args: string[]) =>
    new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      const p = execFile(process.execPath, [addChild, dist, ...args], { env: { ...process.env, POSTDECK_SIM_INIT_BPS: "0", ...env } });
      p.on("exit", (code, signal) => resolve({ code, signal }));
    });

  for (const point of ["after-temp-write", "after-link", "add-after-key"]) {
    it(`leaves the key once or not at all when killed at ${point}, and a re-run finishes the add`, async () => {
      const root = await tempDir("add-crash");
      const ids = path.join(root, "identities");
      const config = path.join(root, "postdeck.yaml");
      await fs.writeFile(config, `node:\n  dataFolder: ${root}\nservices: []\n`);
      const postcli = path.join(root, "postcli");
      await fs.writeFile(postcli, `#!/bin/sh\nexec '${process.execPath}' '${path.join(repo, "bin/postdeck.js")}' sim postcli "$@"\n`, { mode: 0o755 });
      const args = [ids, path.join(root, "state"), config, postcli, path.join(root, "pos", "fresh"), "fresh"];

      const killed = await run({ POSTDECK_FAULT: point }, args);
      expect(killed.signal).toBe("SIGKILL");
      const keys = async () => (await fs.readdir(ids).catch(() => [] as string[])).filter((n) => n.endsWith(".key"));
      expect((await keys()).length).toBeLessThanOrEqual(1);
      for (const k of await keys()) expect(checkKeyContent(k, await fs.readFile(path.join(ids, k))).ok).toBe(true);

      const again = await run({}, args);
      expect(again.code).toBe(0);
      expect(await keys()).toEqual(["fresh.key"]);
      expect(await fs.readFile(path.join(ids, "fresh.key"))).toEqual(await fs.readFile(path.join(root, "pos", "fresh", "identity.key")));
      const yaml = await fs.readFile(config, "utf8");
      expect(yaml.match(/name: fresh/g)).toHaveLength(1);
      expect((await fs.readdir(ids)).filter((n) => n.includes(".tmp-"))).toEqual([]);
    });
  }
});
