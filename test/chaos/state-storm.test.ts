// A storm of start/stop/restart commands against one real daemon (bin/postdeck.js; build first),
// whose state writes are batched (one write for the changes of a turn, in the thread pool):
// concurrent commands over the socket and through the CLI, on several services at once. Never two
// post-services on one PoS dir at any look; once the storm is over the state file on disk names
// exactly the processes that live; and a daemon SIGKILLed in the middle of a storm leaves the next
// daemon adopting exactly the processes that live on (none started twice, none left untracked).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { SocketClient } from "../../src/client/socket-client.js";
import type { ServiceView } from "../../src/protocol/model.js";
import { makeRig, type RigFixture } from "../helpers/rig-fixture.js";
import { isAlive, trackGroup } from "../helpers/processes.js";
import { runCli } from "../helpers/cli.js";
import { sleep, waitFor } from "../helpers/wait-for.js";
import { childrenOf, pidsOnDirs } from "./count.js";
import { daemonHooks, startDaemon } from "./chaos-lib.js";

const daemons = daemonHooks();

const say = (line: string) => process.stdout.write(`state storm: ${line}\n`);
const env = { XDG_RUNTIME_DIR: "" };
const OPS = ["start", "stop", "restart"] as const;

/**
 * Looks at the PoS dirs every few ms while the storm runs: the post-services among the daemon's
 * children and those seen before (not all of /proc each time), and all of /proc when asked
 * (`full`: after a kill, whose last spawn this look may have missed). Keeps the most processes
 * seen on one dir at once.
 */
class DirWatch {
  most = 0;
  looks = 0;
  daemonPid: number | null = null;
  private readonly known = new Set<number>();
  private readonly cpu = new Map<number, number>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly dirs: string[]) {
    this.loop = (async () => {
      while (this.running) {
        this.look(false);
        await sleep(10);
      }
    })();
  }

  look(full: boolean): Map<string, number[]> {
    const among = full ? undefined : new Set([...this.known, ...(this.daemonPid ? childrenOf(this.daemonPid) : [])]);
    const on = pidsOnDirs(this.dirs, among);
    this.looks++;
    for (const pids of on.values()) {
      this.most = Math.max(this.most, pids.length);
      for (const p of pids) {
        this.known.add(p);
        trackGroup(p);
      }
    }
    for (const p of this.known) {
      const cpu = cpuSeconds(p);
      if (cpu !== null) this.cpu.set(p, cpu);
      if (!isAlive(p)) this.known.delete(p);
    }
    return on;
  }

  /** Post-service processes seen, and the CPU they used as last seen (seconds). */
  spawned(): { count: number; cpuS: number } {
    return { count: this.cpu.size, cpuS: [...this.cpu.values()].reduce((a, b) => a + b, 0) };
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** A process's CPU time so far (user + system, seconds), null once it is gone. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (fields 14, 15) in clock ticks (USER_HZ)
  } catch {
    return null;
  }
}

/** `n` commands at once over the socket, each on a random service (one in eight on all of them); the first is `ops[0]`, the others any of `ops`. */
function socketCommands(c: SocketClient, names: string[], n: number, ops: readonly (typeof OPS)[number][] = OPS): Promise<unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const op = ops[i === 0 ? 0 : Math.floor(Math.random() * ops.length)]!;
    const all = Math.random() < 1 / 8;
    const name = names[Math.floor(Math.random() * names.length)]!;
    return c.call(op, { names: all ? [] : [name], all, force: true }).catch(() => undefined);
  });
}

/** `n` CLI commands at once (each its own process), on random services. */
function cliCommands(configPath: string, names: string[], n: number): Promise<unknown>[] {
  return Array.from({ length: n }, (_, i) => runCli([OPS[i % OPS.length]!, names[i % names.length]!, "--force", "--config", configPath], env));
}

