// Kill the import at every step (SIGKILL at a fault point) and check that identities/ holds each
// key exactly once or not at all, nothing half-written, and that a re-run completes the job. Each
// case has its own rig in a temp dir and its own child process, so the cases run side by side.
// The killed children run identity-child.ts bundled from src/ into one file (Node loads one module,
// not ~100 of dist/: about a third of the CPU per child); the re-run that must finish the job runs
// the same operation (identity-ops.ts) in the test's process: 17 children, not 34.
import { beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { checkKeyContent } from "../../../src/core/spacemesh/key-file.js";
import { requireBuild, simPostcli } from "../../helpers/cli.js";
import { runIdentityOp } from "./identity-ops.js";
import { makePosDir, newKeyHex, tempDir } from "./pos-fixture.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

let child = "";
beforeAll(async () => {
  requireBuild(); // the add's postcli is the simulator in the built CLI
  child = path.join(await tempDir("identity-child"), "identity-child.mjs");
  await build({
    entryPoints: [path.join(repo, "test/core/identity/identity-child.ts")],
    outfile: child,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20.19",
    logLevel: "warning",
    // CommonJS dependencies call require() for Node's built-ins (as in scripts/bundle.js)
    banner: { js: 'import { createRequire as __childCreateRequire } from "node:module"; const require = __childCreateRequire(import.meta.url);' },
  });
});

function runChild(env: Record<string, string>, args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = "";
    const p = execFile(process.execPath, [child, ...args], { env: { ...process.env, ...env } });
    p.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    p.on("exit", (code, signal) => resolve({ code, signal, stderr }));
  });
}
const runManager = runChild;
/** The operation `args` names, run to its end in this process (no fault point fires here). */
const rerun = (args: string[]) => runIdentityOp(args[0]!, args[1]!, args[2]!, args[3]!, args.slice(4));

/** A rig as the daemon's identity operations see it: identities/, a state dir and a postdeck.yaml. */
async function rigFiles(services: { name: string; dir: string }[] = []) {
  const root = await tempDir("crash");
  const ids = path.join(root, "identities");
  const state = path.join(root, "state");
  const config = path.join(root, "postdeck.yaml");
  await fs.writeFile(config, `node:\n  dataFolder: ${root}\nservices:\n${services.map((s) => `  - name: ${s.name}\n    dir: ${s.dir}\n`).join("") || "  []\n"}`);
  const serviceNames = async () => [...(await fs.readFile(config, "utf8")).matchAll(/name: ([A-Za-z0-9._-]+)/g)].map((m) => m[1]);
  const keyNames = async () => (await fs.readdir(ids).catch(() => [] as string[])).filter((n) => n.endsWith(".key")).sort();
  const unfinished = async () => {
    const { unfinishedOperations } = await import("../../../src/core/identity/recover.js");
    const { Journal } = await import("../../../src/core/identity/journal.js");
    return unfinishedOperations(new Journal(state));
  };
  return { root, ids, state, config, args: [ids, state, config], serviceNames, keyNames, unfinished };
}

const points = ["after-temp-write", "after-link", "import-after-intent", "import-after-key", "import-after-service"];

