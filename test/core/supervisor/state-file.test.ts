// The state file: a synchronous save is on disk at once, an async one (a burst of spawns) shares
// writes; never a synchronous fsync on the daemon's main thread, never an older write over a newer.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const syncCalls = vi.hoisted(() => ({ fsyncSync: 0, paths: [] as string[] }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  // every async fsync, by the path its handle was opened with
  const open = async (...args: Parameters<typeof real.promises.open>) => {
    const fh = await real.promises.open(...args);
    const sync = fh.sync.bind(fh);
    fh.sync = () => {
      syncCalls.paths.push(String(args[0]));
      return sync();
    };
    return fh;
  };
  return {
    ...real,
    promises: { ...real.promises, open },
    fsyncSync: (fd: number) => {
      syncCalls.fsyncSync++;
      return real.fsyncSync(fd);
    },
  };
});

const { emptyState, loadStateFile, StateWriter, stateFileSynced } = await import("../../../src/core/supervisor/state-file.js");

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
    const w = new StateWriter(file);
    for (let i = 0; i < 20; i++) w.saveSync({ ...state, savedAt: i });
    expect(syncCalls.fsyncSync).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).services.svc0.pid).toBe(4242); // on disk before any await
    await stateFileSynced(file);
    const loaded = await loadStateFile(file);
    expect(loaded.warning).toBeNull();
    expect(loaded.state.savedAt).toBe(19);
    expect(readdirSync(dir)).toEqual(["state.json"]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("a burst of async saves ends with the last state, every caller answered, and a synchronous save is never overwritten by an older write", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pd-state-"));
    dirs.push(dir);
    const file = path.join(dir, "state.json");
    const w = new StateWriter(file);
    const state = (savedAt: number) => ({ ...emptyState(), savedAt });
    let now = 0;
    const saves = Array.from({ length: 10 }, () => w.save(() => state(++now)));
    expect(await Promise.all(saves)).toEqual(Array(10).fill(null));
    expect(now).toBeLessThan(10); // the calls made while a write was under way shared the next one
    expect(JSON.parse(readFileSync(file, "utf8")).savedAt).toBe(now);
    // an async write under way, then a synchronous save: the older one must not land over it
    const older = w.save(() => state(100));
    w.saveSync(state(200));
    expect(await older).toBeNull();
    await w.idle();
    expect(JSON.parse(readFileSync(file, "utf8")).savedAt).toBe(200);
    expect(w.onDisk?.savedAt).toBe(200);
    await stateFileSynced(file);
    expect(syncCalls.fsyncSync).toBe(0);
    expect(readdirSync(dir)).toEqual(["state.json"]);
  });

  it("an async save fsyncs its temp file and then only the directory (its data is on disk before the rename); a synchronous save's file is fsynced after it", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pd-state-"));
    dirs.push(dir);
    const file = path.join(dir, "state.json");
    const w = new StateWriter(file);
    syncCalls.paths.length = 0;
    for (let i = 0; i < 3; i++) {
      expect(await w.save(() => ({ ...emptyState(), savedAt: i }))).toBeNull();
      await stateFileSynced(file);
    }
    const temps = syncCalls.paths.filter((p) => path.basename(p).startsWith(".state.json.tmp-"));
    expect(temps).toHaveLength(3);
    expect(syncCalls.paths.filter((p) => p === file)).toEqual([]); // was one per write: the same data fsynced twice
    expect(syncCalls.paths.filter((p) => p === dir)).toHaveLength(3);
    syncCalls.paths.length = 0;
    w.saveSync({ ...emptyState(), savedAt: 9 });
    await stateFileSynced(file);
    expect(syncCalls.paths).toEqual([file, dir]);
  });
});