/** Every service at rest (running, stopped or failed; not starting, stopping or waiting to restart). */
async function settled(c: SocketClient): Promise<ServiceView[]> {
  return waitFor(async () => {
    const s = await c.call("snapshot", {});
    for (const v of s.services) trackGroup(v.pid);
    return s.services.every((v) => (v.state === "running" || v.state === "stopped" || v.state === "failed") && v.nextRestartAt === null) && s.services;
  }, { what: "every service at rest", timeoutMs: 30_000 });
}

/**
 * Services whose processes (a look at all of /proc) are not what `named` says: the daemon's view
 * (running with that pid, else none) or the state file's record (that pid and wanted, else no pid
 * and not wanted).
 */
function disagreements(rig: RigFixture, named: (name: string) => { pid: number | null; up: boolean }): string[] {
  const on = pidsOnDirs(rig.config.services.map((s) => s.dir));
  const out: string[] = [];
  for (const s of rig.config.services) {
    const live = on.get(s.dir)!;
    const n = named(s.name);
    if (JSON.stringify(live) !== JSON.stringify(n.up && n.pid !== null ? [n.pid] : []) || (!n.up && n.pid !== null)) out.push(`${s.name}: live ${JSON.stringify(live)}, named ${JSON.stringify(n)}`);
  }
  return out;
}

function stateFileOf(rig: RigFixture): (name: string) => { pid: number | null; up: boolean } {
  const st = JSON.parse(readFileSync(path.join(rig.stateDir, "state.json"), "utf8")) as { services: Record<string, { pid: number | null; wanted: boolean }> };
  return (name) => ({ pid: st.services[name]?.pid ?? null, up: st.services[name]?.wanted ?? false });
}

function viewsOf(views: ServiceView[]): (name: string) => { pid: number | null; up: boolean } {
  return (name) => {
    const v = views.find((x) => x.name === name)!;
    return { pid: v.pid, up: v.state === "running" };
  };
}

/** The state file and the live processes agree (its writes are batched: awaited, 10 s at most); the disagreements left if they never do. */
async function stateFileAgrees(rig: RigFixture): Promise<string[]> {
  let left: string[] = [];
  await waitFor(() => (left = disagreements(rig, stateFileOf(rig))).length === 0, { what: "the state file names the live processes", timeoutMs: 10_000 }).catch(() => undefined);
  return left;
}

