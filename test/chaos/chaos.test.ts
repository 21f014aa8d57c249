// Chaos checks of issue 11 against the real daemon (bin/postdeck.js; build first). Short form in
// `npm test`: a few storms, one CLI storm, a 3 s flood, two daemon SIGKILLs during identity
// operations. `npm run chaos` (CHAOS=full): hundreds of storms, a 60 s flood, SIGKILLs of the
// daemon at random points during start/stop/restart and during import/add/rename/retire. Each
// prints its figures ("0 duplicates in 500 storms", "flood peak 38 MB").
import { describe, expect, it } from "vitest";
import { makeRig } from "../helpers/rig-fixture.js";
import { tempDir } from "../helpers/temp-dir.js";
import { runCliInProcess, simPostcli } from "../helpers/cli.js";
import { pidsOnDir } from "./count.js";
import { killDuringIdentityOps } from "./identity-kills.js";
import { cliStorm, daemonHooks, FLOOD_POST_SERVICE, flood, FULL, killDuringOps, runningPid, socketStorms, startDaemon } from "./chaos-lib.js";

const MB = 1e6;
/** The long form runs for minutes (500 storms, a 60 s flood, 40 daemon kills). */
const LONG = FULL ? 40 * 60_000 : undefined;
const say = (line: string) => process.stdout.write(`chaos: ${line}\n`);

