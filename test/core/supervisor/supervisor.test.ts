// Integration: the supervisor with real child processes (test/fixtures/fake-post-service.mjs).
import type { ServiceView } from "../../../src/protocol/model.js";
import { afterAll, describe, expect, it } from "vitest";
import { chmodSync, copyFileSync, readdirSync, rmSync, statSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Supervisor } from "../../../src/core/supervisor/supervisor.js";
import { findProcessesWithArgPair } from "../../../src/core/supervisor/proc-stat.js";
import { spawnIntoLogFile, type Spawner } from "../../../src/core/supervisor/spawn-detached.js";
import { makeRig, FAKE_POST_SERVICE } from "../../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../../helpers/temp-dir.js";
import { isAlive, killTrackedGroups, spawnTracked, trackGroup } from "../../helpers/processes.js";
import { waitFor } from "../../helpers/wait-for.js";

const sups: Supervisor[] = [];
function supervisor(config: ConstructorParameters<typeof Supervisor>[0]["config"], spawner?: Spawner) {
  const s = new Supervisor({ config, spawner, intervals: { adoptPoll: 200, operatorPoll: 300, rotate: 200 } });
  s.on("service", (v) => trackGroup(v.pid));
  sups.push(s);
  return s;
}

/** A supervisor that starts every service and then goes away leaving them running (a killed daemon); their pids. */
async function runThenLeave(config: ConstructorParameters<typeof Supervisor>[0]["config"]): Promise<number[]> {
  const first = supervisor(config);
  await first.init();
  const pids = await waitFor(() => { const v = first.views(); return v.every((x) => x.state === "running") && v.map((x) => x.pid!); });
  await first.shutdown({ stopServices: false });
  sups.splice(sups.indexOf(first), 1);
  return pids;
}

// each test has its own rig (state dir, PoS dirs, ports): the tests run side by side, their
// supervisors shut down and processes killed after the file
afterAll(async () => {
  for (const s of sups.splice(0)) await s.shutdown({ stopServices: false });
  killTrackedGroups();
  cleanupTempDirs();
});

