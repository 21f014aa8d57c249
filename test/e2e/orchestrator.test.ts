// The orchestrator on the demo rig (real daemon, simulated node and post-services): a fresh rig's
// node asks all four identities for a proof at once; on-demand runs at most one reader per
// simulated disk (without history the next starts as the read before it ends), both disks in
// parallel, and every identity gets its proof; with a round of history the next prover on a disk
// starts while the one before still reads, never two readers at once. The daemon's view is followed
// through its event stream (every change), the simulated disks' readers sampled 4×/s.
import fs from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoRig, DEMO_LABELS_PER_UNIT, DEMO_NUM_UNITS } from "../../src/sim/rig-builder.js";
import { readersPerDisk } from "../../src/sim/post-service/disk-share.js";
import type { IdentityView, Plan, ServiceView, Snapshot } from "../../src/protocol/model.js";
import { BIN, clientWhenUp, requireBuild, runCliInProcess } from "../helpers/cli.js";
import type { SocketClient } from "../../src/client/socket-client.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp-dir.js";
import { sleep, waitFor } from "../helpers/wait-for.js";

let cfg: string[] = [];
let rigDir = "";
let client: SocketClient | null = null;
// for the daemon and so its simulated node and post-services: k2pow lasts its usual 1.5 s but waits
// instead of burning the CPU (the hand-overs here depend on how long it takes, not on its load); the
// node looks at its PROVING identities (asks a post-service that registered, fetches a proof) every
// 500 ms instead of 2 s, as the daemon asks the node every second (pollMs below): a round waits for
// its proofs, not for the polls between them
const SIM_ENV: NodeJS.ProcessEnv = { POSTDECK_SIM_POW_SLEEP: "1", POSTDECK_SIM_NODE_QUERY_MS: "500" };

