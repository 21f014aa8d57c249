// A log flood (a child writing as fast as it can, like `exec yes`) neither fills the disk nor
// the daemon's memory: the size guard keeps the files near (keep + 1) × maxBytes, rotated files
// are 0600 and say what was cut, and the follower hands on a bounded number of lines per read with
// one `… N lines skipped …` line for the rest.
import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LogSizeGuard } from "../../../src/core/logs/size-guard.js";
import { FileFollower } from "../../../src/core/logs/follower.js";
import { rotateIfLarger } from "../../../src/core/logs/rotation.js";
import { spawnIntoLogFile } from "../../../src/core/supervisor/spawn-detached.js";
import { Supervisor } from "../../../src/core/supervisor/supervisor.js";
import { readProcStartTime } from "../../../src/core/supervisor/proc-stat.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { killTrackedGroups, trackGroup } from "../../helpers/processes.js";
import { sleep, waitFor } from "../../helpers/wait-for.js";
import { bytesIn, bytesWritten } from "../../chaos/count.js";

afterEach(() => {
  killTrackedGroups();
  cleanupTempDirs();
});

const MiB = 1 << 20;

/** Blocks this thread for `ms` without using the CPU: no timer, no I/O callback runs meanwhile. */
const blockFor = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Floods `file` with `yes`, waits for `before` (if any), then blocks this thread (no timer, no I/O
 * callback runs) until the child wrote 400 MB or 4 s passed, sampling the files every 2 ms
 * meanwhile; asserts they stayed within the budget of a guard with maxBytes 2 MiB and keep 2. The
 * thread sleeps between samples (a blocked event loop, as a long synchronous call makes it),
 * leaving the cores to the flood and the backstop thread instead of spinning on one of them.
 */
async function floodWhileBlocked(dir: string, file: string, before?: (pid: number) => Promise<void>): Promise<void> {
  const maxBytes = 2 * MiB;
  const keep = 2;
  const child = await spawnIntoLogFile({ command: "yes", args: ["[2024-01-01T00:00:00Z INFO  post_service] flood line"], env: process.env }, file);
  trackGroup(child.pid);
  await before?.(child.pid!);
  let peak = 0;
  const w0 = bytesWritten(child.pid!);
  const t0 = Date.now();
  while (Date.now() - t0 < 4000 && bytesWritten(child.pid!) - w0 < 400e6) {
    peak = Math.max(peak, bytesIn(dir, path.basename(file)));
    blockFor(2);
  }
  const written = bytesWritten(child.pid!) - w0;
  const perSecond = (written * 1000) / (Date.now() - t0);
  process.kill(-child.pid!, "SIGKILL");
  // without the backstop the file holds all of it (400 MB, or 4 s of writing). The bound: the
  // issue's budget, (keep + 1) × maxBytes + 20 MB, plus 300 ms of writing: the backstop's
  // thread, too, waits for a CPU while other tests run beside this one (a full CI run went
  // 1.5 MB over a 100 ms allowance); 300 ms is still a thirteenth of the 4 s blocked here
  expect(written).toBeGreaterThan(40e6);
  expect(peak).toBeLessThanOrEqual((keep + 1) * maxBytes + 20e6 + (perSecond * 3) / 10);
}