describe(`chaos (${FULL ? "full" : "short"})`, () => {
  // the storms and the identity operations' daemon kills run side by side (each its own rig and
  // daemon; both count duplicates, which load does not excuse); the flood, whose bound allows for a
  // loaded machine only so far, after them
  describe.concurrent("storms and identity kills, side by side", () => {
    const daemons = daemonHooks("group");

    it("command storms leave exactly one post-service per PoS dir, tracked by the daemon; a stop leaves none", async () => {
      const rig = makeRig({ services: 2 });
      const d = await startDaemon(rig.configPath, rig.stateDir);
      daemons.push(d);
      const [s0, s1] = rig.config.services;
      await runningPid(d.client, "svc0");
      await runningPid(d.client, "svc1");
      const storms = FULL ? Number(process.env.CHAOS_STORMS ?? 500) : 4;
      const socket = await socketStorms(d.client, "svc0", s0!.dir, storms, FULL ? 12 : 8);
      say(`${socket.duplicates} duplicates in ${storms} socket storms (stop + ${FULL ? 12 : 8} starts/restarts at once; most processes on one dir: ${socket.maxOnDir}; untracked: ${socket.untracked})`);
      const cliStorms = FULL ? 10 : 1;
      let cliDup = 0;
      let cliUntracked = 0;
      for (let i = 0; i < cliStorms; i++) {
        const r = await cliStorm(rig.configPath, d.client, "svc1", s1!.dir, FULL ? 20 : 8);
        cliDup += r.duplicates;
        cliUntracked += r.untracked;
      }
      say(`${cliDup} duplicates in ${cliStorms} CLI storms (stop + ${FULL ? 20 : 8} commands at once; untracked: ${cliUntracked})`);
      expect(socket).toEqual({ duplicates: 0, untracked: 0, maxOnDir: 1 });
      expect(cliDup + cliUntracked).toBe(0);
      const stop = await runCliInProcess(["stop", "--all", "--force", "--config", rig.configPath], { XDG_RUNTIME_DIR: "" });
      expect(stop.code).toBe(0);
      expect([...pidsOnDir(s0!.dir), ...pidsOnDir(s1!.dir)]).toEqual([]);
    }, LONG);

    it("SIGKILL of the daemon at random points during import/add/rename/retire: every identity complete or untouched, never a second key, service or process", async () => {
      const rig = makeRig({ services: 2, extra: { postcli: { binary: simPostcli(tempDir("pd-postcli-")) } } });
      const rounds = FULL ? Number(process.env.CHAOS_IDENTITY_KILLS ?? 40) : 2;
      const r = await killDuringIdentityOps(rig, rounds, FULL ? 600 : 300);
      say(`${r.duplicateKeys} identities with two keys, ${r.duplicateServices} dirs with two services, ${r.duplicateProcesses} dirs with two processes, ${r.halfDone} half-done identities in ${r.kills} daemon SIGKILLs during import/add/rename/retire (most per identity/dir: ${r.most.keys} key, ${r.most.services} service, ${r.most.processes} process)`);
      expect(r).toMatchObject({ kills: rounds, duplicateKeys: 0, duplicateServices: 0, duplicateProcesses: 0, halfDone: 0 });
    }, FULL ? LONG : 60_000);
  });

  describe("alone", () => {
    const daemons = daemonHooks();

    it("a service flooding its log keeps its log files near (keep + 1) × maxBytes, the daemon answering and its memory bounded", async () => {
      const maxBytes = FULL ? 10 * 1024 * 1024 : 2 * 1024 * 1024;
      const keep = FULL ? 3 : 2;
      // started once the daemon answers (as the bench does): the flood, not the daemon's own start-up
      const rig = makeRig({ service: () => ({ binary: FLOOD_POST_SERVICE, autostart: false }), extra: { logs: { maxBytes, keep, ringLines: 2000 } } });
      const d = await startDaemon(rig.configPath, rig.stateDir);
      daemons.push(d);
      const r = await flood(d, rig.stateDir, "svc0", { seconds: FULL ? Number(process.env.CHAOS_FLOOD_S ?? 60) : 3, maxBytes, keep });
      say(`flood peak ${(r.peakLogBytes / MB).toFixed(1)} MB on disk over ${r.seconds} s at ${(r.writtenPerSecond / MB).toFixed(0)} MB/s written (bound (keep+1) × maxBytes = ${(r.boundBytes / MB).toFixed(1)} MB), daemon RSS peak ${(r.peakRssBytes / MB).toFixed(0)} MB, ${r.snapshotsAnswered} snapshots answered, ${r.logLinesReceived} log lines streamed with ${r.skippedMarkers} 'lines skipped' markers`);
      // the bench's budget, (keep + 1) × maxBytes + 20 MB, plus what 300 ms of writing adds (the
      // issue asked for one second: 300–700 MB at `yes`'s rate). On a loaded machine the daemon's
      // threads, the size guard's backstop included, are off the CPU for a while as `yes` writes:
      // 30 ms seen at load 12 on 2 cores, and in a full CI run beside other engineers' work this
      // test peaked at 89 MB at 472 MB/s (over a 100 ms allowance); before the backstop it peaked
      // at 40–136 MB. The budget itself, with no allowance, is checked by bench/flood.js.
      expect(r.peakLogBytes).toBeLessThanOrEqual(r.boundBytes + 20 * MB + (r.writtenPerSecond * 3) / 10);
      expect(r.peakRssBytes).toBeLessThanOrEqual(300 * MB); // the issue saw 2.3 GB; the budget (150 MB) is measured in bench/
      expect(r.snapshotsAnswered).toBeGreaterThan(0);
      expect(r.skippedMarkers).toBeGreaterThan(0);
    }, LONG);

    it.runIf(FULL)("SIGKILL of the daemon at random points during start/stop/restart: never a duplicate, a restart is never lost", async () => {
      const rig = makeRig();
      const rounds = Number(process.env.CHAOS_KILLS ?? 40);
      const r = await killDuringOps(rig.configPath, rig.stateDir, "svc0", rig.config.services[0]!.dir, rounds, 400);
      say(`${r.duplicates} duplicates, ${r.lostRestarts} lost restarts, ${r.notTracked} untracked processes in ${r.kills} daemon SIGKILLs during start/stop/restart`);
      expect(r).toEqual({ kills: rounds, duplicates: 0, lostRestarts: 0, notTracked: 0 });
    }, LONG);
  });
});