describe.concurrent("import interrupted at every step", () => {
  for (const point of points) {
    it(`leaves each key exactly once or not at all when killed at ${point}, and a re-run finishes the import (keys and services)`, async () => {
      const rig = await rigFiles();
      const ids = rig.ids;
      const a = await makePosDir(path.join(rig.root, "src", "a"));
      const b = await makePosDir(path.join(rig.root, "src", "b"));
      const killed = await runManager({ POSTDECK_FAULT: point }, [...rig.args, "import", a.dir, b.dir]);
      expect(killed.signal).toBe("SIGKILL");

      const check = async (): Promise<string[]> => {
        const keys = await rig.keyNames();
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

      // Running the same import again finishes the job: a is completed (not refused), b is imported.
      expect((await rerun([...rig.args, "import", a.dir, b.dir])).code).toBe(0);
      const final = await check();
      expect(final.sort()).toEqual([a.nodeId, b.nodeId].sort());
      expect((await rig.serviceNames()).sort()).toEqual(["a", "b"]); // each key has its service, once
      expect(await rig.keyNames()).toEqual(["a.key", "b.key"]);
      expect(await rig.unfinished()).toEqual([]);
      // no temp file survives a completed run
      expect((await fs.readdir(ids)).filter((n) => n.includes(".tmp-"))).toEqual([]);
    });
  }
});

describe.concurrent("rename interrupted at every step", () => {
  for (const point of ["rename-after-intent", "rename-after-hide", "rename-after-link", "rename-after-key", "rename-after-service"]) {
    it(`never leaves both FROM.key and TO.key when killed at ${point}, and a re-run finishes it`, async () => {
      const rig = await rigFiles([{ name: "alpha", dir: "/pos/alpha" }]);
      await fs.mkdir(rig.ids, { mode: 0o700 });
      const key = newKeyHex();
      await fs.writeFile(path.join(rig.ids, "alpha.key"), key.hex, { mode: 0o600 });
      const killed = await runManager({ POSTDECK_FAULT: point }, [...rig.args, "rename", "alpha", "beta"]);
      expect(killed.signal).toBe("SIGKILL");
      expect((await rig.keyNames()).length).toBeLessThanOrEqual(1); // the node never sees a duplicate key

      expect((await rerun([...rig.args, "rename", "alpha", "beta"])).code).toBe(0);
      expect(await rig.keyNames()).toEqual(["beta.key"]);
      expect(await fs.readFile(path.join(rig.ids, "beta.key"), "utf8")).toBe(key.hex);
      expect(await rig.serviceNames()).toEqual(["beta"]);
      expect(await fs.readdir(rig.ids)).toEqual(["beta.key"]); // nothing hidden left behind
      expect(await rig.unfinished()).toEqual([]);
    });
  }
});

describe.concurrent("retire interrupted at every step", () => {
  for (const point of ["retire-after-intent", "move-after-link", "retire-after-key", "retire-after-service"]) {
    it(`never removes the service while the key stays loaded when killed at ${point}, and a re-run finishes it`, async () => {
      const rig = await rigFiles([{ name: "alpha", dir: "/pos/alpha" }]);
      await fs.mkdir(rig.ids, { mode: 0o700 });
      const key = newKeyHex();
      await fs.writeFile(path.join(rig.ids, "alpha.key"), key.hex, { mode: 0o600 });
      const killed = await runManager({ POSTDECK_FAULT: point }, [...rig.args, "retire", "alpha"]);
      expect(killed.signal).toBe("SIGKILL");
      if (!(await rig.serviceNames()).includes("alpha")) expect(await rig.keyNames()).toEqual([]);

      expect((await rerun([...rig.args, "retire", "alpha"])).code).toBe(0);
      expect(await rig.keyNames()).toEqual([]);
      expect(await fs.readFile(path.join(rig.ids, "retired", "alpha.key"), "utf8")).toBe(key.hex);
      expect(await fs.readdir(path.join(rig.ids, "retired"))).toEqual(["alpha.key"]);
      expect(await rig.serviceNames()).toEqual([]);
      expect(await rig.unfinished()).toEqual([]);
    });
  }
});

describe.concurrent("identity add interrupted at every step", () => {
  const run = (env: Record<string, string>, args: string[]) => runChild({ POSTDECK_SIM_INIT_BPS: "0", ...env }, args);

  for (const point of ["after-temp-write", "after-link", "add-after-key"]) {
    it(`leaves the key once or not at all when killed at ${point}, and a re-run finishes the add`, async () => {
      const root = await tempDir("add-crash");
      const ids = path.join(root, "identities");
      const config = path.join(root, "postdeck.yaml");
      await fs.writeFile(config, `node:\n  dataFolder: ${root}\nservices: []\n`);
      const postcli = simPostcli(root);
      const args = [ids, path.join(root, "state"), config, "add", postcli, path.join(root, "pos", "fresh"), "fresh"];

      const killed = await run({ POSTDECK_FAULT: point }, args);
      expect(killed.signal).toBe("SIGKILL");
      const keys = async () => (await fs.readdir(ids).catch(() => [] as string[])).filter((n) => n.endsWith(".key"));
      expect((await keys()).length).toBeLessThanOrEqual(1);
      for (const k of await keys()) expect(checkKeyContent(k, await fs.readFile(path.join(ids, k))).ok).toBe(true);

      expect((await rerun(args)).code).toBe(0);
      expect(await keys()).toEqual(["fresh.key"]);
      expect(await fs.readFile(path.join(ids, "fresh.key"))).toEqual(await fs.readFile(path.join(root, "pos", "fresh", "identity.key")));
      const yaml = await fs.readFile(config, "utf8");
      expect(yaml.match(/name: fresh/g)).toHaveLength(1);
      expect((await fs.readdir(ids)).filter((n) => n.includes(".tmp-"))).toEqual([]);
    });
  }
});