describe.concurrent("supervisor", () => {
  it("starts a service with the built argv, polls its operator API and writes its log file", async () => {
    const rig = makeRig();
    const sup = supervisor(rig.config);
    await sup.init();
    const v = await waitFor(() => { const x = sup.view("svc0"); return x?.state === "running" && x.operator.kind === "idle" && x; }, { what: "running + idle" });
    expect(v.pid).toBeGreaterThan(0);
    expect(isAlive(v.pid!)).toBe(true);
    expect(v.argv[0]).toBe(FAKE_POST_SERVICE);
    expect(v.argv).toContain("--operator-address");
    expect(v.operatorAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    await waitFor(() => readFileSync(v.logFile, "utf8").includes("running operator service"), { what: "log line in the log file" });
    // the child is in its own process group
    const stat = readFileSync(`/proc/${v.pid}/stat`, "utf8");
    expect(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]).toBe(String(v.pid));
  });

  it("restarts a crashed service after a backoff", async () => {
    const rig = makeRig({ defaults: { env: { FAKE_CRASH_ONCE: "" } } });
    const marker = path.join(rig.root, "crashed-once");
    const cfg = { ...rig.config, services: rig.config.services.map((s) => ({ ...s, env: { FAKE_CRASH_ONCE: marker } })) };
    const sup = supervisor(cfg);
    const states: string[] = [];
    sup.on("service", (v) => states.push(v.state));
    await sup.init();
    const v = await waitFor(() => { const x = sup.view("svc0"); return x?.state === "running" && x.restarts === 1 && x; }, { what: "restarted" });
    expect(states).toContain("backoff");
    expect(v.lastExit?.code).toBe(3);
    expect(readFileSync(marker, "utf8")).not.toBe(String(v.pid));
  });

  it("fails after maxRestarts with the exit code and last log lines", async () => {
    const rig = makeRig({ defaults: { env: { FAKE_EXIT_AFTER_MS: "10", FAKE_EXIT_CODE: "9" }, restart: { initialDelayMs: 50, maxDelayMs: 100, maxRestarts: 2 } } });
    const sup = supervisor(rig.config);
    await sup.init();
    const v = await waitFor(() => { const x = sup.view("svc0"); return x?.state === "failed" && x.reason?.includes("Last log lines") && x; }, { what: "failed" });
    expect(v.reason).toContain("exit code 9");
    expect(v.reason).toContain("simulated failure");
    expect(v.restarts).toBe(2);
  });

  it("stop escalates to SIGKILL for a child that ignores SIGTERM", async () => {
    const rig = makeRig({ defaults: { env: { FAKE_IGNORE_TERM: "1" }, stopGraceS: 1 } });
    const sup = supervisor(rig.config);
    await sup.init();
    const v = await waitFor(() => { const x = sup.view("svc0"); return x?.state === "running" && x.operator.kind === "idle" && x; });
    const r = await sup.stop("svc0");
    expect(r.ok).toBe(true);
    expect(r.message).toContain("killed after the stop grace period");
    const after = sup.view("svc0")!;
    expect(after.state).toBe("stopped");
    expect(after.lastExit?.signal).toBe("SIGKILL");
    expect(isAlive(v.pid!)).toBe(false);
  });

  it("refuses to start, with a reason, a missing binary, a non-executable binary and a PoS dir without metadata", async () => {
    const rig = makeRig({ services: 3 });
    const noExec = path.join(rig.root, "post-service-noexec");
    copyFileSync(FAKE_POST_SERVICE, noExec);
    chmodSync(noExec, 0o644);
    rmSync(path.join(rig.config.services[2]!.dir, "postdata_metadata.json"));
    const services = rig.config.services.map((s, i) =>
      i === 0 ? { ...s, binary: path.join(rig.root, "nope", "post-service") } : i === 1 ? { ...s, binary: noExec } : s,
    );
    const sup = supervisor({ ...rig.config, services });
    await sup.init();
    const [a, b, c] = ["svc0", "svc1", "svc2"].map((n) => sup.view(n)!) as [ServiceView, ServiceView, ServiceView];
    expect(a.state).toBe("failed");
    expect(a.reason).toMatch(/binary .*nope\/post-service not found/);
    expect(b.state).toBe("failed");
    expect(b.reason).toContain("is not executable (mode 0644)");
    expect(c.state).toBe("failed");
    expect(c.reason).toContain("postdata_metadata.json not found");
    expect(a.pid).toBeNull();
  });

  it("refuses a PoS dir whose NodeId has no key, and two services for one identity", async () => {
    const rig = makeRig({ services: 3 });
    rmSync(path.join(rig.config.node.identitiesDir, "post0.key"));
    copyFileSync(path.join(rig.config.services[1]!.dir, "postdata_metadata.json"), path.join(rig.config.services[2]!.dir, "postdata_metadata.json"));
    const sup = supervisor(rig.config);
    await sup.init();
    expect(sup.view("svc0")!.reason).toContain("no valid key in");
    expect(sup.view("svc1")!.reason).toContain("prove for the same identity");
    expect(sup.view("svc2")!.state).toBe("failed");
  });

  it("a new supervisor re-adopts live services (same pid) and notices their exit by polling", async () => {
    const rig = makeRig({ services: 2 });
    const pids = await runThenLeave(rig.config);
    expect(pids.every(isAlive)).toBe(true);
    const second = supervisor(rig.config);
    const { adopted } = await second.init();
    expect(adopted.sort()).toEqual(["svc0", "svc1"]);
    expect(second.views().map((v) => v.pid)).toEqual(pids);
    expect(second.views().every((v) => v.adopted)).toBe(true);
    // an adopted child that dies is noticed and restarted (policy on-failure, killed by a signal)
    process.kill(-pids[0]!, "SIGKILL");
    const v = await waitFor(() => { const x = second.view("svc0"); return x?.state === "running" && x.pid !== pids[0] && x; }, { what: "re-started after adopted exit" });
    expect(v.adopted).toBe(false);
    // stopping an adopted service works too
    expect((await second.stop("svc1")).ok).toBe(true);
    expect(isAlive(pids[1]!)).toBe(false);
  });

  it("a service removed from the config while no daemon ran is stopped at start; a renamed one (same dir) is adopted", async () => {
    const rig = makeRig({ services: 3 });
    const pids = await runThenLeave(rig.config);
    // While no daemon runs, the operator removes svc1 and renames svc2 to svc2b (same PoS dir).
    const [s0, , s2] = rig.config.services;
    const edited = { ...rig.config, services: [s0!, { ...s2!, name: "svc2b" }] };
    const second = supervisor(edited);
    const { warnings, adopted } = await second.init();
    expect(adopted).toEqual(["svc0"]);
    expect(warnings.some((w) => w.startsWith(`svc1 (pid ${pids[1]}) is no longer in the config: svc1 stopped`))).toBe(true);
    expect(isAlive(pids[1]!)).toBe(false);
    // the renamed service takes over its process: no second post-service on that dir, no lost proof
    const renamed = await waitFor(() => { const x = second.view("svc2b"); return x?.state === "running" && x; }, { what: "svc2b running" });
    expect(renamed.pid).toBe(pids[2]);
    expect(isAlive(pids[2]!)).toBe(true);
    expect(second.view("svc0")!.pid).toBe(pids[0]);
  });

  it("rotation keeps a chatty service's log dir under its bound", async () => {
    const rig = makeRig({ defaults: { env: { FAKE_CHATTY_BYTES_PER_TICK: "400" } } }); // ~40 KB/s
    // 16 KiB files: two rotations in under a second of writing (the rig's 64 KiB took over three)
    rig.config.logs = { ...rig.config.logs, maxBytes: 16_384 };
    const sup = supervisor(rig.config);
    await sup.init();
    const logDir = path.join(rig.stateDir, "logs");
    await waitFor(() => readdirSync(logDir).includes("svc0.log.2"), { what: "two rotations", timeoutMs: 30_000 });
    const { maxBytes, keep } = rig.config.logs;
    const total = () => readdirSync(logDir).reduce((n, f) => n + statSync(path.join(logDir, f)).size, 0);
    for (let i = 0; i < 10; i++) {
      // bound: keep rotated files + the live one, plus what ~1 s of writing adds between checks
      // (a rotation is due every 200 ms; a busy machine delays it)
      expect(total()).toBeLessThanOrEqual((keep + 1) * maxBytes + 2 * 40_000);
      expect(readdirSync(logDir).filter((f) => f.startsWith("svc0.log")).length).toBeLessThanOrEqual(keep + 1);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});

describe.concurrent("supervisor state file", () => {
  const readState = (stateDir: string) => JSON.parse(readFileSync(path.join(stateDir, "state.json"), "utf8"));

  it("names every service of a burst of starts, with its pid, once init has returned", async () => {
    const rig = makeRig({ services: 6 });
    const sup = supervisor(rig.config);
    await sup.init();
    const state = readState(rig.stateDir);
    for (const v of sup.views()) {
      expect(v.state).toBe("running");
      expect(state.services[v.name]).toMatchObject({ pid: v.pid, wanted: true, operatorAddress: v.operatorAddress });
      expect(state.services[v.name].startTime).toEqual(expect.any(String));
    }
  });

  it("a stop, once answered, is on disk: no pid and not wanted (a daemon killed right after it does not start the service again)", async () => {
    const rig = makeRig({ services: 2 });
    const sup = supervisor(rig.config);
    await sup.init();
    for (const name of ["svc0", "svc1"]) {
      expect((await sup.stop(name)).ok).toBe(true);
      expect(readState(rig.stateDir).services[name]).toMatchObject({ pid: null, wanted: false });
    }
  });

  it("a daemon killed between a spawn and the state write: the next one adopts the process it started (a manual start included)", async () => {
    const rig = makeRig({ services: 2, defaults: { autostart: false } });
    // what was on disk at the moment of each spawn: the file a daemon killed right then leaves
    const atSpawn = new Map<string, string>();
    const spawner: Spawner = async (spec, logFile) => {
      const child = await spawnIntoLogFile(spec, logFile);
      atSpawn.set(path.basename(logFile, ".log"), readFileSync(path.join(rig.stateDir, "state.json"), "utf8"));
      return child;
    };
    const first = supervisor(rig.config, spawner);
    await first.init();
    expect((await first.start("svc1")).ok).toBe(true);
    const v = first.view("svc1")!;
    await waitFor(() => { try { return readFileSync(`/proc/${v.pid}/cmdline`, "utf8").includes("fake-post-service"); } catch { return false; } });
    await first.shutdown({ stopServices: false });
    sups.splice(sups.indexOf(first), 1);
    // the intent to run was on disk before the spawn; the pid was not yet
    const before = JSON.parse(atSpawn.get("svc1")!);
    expect(before.services.svc1.wanted).toBe(true);
    writeFileSync(path.join(rig.stateDir, "state.json"), atSpawn.get("svc1")!);
    const second = supervisor(rig.config);
    await second.init();
    const w = await waitFor(() => { const x = second.view("svc1"); return x?.state === "running" && x; }, { what: "svc1 running" });
    expect(w.pid).toBe(v.pid);
    expect(w.adopted).toBe(true);
    expect(second.view("svc0")!.state).toBe("stopped");
  });
});

describe.concurrent("a lone start's look for a post-service on its dir", () => {
  it("reads /proc afresh: a process that became a post-service on the dir after the last scan is found, not duplicated", async () => {
    const rig = makeRig({ defaults: { autostart: false } });
    const sup = supervisor(rig.config);
    await sup.init();
    const dir = rig.config.services[0]!.dir;
    // a shell that exec's a post-service on svc0's dir (other settings) once told to: a scan sees it as the shell
    const script = `read x; exec "${process.execPath}" -e "setInterval(() => {}, 1000)" -- --dir "${dir}" --address http://127.0.0.1:1`;
    const sh = spawnTracked("sh", ["-c", script], { stdio: ["pipe", "ignore", "ignore"] });
    const cmdline = (): string => { try { return readFileSync(`/proc/${sh.pid}/cmdline`, "utf8"); } catch { return ""; } };
    await waitFor(() => cmdline().includes("read x"));
    expect(findProcessesWithArgPair("--dir", dir)).toEqual([]); // a full scan, the shell in it
    sh.stdin!.write("go\n");
    await waitFor(() => cmdline().includes("--dir"));
    await sup.start("svc0");
    const v = sup.view("svc0")!;
    expect(v.pid).toBeNull();
    expect(v.reason).toContain(`another post-service (pid ${sh.pid}) already runs on ${dir}`);
  });
});

describe.concurrent("supervisor without a state file", () => {
  it("adopts its own post-service found running on the dir instead of starting a duplicate", async () => {
    const rig = makeRig();
    const first = supervisor(rig.config);
    await first.init();
    const v = await waitFor(() => { const x = first.view("svc0"); return x?.state === "running" && x; });
    // the start-up scan finds a post-service by its argv: wait until the child has exec'd (between
    // fork and exec it still carries this process's argv and no scan could know it)
    await waitFor(() => { try { return readFileSync(`/proc/${v.pid}/cmdline`, "utf8").includes("fake-post-service"); } catch { return false; } });
    await first.shutdown({ stopServices: false });
    sups.splice(sups.indexOf(first), 1);
    rmSync(path.join(rig.stateDir, "state.json")); // as if the daemon died before saving
    const second = supervisor(rig.config);
    await second.init();
    const w = second.view("svc0")!;
    expect(w.state).toBe("running");
    expect(w.pid).toBe(v.pid);
    expect(w.operatorAddress).toBe(v.operatorAddress);
    expect(w.reason).toContain("adopted the already running post-service");
  });
});
