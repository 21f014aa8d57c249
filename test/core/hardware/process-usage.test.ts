import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { clearProcessUsageCache, sampleProcesses } from "../../../src/core/hardware/process-usage.js";
import { sleep, waitFor } from "../../helpers/wait-for.js";

const children: ChildProcess[] = [];

/** A node child that has started running `code` (not one still between fork and exec, when /proc
 * shows the parent's copy: a few hundred KiB of RSS). */
async function runningNode(code: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, ["-e", `process.stdout.write("up\\n"); ${code}`], { stdio: ["ignore", "pipe", "ignore"], detached: true });
  children.push(c);
  await new Promise<void>((resolve, reject) => {
    c.stdout.once("data", () => resolve());
    c.once("error", reject);
  });
  return c;
}

function killGroup(c: ChildProcess): void {
  if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise((resolve) => c.once("exit", resolve));
}

const until = <T>(f: () => Promise<T | undefined>, what: string, timeoutMs = 20_000) => waitFor(f, { what, timeoutMs, intervalMs: 200 });

afterEach(() => clearProcessUsageCache());
afterAll(async () => {
  for (const c of children) killGroup(c);
  await Promise.all(children.map(exited));
});

describe("sampleProcesses", () => {
  it("returns CPU % and RSS of a live child; a busy child shows CPU use", async () => {
    const busy = await runningNode("for (;;) {}");
    const idle = await runningNode("setInterval(() => {}, 1000)");
    const pids = [busy.pid!, idle.pid!];
    const first = await until(async () => {
      const m = await sampleProcesses(pids);
      return m.size === 2 ? m : undefined;
    }, "both children sampled");
    expect(first.get(idle.pid!)!.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(first.get(busy.pid!)!.cpuPercent).toBeGreaterThanOrEqual(0);
    // the busy loop uses most of a core; the machine is shared, so only ask for a clear signal
    const busyCpu = await until(async () => {
      const cpu = (await sampleProcesses(pids)).get(busy.pid!)?.cpuPercent;
      return cpu !== undefined && cpu > 20 ? cpu : undefined;
    }, "busy child above 20 % CPU");
    expect(busyCpu).toBeGreaterThan(20);
    // both over the same 1.5 s: CPU time comes in 10 ms ticks, so one tick of the idle child in the
    // few ms since the last sample read as 43 % (a clean-clone CI run at load ~8)
    await sampleProcesses(pids);
    await sleep(1500);
    const window = await sampleProcesses(pids);
    expect(window.get(idle.pid!)!.cpuPercent).toBeLessThan(window.get(busy.pid!)!.cpuPercent);
    killGroup(busy);
    killGroup(idle);
  });

  it("omits a dead pid, alone or among live ones, and never throws", async () => {
    const alive = await runningNode("setInterval(() => {}, 1000)");
    const dying = await runningNode("setInterval(() => {}, 1000)");
    const both = await until(async () => {
      const m = await sampleProcesses([alive.pid!, dying.pid!]);
      return m.size === 2 ? m : undefined;
    }, "both children sampled");
    expect(both.has(dying.pid!)).toBe(true);
    killGroup(dying);
    await exited(dying);
    const after = await sampleProcesses([alive.pid!, dying.pid!]);
    expect(after.has(alive.pid!)).toBe(true);
    expect(after.has(dying.pid!)).toBe(false);
    await expect(sampleProcesses([dying.pid!])).resolves.toEqual(new Map());
    await expect(sampleProcesses([])).resolves.toEqual(new Map());
    const odd = await sampleProcesses([-1, 0, 1.5, Number.NaN, alive.pid!]);
    expect([...odd.keys()]).toEqual([alive.pid!]);
    killGroup(alive);
  });

  it("reads /proc itself: RSS as the kernel counts it, one descriptor per pid kept between samples and closed when it is no longer asked for", async () => {
    const child = await runningNode("setInterval(() => {}, 1000)");
    const pid = child.pid!;
    const statFds = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === `/proc/${pid}/stat`;
        } catch {
          return false;
        }
      }).length;
    await until(async () => ((await sampleProcesses([pid])).has(pid) ? true : undefined), "the child sampled");
    const m = await sampleProcesses([pid]);
    const vmRss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
    expect(Math.abs(m.get(pid)!.rssBytes - vmRss)).toBeLessThan(4 << 20); // the same counter, read a moment apart
    expect(statFds()).toBe(1);
    await sampleProcesses([]);
    await until(async () => (statFds() === 0 ? true : undefined), "its descriptor closed");
    await sampleProcesses([pid]);
    clearProcessUsageCache();
    await until(async () => (statFds() === 0 ? true : undefined), "its descriptor closed by clear");
    killGroup(child);
  });
});