describe("log flood", () => {
  it("keeps a flooding child's log files within (keep + 1) × maxBytes plus a bounded margin, rotated files 0600 and marked", async () => {
    const dir = tempDir();
    const file = path.join(dir, "svc.log");
    const maxBytes = 2 * MiB;
    const keep = 2;
    const guard = new LogSizeGuard({ maxBytes, keep });
    guard.setFiles([file]);
    const child = await spawnIntoLogFile({ command: "yes", args: ["[2024-01-01T00:00:00Z INFO  post_service] flood line"], env: process.env }, file);
    trackGroup(child.pid);
    let peak = 0;
    const w0 = bytesWritten(child.pid!);
    const t0 = Date.now();
    const until = t0 + 2500;
    while (Date.now() < until) {
      peak = Math.max(peak, bytesIn(dir, "svc.log"));
      await sleep(5);
    }
    const perSecond = ((bytesWritten(child.pid!) - w0) * 1000) / (Date.now() - t0);
    process.kill(-child.pid!, "SIGKILL");
    guard.close();
    // `yes` writes hundreds of MB per second; the bound is the issue's: (keep + 1) × maxBytes plus
    // what one second of writing adds (a check comes every 5 ms while the file floods)
    expect(perSecond).toBeGreaterThan(10 * MiB);
    expect(peak).toBeLessThanOrEqual((keep + 1) * maxBytes + perSecond);
    const files = readdirSync(dir).filter((f) => f.startsWith("svc.log"));
    expect(files.sort()).toEqual(["svc.log", "svc.log.1", "svc.log.2"]);
    for (const f of files) expect(statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
    for (const f of ["svc.log.1", "svc.log.2"]) expect(statSync(path.join(dir, f)).size).toBeLessThanOrEqual(maxBytes);
    // flooded faster than one copy per second: what was not kept is said on the first line
    const first = readFileSync(path.join(dir, "svc.log.1"), "utf8").slice(0, 200).split("\n")[0];
    expect(first).toMatch(/^… postdeck: [\d.]+ MiB of this log cut \(written faster than it could be kept\) …$/);
  });

  it("keeps a flood bounded while the daemon's main thread is blocked: the backstop thread cuts it", async () => {
    // the worst case traced for issue 11: a child floods from its first write while the main
    // thread (where the guard's checks are timers) is busy; the file grew by the write rate times
    // the stall (96 MB in 300 ms at 300 MB/s, 409 MB in one bench run)
    const dir = tempDir();
    const file = path.join(dir, "svc.log");
    const guard = new LogSizeGuard({ maxBytes: 2 * MiB, keep: 2 });
    try {
      guard.setFiles([file]); // a new file (a service about to start): the thread is started
      await guard.backstopReady();
      expect(guard.backstopRunning()).toBe(true);
      await floodWhileBlocked(dir, file);
    } finally {
      guard.close();
    }
  });

  it("runs the backstop thread only on demand: ended after its hold, started again by a flood that begins later, which it then keeps bounded while the main thread is blocked", async () => {
    // the thread is an isolate (~9 MB of RSS): not kept at rest (issue 17)
    const dir = tempDir();
    const file = path.join(dir, "svc.log");
    const guard = new LogSizeGuard({ maxBytes: 2 * MiB, keep: 2, backstopHoldMs: 300 });
    try {
      guard.setFiles([file]);
      await guard.backstopReady();
      expect(guard.backstopRunning()).toBe(true);
      await waitFor(() => !guard.backstopRunning(), { what: "the backstop thread to end after its hold" });
      // a slow writer does not start it
      for (let i = 0; i < 10; i++) {
        appendFileSync(file, "[2024-01-01T00:00:00Z INFO  post_service] a line\n");
        await sleep(50);
      }
      expect(guard.backstopRunning()).toBe(false);
      // a flood mid-run: the guard's check sees it and starts the thread
      await floodWhileBlocked(dir, file, async () => {
        await waitFor(() => guard.backstopRunning(), { what: "the flood to start the backstop thread" });
        await guard.backstopReady();
      });
    } finally {
      guard.close();
    }
  });
  it("a backstop thread slower to start than its hold still comes up and takes its files before the hold ends it", async () => {
    // a loaded machine (the daemon starting its services) can take longer to start a thread than
    // the hold: the hold counts from when the thread is up, not from the arm (a 1 ms hold here:
    // every start is slower)
    const dir = tempDir();
    const file = path.join(dir, "svc.log");
    const guard = new LogSizeGuard({ maxBytes: 2 * MiB, keep: 2, backstopHoldMs: 1 });
    try {
      guard.setFiles([file]);
      await guard.backstopReady();
      expect(guard.backstopRunning()).toBe(true);
      await waitFor(() => !guard.backstopRunning(), { what: "the backstop thread to end after its hold" });
    } finally {
      guard.close();
    }
  });

  it("a daemon that starts by adopting a running service (none to start) runs the backstop thread too: a flood already under way stays bounded while the main thread is blocked", async () => {
    // a restarted daemon whose services kept running: no spawn arms the thread, the guard's new
    // files do (supervisor.init), before the daemon answers
    const rig = makeRig({ defaults: { autostart: false, restart: { policy: "never" } }, extra: { logs: { maxBytes: 2 * MiB, keep: 2, ringLines: 200 } } });
    const logDir = path.join(rig.stateDir, "logs");
    mkdirSync(logDir, { recursive: true });
    const sup = new Supervisor({ config: rig.config, fetchStatus: async () => ({ kind: "idle" }) });
    try {
      await floodWhileBlocked(logDir, path.join(logDir, "svc0.log"), async (pid) => {
        const rec = { pid, startTime: readProcStartTime(pid), startedAt: Date.now(), argv: [], restarts: 0, operatorAddress: "127.0.0.1:1", wanted: true };
        writeFileSync(path.join(rig.stateDir, "state.json"), JSON.stringify({ version: 1, savedAt: Date.now(), services: { svc0: rec } }));
        const { adopted } = await sup.init();
        expect(adopted).toEqual(["svc0"]);
      });
    } finally {
      await sup.shutdown({ stopServices: false });
    }
  });

  it("rotation copies only the newest maxBytes, from a line start, and makes the rotated file 0600", async () => {
    const dir = tempDir();
    const file = path.join(dir, "d.log");
    writeFileSync(file, Array.from({ length: 2000 }, (_, i) => `line ${i} ${"x".repeat(40)}\n`).join(""), { mode: 0o644 });
    writeFileSync(`${file}.1`, "older\n", { mode: 0o644 });
    expect(await rotateIfLarger(file, 10_000, 2)).toBe(true);
    expect(statSync(file).size).toBe(0);
    const rotated = readFileSync(`${file}.1`, "utf8");
    expect(rotated.length).toBeLessThanOrEqual(10_000);
    const lines = rotated.split("\n");
    expect(lines[0]).toMatch(/^… postdeck: \d+ bytes of this log cut/);
    expect(lines[1]).toMatch(/^line \d+ x{40}$/);
    expect(lines.at(-2)).toBe(`line 1999 ${"x".repeat(40)}`);
    expect(statSync(`${file}.1`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${file}.2`, "utf8")).toBe("older\n");
  });

  it("the follower reads the history it was asked for (backfill) in full, whatever the bounds", async () => {
    const file = path.join(tempDir(), "node.log");
    writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `h${i}\n`).join(""));
    const got: string[] = [];
    const f = new FileFollower(file, (l) => got.push(...l), { backfillBytes: 1 << 20, maxLines: 100, maxReadBytes: 4096 });
    await f.poll();
    expect(got.length).toBe(20_000);
    expect(got.some((l) => l.includes("skipped"))).toBe(false);
    await f.stop();
  });

  it("the follower hands on a bounded number of lines per read and one '… N lines skipped …' line for the rest", async () => {
    const file = path.join(tempDir(), "f.log");
    writeFileSync(file, "");
    const got: string[][] = [];
    const f = new FileFollower(file, (l) => got.push(l), { maxLines: 100, maxReadBytes: 64 * 1024 });
    await f.poll();
    // fits the byte budget, too many lines: exact count
    appendFileSync(file, Array.from({ length: 300 }, (_, i) => `a${i}\n`).join(""));
    await f.poll();
    expect(got[0]!.length).toBe(101);
    expect(got[0]![0]).toBe("… 200 lines skipped (written faster than they can be shown) …");
    expect(got[0]![1]).toBe("a200");
    expect(got[0]!.at(-1)).toBe("a299");
    // far more than the byte budget: skipped unread, counted from the average line length
    appendFileSync(file, Array.from({ length: 200_000 }, (_, i) => `b${String(i).padStart(6, "0")}\n`).join(""));
    await f.poll();
    const batch = got[1]!;
    expect(batch.length).toBe(101);
    const m = /^… about (\d+) lines skipped/.exec(batch[0]!);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(150_000);
    expect(Number(m![1])).toBeLessThan(250_000);
    expect(batch.at(-1)).toBe("b199999");
    expect(batch.slice(1).every((l) => /^b\d{6}$/.test(l))).toBe(true);
    await f.stop();
  });
});
