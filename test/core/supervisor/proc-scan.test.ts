// Looking for a process by its arguments reads every /proc/<pid>/cmdline: the looks made in one
// turn of the event loop (every service starting at once) share one scan; the next turn scans again,
// unless the look accepts an older scan (reuseMs: the looks of a start burst), and then it still
// reads the command lines of processes new since, and again those of the processes it matches.
import { afterEach, describe, expect, it, vi } from "vitest";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findProcessesWithArgPair, procScanCounts } from "../../../src/core/supervisor/proc-stat.js";
import { tempDir, cleanupTempDirs } from "../../helpers/temp-dir.js";

afterEach(() => {
  vi.useRealTimers();
  cleanupTempDirs();
});

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

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

  it("a look that accepts a scan up to reuseMs old reads only new pids' command lines; an older one, or none accepted, scans again", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const root = tempDir("pd-proc-");
    fakeProc(root, 100, ["init"]);
    fakeProc(root, 101, ["post-service", "--dir", "/pos/a", "--address", "x"]);
    const c0 = { ...procScanCounts };
    expect(findProcessesWithArgPair("--dir", "/pos/a", root, { reuseMs: 2000 }).map((p) => p.pid)).toEqual([101]);
    expect(procScanCounts.full - c0.full).toBe(1);
    fakeProc(root, 102, ["post-service", "--dir", "/pos/b"]);
    await turn();
    vi.advanceTimersByTime(2000);
    // another turn, 2 s later: the scan answers for the processes it read; 102, started since, is read
    const c1 = { ...procScanCounts };
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 2000 }).map((p) => p.pid)).toEqual([102]);
    expect(procScanCounts.full - c1.full).toBe(0);
    expect(procScanCounts.cmdlineReads - c1.cmdlineReads).toBe(1); // 102 only, not 100 or 101
    // a process gone since is not found
    rmSync(path.join(root, "101"), { recursive: true });
    await turn();
    expect(findProcessesWithArgPair("--dir", "/pos/a", root, { reuseMs: 2000 })).toEqual([]);
    vi.advanceTimersByTime(1);
    await turn();
    const c2 = { ...procScanCounts };
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 2000 }).map((p) => p.pid)).toEqual([102]);
    expect(procScanCounts.full - c2.full).toBe(1); // older than reuseMs: a full scan
    fakeProc(root, 103, ["post-service", "--dir", "/pos/c"]);
    await turn();
    const c3 = { ...procScanCounts };
    expect(findProcessesWithArgPair("--dir", "/pos/c", root).map((p) => p.pid)).toEqual([103]); // none accepted: a full scan
    expect(procScanCounts.full - c3.full).toBe(1);
  });

  it("a process started on the dir after a scan is found by a look that reuses it", async () => {
    const root = tempDir("pd-proc-");
    fakeProc(root, 101, ["post-service", "--dir", "/pos/a", "--address", "x"]);
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 60_000 })).toEqual([]); // the preflight's look
    fakeProc(root, 102, ["post-service", "--dir", "/pos/b", "--address", "y"]); // started by someone else meanwhile
    await turn();
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 60_000 }).map((p) => p.pid)).toEqual([102]); // the look before the spawn
  });

  it("a pid seen first between its fork and its exec is read again until the scan is renewed", async () => {
    const root = tempDir("pd-proc-");
    fakeProc(root, 101, ["post-service", "--dir", "/pos/a", "--address", "x"]);
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 60_000 })).toEqual([]);
    fakeProc(root, 102, ["postdeck-daemon"]); // forked, still its parent's command line
    await turn();
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 60_000 })).toEqual([]);
    fakeProc(root, 102, ["post-service", "--dir", "/pos/b", "--address", "y"]); // exec'd
    await turn();
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 60_000 }).map((p) => p.pid)).toEqual([102]);
  });

  it("a recycled pid whose command line changed is not taken for the process a reused scan saw", async () => {
    const root = tempDir("pd-proc-");
    fakeProc(root, 101, ["post-service", "--dir", "/pos/a", "--address", "x"]);
    expect(findProcessesWithArgPair("--dir", "/pos/a", root, { reuseMs: 60_000 }).map((p) => p.pid)).toEqual([101]);
    fakeProc(root, 101, ["sleep", "30"]); // 101 exited and its pid went to another process (stat readable, fresh start time)
    await turn();
    expect(findProcessesWithArgPair("--dir", "/pos/a", root, { reuseMs: 60_000 })).toEqual([]);
  });

  it("matches whole arguments only, and a command line without its last NUL", () => {
    const root = tempDir("pd-proc-");
    fakeProc(root, 101, ["post-service", "--dir", "/pos/ab"]);
    mkdirSync(path.join(root, "102"));
    writeFileSync(path.join(root, "102", "cmdline"), "post-service\0--dir\0/pos/a"); // rewritten by the process: no last NUL
    writeFileSync(path.join(root, "102", "stat"), `102 (post-service) S ${Array.from({ length: 18 }, () => "0").join(" ")} 4242 0 0`);
    expect(findProcessesWithArgPair("--dir", "/pos/a", root).map((p) => p.pid)).toEqual([102]);
  });

  it("the caller's own children are matched on the arguments it gives, never read; one no longer its own is read again", async () => {
    const root = tempDir("pd-proc-");
    fakeProc(root, 101, ["init"]);
    fakeProc(root, 201, ["what", "/proc", "would", "say"]); // never read while known
    const known = new Map([[201, { argv: ["post-service", "--dir", "/pos/a", "--address", "x"], startTime: "4242" }]]);
    const c0 = { ...procScanCounts };
    expect(findProcessesWithArgPair("--dir", "/pos/a", root, { reuseMs: 60_000, known })).toEqual([{ pid: 201, startTime: "4242", argv: ["post-service", "--dir", "/pos/a", "--address", "x"] }]);
    expect(procScanCounts.cmdlineReads - c0.cmdlineReads).toBe(1); // 101 only
    // its start time no longer that of the child (exited: a zombie, or gone): not matched
    expect(findProcessesWithArgPair("--dir", "/pos/a", root, { reuseMs: 60_000, known: new Map([[201, { ...known.get(201)!, startTime: "1" }]]) })).toEqual([]);
    // the child's exit seen (no longer known), its pid taken by a post-service on another dir: read, found
    fakeProc(root, 201, ["post-service", "--dir", "/pos/b", "--address", "y"]);
    await turn();
    const c1 = { ...procScanCounts };
    expect(findProcessesWithArgPair("--dir", "/pos/b", root, { reuseMs: 60_000, known: new Map() }).map((p) => p.pid)).toEqual([201]);
    expect(procScanCounts.cmdlineReads - c1.cmdlineReads).toBe(1);
  });

  it("a start burst of 64 reads none of its own children's command lines at its looks (the old scan: each new one again at every look)", async () => {
    const root = tempDir("pd-proc-");
    fakeProc(root, 100, ["init"]);
    const known = new Map<number, { argv: string[]; startTime: string }>();
    findProcessesWithArgPair("--dir", "/pos/x", root, { reuseMs: 60_000, known }); // the burst's full scan
    const c0 = { ...procScanCounts };
    for (let k = 0; k < 64; k++) {
      await turn();
      expect(findProcessesWithArgPair("--dir", `/pos/${k}`, root, { reuseMs: 60_000, known })).toEqual([]); // the look before k's spawn
      const argv = ["post-service", "--dir", `/pos/${k}`, "--address", "x"];
      fakeProc(root, 1000 + k, argv); // spawned
      known.set(1000 + k, { argv, startTime: "4242" });
    }
    expect(procScanCounts.cmdlineReads - c0.cmdlineReads).toBe(0); // old: 2016 (1 + 2 + … + 63)
    expect(procScanCounts.full - c0.full).toBe(0);
  });
});