describe("a command storm against the daemon's batched state writes", () => {
  it("never two post-services on one dir; the state file names the live processes afterwards; a daemon SIGKILLed mid-storm is followed by one that adopts exactly the live ones", async () => {
    const rig = makeRig({ services: 3 });
    const names = rig.config.services.map((s) => s.name);
    const watch = new DirWatch(rig.config.services.map((s) => s.dir));
    let d = await startDaemon(rig.configPath, rig.stateDir);
    daemons.push(d);
    watch.daemonPid = d.proc.pid!;
    const cpu0 = process.cpuUsage();
    let daemonCpuS = 0;
    const fig = { socket: 0, cli: 0, kills: 0, adopted: 0, startedAfresh: 0, goneAfterKill: 0, stateMismatches: 0, viewMismatches: 0, untracked: 0, notAdopted: 0 };
    try {
      await settled(d.client);

      // the storm: waves of concurrent commands, the first with CLI commands among them
      for (let wave = 0; wave < 3; wave++) {
        const cmds = [...socketCommands(d.client, names, 12), ...(wave === 0 ? cliCommands(rig.configPath, names, 3) : [])];
        fig.socket += 12;
        fig.cli += wave === 0 ? 3 : 0;
        await Promise.all(cmds);
      }
      const views = await settled(d.client);
      fig.viewMismatches += disagreements(rig, viewsOf(views)).length;
      const left = await stateFileAgrees(rig);
      fig.stateMismatches += left.length;
      expect(left).toEqual([]);

      // SIGKILL of the daemon while a wave is under way, right after it spawned a post-service (whose
      // pid its batched state write may not have on disk yet). The first wave only starts and
      // restarts: that process is not stopped before the kill, and the next daemon must adopt it.
      // The second begins with every service stopped, and so on disk: the first spawn's intent to
      // run must be on disk before it, or the next daemon leaves that process untracked
      for (let k = 0; k < 2; k++) {
        if (k === 1) {
          await d.client.call("stop", { names: [], all: true, force: true });
          fig.socket++;
          // answered: on disk (a daemon killed now must not start them again)
          expect(disagreements(rig, stateFileOf(rig))).toEqual([]);
        }
        const before = new Set([...watch.look(true).values()].flat());
        void Promise.all(socketCommands(d.client, names, 12, k === 0 ? ["restart", "start"] : OPS)); // a spawn for sure: a restart first, or a start of a stopped service
        fig.socket += 12;
        await waitFor(() => [...watch.look(false).values()].flat().some((p) => !before.has(p)), { what: "a post-service spawned by the wave", timeoutMs: 20_000, intervalMs: 1 });
        daemonCpuS += cpuSeconds(d.proc.pid!) ?? 0;
        process.kill(d.proc.pid!, "SIGKILL");
        await waitFor(() => !isAlive(d.proc.pid!), { what: "daemon gone" });
        d.client.close();
        daemons.splice(daemons.indexOf(d), 1);
        fig.kills++;
        const atKill = new Map([...watch.look(true)].map(([dir, pids]) => [dir, [...pids]]));
        d = await startDaemon(rig.configPath, rig.stateDir);
        daemons.push(d);
        watch.daemonPid = d.proc.pid!;
        const after = await settled(d.client);
        watch.look(true);
        for (const s of rig.config.services) {
          const v = after.find((x) => x.name === s.name)!;
          for (const pid of atKill.get(s.dir)!) {
            if (!isAlive(pid)) fig.goneAfterKill++; // it was being stopped (SIGTERM sent) when the daemon died
            else if (v.pid === pid && v.adopted) fig.adopted++;
            else fig.notAdopted++;
          }
          if (v.state === "running" && !atKill.get(s.dir)!.includes(v.pid!)) fig.startedAfresh++;
        }
        fig.untracked += disagreements(rig, viewsOf(after)).length;
        const left = await stateFileAgrees(rig);
        fig.stateMismatches += left.length;
      }
      daemonCpuS += cpuSeconds(d.proc.pid!) ?? 0;
    } finally {
      await watch.stop();
    }
    const own = process.cpuUsage(cpu0);
    const children = watch.spawned();
    say(
      `${fig.socket} socket + ${fig.cli} CLI commands on ${names.length} services, ${fig.kills} daemon SIGKILLs mid-storm; ${watch.looks} looks at the dirs, most processes on one dir: ${watch.most}; ` +
        `after the kills ${fig.adopted} adopted, ${fig.startedAfresh} started afresh, ${fig.goneAfterKill} gone (being stopped), ${fig.notAdopted} live but not adopted, ${fig.untracked} untracked; ` +
        `state file mismatches ${fig.stateMismatches}, daemon view mismatches ${fig.viewMismatches}; ` +
        `CPU: daemons ${daemonCpuS.toFixed(2)} s, ${children.count} post-services ${children.cpuS.toFixed(2)} s, this test ${((own.user + own.system) / 1e6).toFixed(2)} s`,
    );
    expect(watch.most).toBe(1);
    expect(fig).toMatchObject({ kills: 2, notAdopted: 0, untracked: 0, stateMismatches: 0, viewMismatches: 0 });
    expect(fig.adopted).toBeGreaterThan(0);

    // a stop of everything leaves nothing on the dirs, and the state file says so
    const stop = await runCli(["stop", "--all", "--force", "--config", rig.configPath], env);
    expect(stop.code).toBe(0);
    expect([...pidsOnDirs(rig.config.services.map((s) => s.dir)).values()].flat()).toEqual([]);
    expect(await stateFileAgrees(rig)).toEqual([]);
  });
});