beforeAll(async () => {
  requireBuild();
  rigDir = tempDir("pd-e2e-orch-");
  // time-compressed: a demo identity (4 MiB) reads in about 3 s alone on its simulated disk
  const rig = await buildDemoRig({ dir: rigDir, identities: 4, postdeckBin: BIN, disks: 2, diskReadBytesPerSec: (DEMO_NUM_UNITS * DEMO_LABELS_PER_UNIT * 16) / 3 });
  // the demo network opens a cycle gap a minute after the build: an hour away instead, so the rounds
  // here are the node's initial proofs only (a gap's proofs in the middle of a round, on a slow
  // machine, mixed two rounds' provers and a node restart)
  const nodeCfg = JSON.parse(fs.readFileSync(rig.nodeConfigPath, "utf8")) as { genesis: Record<string, string> };
  nodeCfg.genesis["genesis-time"] = new Date(Date.parse(nodeCfg.genesis["genesis-time"]!) + 60 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  fs.writeFileSync(rig.nodeConfigPath, JSON.stringify(nodeCfg, null, 2) + "\n");
  // the daemon asks the node for its PostStates every second (2 s by default; at rest 5 × that)
  const doc = parseDocument(fs.readFileSync(rig.configPath, "utf8"));
  doc.setIn(["node", "pollMs"], 1000);
  fs.writeFileSync(rig.configPath, doc.toString());
  cfg = ["--config", rig.configPath];
  const r = await runCliInProcess([...cfg, "daemon", "start"], SIM_ENV);
  expect(r.code, r.stderr).toBe(0);
  client = await clientWhenUp(path.join(rigDir, "state"), {});
}, 120_000);

afterAll(async () => {
  client?.close();
  if (cfg.length) await runCliInProcess([...cfg, "daemon", "stop", "--stop-services", "--force"]);
  cleanupTempDirs();
});

/**
 * Follows a round of proofs until every identity is IDLE again: provers and services running for a
 * proof per disk at most, in every state the daemon's event stream shows (each change of a service
 * or of the identities, in the daemon's order: a hand-over's overlap is seen however briefly it lasts
 * and however loaded the machine, where samples could fall before and after it); the simulated disks'
 * readers (their leases, which the daemon does not see) sampled 4×/s.
 */
async function watchRound() {
  const disks = JSON.parse(fs.readFileSync(path.join(rigDir, "sim-disks.json"), "utf8")) as { disks: Record<string, { dirs: string[] }> };
  const diskOf = (dir: string) => Object.entries(disks.disks).find(([, d]) => d.dirs.includes(dir))![0];
  const maxProving: Record<string, number> = {};
  const maxRunning: Record<string, number> = {};
  const maxLeases: Record<string, number> = {};
  let sawProving = false;
  let bothAtOnce = false;
  let done = false;
  const services = new Map<string, ServiceView>();
  let identities: IdentityView[] = [];
  const look = () => {
    const proving: Record<string, number> = {};
    const running: Record<string, number> = {};
    for (const v of services.values()) {
      const d = diskOf(v.dir);
      if (v.operator.kind === "proving") proving[d] = (proving[d] ?? 0) + 1;
      // running for a proof (starting, in k2pow or reading; not one at DoneProving handing its proof over)
      if ((v.state === "running" || v.state === "starting") && v.operator.kind !== "done" && identities.find((i) => i.service === v.name)?.postState === "PROVING") running[d] = (running[d] ?? 0) + 1;
    }
    for (const [d, n] of Object.entries(proving)) maxProving[d] = Math.max(maxProving[d] ?? 0, n);
    for (const [d, n] of Object.entries(running)) maxRunning[d] = Math.max(maxRunning[d] ?? 0, n);
    if (Object.keys(proving).length === 2) bothAtOnce = true;
    if (identities.some((i) => i.postState === "PROVING")) sawProving = true;
    done = sawProving && identities.length === 4 && identities.every((i) => i.postState === "IDLE");
  };
  const unsubscribe = client!.subscribe(
    (e) => {
      if (e.type === "snapshot") {
        services.clear();
        for (const v of e.data.services) services.set(v.name, v);
        identities = e.data.identities;
      } else if (e.type === "service") services.set(e.data.name, e.data);
      else if (e.type === "identities") identities = e.data;
      else return;
      look();
    },
    undefined,
    { types: ["service", "identities"] },
  );
  try {
    const deadline = Date.now() + 60_000;
    while (!done && Date.now() < deadline) {
      for (const [d, n] of Object.entries(readersPerDisk(rigDir))) maxLeases[d] = Math.max(maxLeases[d] ?? 0, n);
      await sleep(250);
    }
  } finally {
    unsubscribe();
  }
  return { done, maxProving, maxRunning, maxLeases, bothAtOnce };
}

describe("on-demand proving on the demo rig", () => {
  it("never more than one reader per disk (one more staged behind it at most), both disks at once, every identity proved", { timeout: 90_000 }, async () => {
    const { done, maxProving, maxRunning, maxLeases, bothAtOnce } = await watchRound();
    expect(done, "every identity proved within 60 s").toBe(true);
    // without history the next prover may start (start-up, k2pow: /status says Proving) as the read before it ends
    expect(Object.values(maxProving).every((n) => n <= 2), JSON.stringify(maxProving)).toBe(true);
    expect(Object.values(maxRunning).every((n) => n <= 2), JSON.stringify(maxRunning)).toBe(true);
    expect(Object.values(maxLeases).every((n) => n <= 1), JSON.stringify(maxLeases)).toBe(true);
    expect(bothAtOnce).toBe(true);

    // the plan: one lane per simulated disk, each identity with its disk and predictions (from this proof's history)
    const r = await runCliInProcess([...cfg, "plan", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    expect(plan.mode).toBe("on-demand");
    expect(plan.lanes.map((l) => l.disk).sort()).toEqual(["simdisk-a", "simdisk-b"]);
    expect(plan.identities.map((i) => [i.keyFile, i.disk]).sort()).toEqual([
      ["post1.key", "simdisk-a"], ["post2.key", "simdisk-b"], ["post3.key", "simdisk-a"], ["post4.key", "simdisk-b"],
    ]);
    for (const i of plan.identities) {
      expect(i.basis).toMatch(/history \(1 proof\)/);
      expect(typeof i.fits).toBe("boolean");
    }
    const text = await runCliInProcess([...cfg, "plan"]);
    expect(text.stdout).toMatch(/disk simdisk-a/);
  });

  // The overlap lasts a second or two here (start-up and a 1.5 s k2pow, log lines read once a second,
  // /status polled every 2 s); the driver's timing under those lags is also tested on a fake clock
  // (test/core/orchestrator/driver-handover.test.ts).
  it("with a round of history, hand-overs overlap: the next one starts while the one before reads, never two readers on a disk", { timeout: 90_000 }, async () => {
    // the node forgets its ATXs and restarts: it asks every identity again
    fs.rmSync(path.join(rigDir, "node", "data", "sim-node-state.json"), { force: true });
    const rs = await runCliInProcess([...cfg, "restart", "node", "--force"]);
    expect(rs.code, rs.stdout + rs.stderr).toBe(0);
    const { done, maxRunning, maxLeases } = await watchRound();
    expect(done, "every identity proved again within 60 s").toBe(true);
    expect(Object.values(maxLeases).every((n) => n <= 1), JSON.stringify(maxLeases)).toBe(true);
    // one reading and at most one staged in its k2pow behind it (perDisk 1), on some disk both at once
    expect(Object.values(maxRunning).every((n) => n <= 2), `running for a proof per disk at most: ${JSON.stringify(maxRunning)}`).toBe(true);
    expect(Object.values(maxRunning).some((n) => n === 2), `running for a proof per disk at most: ${JSON.stringify(maxRunning)}`).toBe(true);
  });

  it("a service started by hand is the operator's until handed back with plan --release, across a daemon restart", { timeout: 60_000 }, async () => {
    // the daemon's plan over its socket (the CLI's `plan --json` is the first test's)
    const manual = async () => (await client!.call("plan", {})).identities.find((i) => i.keyFile === "post1.key")!.manual;
    expect(await manual()).toBe(false);
    expect((await runCliInProcess([...cfg, "start", "post1"])).code).toBe(0);
    expect(await manual()).toBe(true);
    // the node shows post1 IDLE: on-demand stops such a service once it has answered /status (not
    // before: a service just started gets a grace), at the tick that answer brings (~50 ms after it);
    // one taken by hand it leaves running: looked at after a decision made once the answer was in
    // (the plan's decidedAt: a decision later than the snapshot that showed the answer saw it)
    const answeredBy = await waitFor(async () => {
      const v = (await client!.call("snapshot", {})).services.find((x) => x.name === "post1")!;
      return (v.operator.kind !== "none" && v.operator.kind !== "unreachable") || (v.state !== "starting" && v.state !== "running") ? Date.now() : false;
    }, { what: "post1 answering /status", timeoutMs: 30_000, intervalMs: 20 });
    await waitFor(async () => ((await client!.call("plan", {})).decidedAt ?? 0) > answeredBy, { what: "a decision after post1's answer", timeoutMs: 10_000, intervalMs: 20 });
    const s: Snapshot = await client!.call("snapshot", {});
    const post1 = s.services.find((v) => v.name === "post1")!;
    expect(post1.state).toBe("running");
    expect(post1.orchestration).toMatchObject({ state: "hand", reason: expect.stringMatching(/taken by hand at .*plan --release post1/) });
    expect(s.services.find((v) => v.name === "post2")!.orchestration?.state).toMatch(/^(idle|proving|queued)$/); // the orchestrator's, whatever it does now
    // status says so too
    expect((await runCliInProcess([...cfg, "status"])).stdout).toMatch(/post1 .*by hand/);
    // a daemon restart keeps it the operator's (the state dir holds it)
    client!.close();
    expect((await runCliInProcess([...cfg, "daemon", "stop"])).code).toBe(0);
    expect((await runCliInProcess([...cfg, "daemon", "start"], SIM_ENV)).code).toBe(0);
    client = await clientWhenUp(path.join(rigDir, "state"), {});
    expect(await manual()).toBe(true);
    const r = await runCliInProcess([...cfg, "plan", "--release", "post1"]);
    expect(r.stdout).toMatch(/post1 handed back/);
    expect(await manual()).toBe(false);
  });

});
