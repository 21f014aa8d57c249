// Looking for a process by its arguments reads every /proc/<pid>/cmdline: the looks made in one
// turn of the event loop (every service starting at once) share one scan; the next turn scans again,
// unless the look accepts an older scan (reuseMs: the looks of a start burst, one spawn per turn).
import { afterEach, describe, expect, it, vi } from "vitest";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findProcessesWithArgPair } from "../../../src/core/supervisor/proc-stat.js";
import { tempDir, cleanupTempDirs } from "../../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

function fakeProc(root: string, pid: number, argv: string[]): void {
  const d = path.join(root, String(pid));
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, "cmdline"), argv.join("\0") + "\0");
  // field 3 (state) S, field 22 (start time) 4242
  writeFileSync(path.join(d, "stat"), `${pid} (post-service) S ${Array.from({ length: 18 }, () => "0").join(" ")} 4242 0 0`);
}

describe("findProcessesWithArgPair", () => {
  it("finds `flag value` pairs; looks in one turn share a scan, the next turn sees new processes", async () => {
    const root = tempDir("pd-proc-");
    fakeProc(root, 101, ["post-service", "--dir", "/pos/a", "--address", "x"]);
    fakeProc(root, 102, ["post-service", "--dir", "/pos/b"]);
    expect(findProcessesWithArgPair("--dir", "/pos/a", root)).toEqual([{ pid: 101, startTime: "4242", argv: ["post-service", "--dir", "/pos/a", "--address", "x"] }]);
    // same turn: a process started meanwhile and one gone are not seen (one scan per turn)
    fakeProc(root, 103, ["post-service", "--dir", "/pos/c"]);
    rmSync(path.join(root, "102"), { recursive: true });
    expect(findProcessesWithArgPair("--dir", "/pos/c", root)).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(findProcessesWithArgPair("--dir", "/pos/c", root).map((p) => p.pid)).toEqual([103]);
    expect(findProcessesWithArgPair("--dir", "/pos/b", root)).toEqual([]);
    expect(findProcessesWithArgPair("--dir", "/pos", root)).toEqual([]);
  });

  it("a look that accepts a scan up to reuseMs old shares it across turns; an older one, or none accepted, scans again", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
    const root = tempDir("pd-proc-");
    fakeProc(root, 101, ["post-service", "--dir", "/pos/a", "--address", "x"]);
    expect(findProcessesWithArgPair("--dir", "/pos/a", root, { reuseMs: 2000 }).map((p) => p.pid)).toEqual([101]);
    fakeProc(root, 102, ["post-service", "--dir", "/pos/b"]);
    await new Promise((r) => setImmediate(r));
    vi.setSystemTime(1_002_000);
    // another turn, 2 s later: the scan answers (102 started since is not seen)
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 2000 })).toEqual([]);
    // …but a process gone since is not found (its /proc/<pid>/stat is read at each look)
    rmSync(path.join(root, "101"), { recursive: true });
    expect(findProcessesWithArgPair("--dir", "/pos/a", root, { reuseMs: 2000 })).toEqual([]);
    vi.setSystemTime(1_002_001);
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 2000 }).map((p) => p.pid)).toEqual([102]);
    fakeProc(root, 103, ["post-service", "--dir", "/pos/c"]);
    await new Promise((r) => setImmediate(r));
    expect(findProcessesWithArgPair("--dir", "/pos/c", root).map((p) => p.pid)).toEqual([103]); // none accepted: a new scan
  });

  it("matches whole arguments only, and a command line without its last NUL", () => {
    const root = tempDir("pd-proc-");
    fakeProc(root, 101, ["post-service", "--dir", "/pos/ab"]);
    mkdirSync(path.join(root, "102"));
    writeFileSync(path.join(root, "102", "cmdline"), "post-service\0--dir\0/pos/a"); // rewritten by the process: no last NUL
    writeFileSync(path.join(root, "102", "stat"), `102 (post-service) S ${Array.from({ length: 18 }, () => "0").join(" ")} 4242 0 0`);
    expect(findProcessesWithArgPair("--dir", "/pos/a", root).map((p) => p.pid)).toEqual([102]);
  });
});
