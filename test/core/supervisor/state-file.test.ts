// The state file right after a spawn: on disk at once (a daemon killed next must not lose the pid),
// without a synchronous fsync on the daemon's main thread; the fsync follows off the thread.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const syncCalls = vi.hoisted(() => ({ fsyncSync: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return {
    ...real,
    fsyncSync: (fd: number) => {
      syncCalls.fsyncSync++;
      return real.fsyncSync(fd);
    },
  };
});

const { emptyState, loadStateFile, saveStateFileSync, stateFileSynced } = await import("../../../src/core/supervisor/state-file.js");

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("state file", () => {
  it("is readable right after a synchronous save, with no fsync on the calling thread and no temp file left", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pd-state-"));
    dirs.push(dir);
    const file = path.join(dir, "state.json");
    const state = emptyState();
    state.services.svc0 = { pid: 4242, startTime: "123", startedAt: 1, argv: ["post-service"], restarts: 0, operatorAddress: null, wanted: true };
    for (let i = 0; i < 20; i++) saveStateFileSync(file, { ...state, savedAt: i }); // a burst, as at a daemon's start
    expect(syncCalls.fsyncSync).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).services.svc0.pid).toBe(4242); // on disk before any await
    await stateFileSynced(file);
    const loaded = await loadStateFile(file);
    expect(loaded.warning).toBeNull();
    expect(loaded.state.savedAt).toBe(19);
    expect(readdirSync(dir)).toEqual(["state.json"]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
