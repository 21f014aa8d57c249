// The daemon killed (SIGKILL at a fault point) in the middle of an identity operation, then started
// again: at start it finishes the operation, key files and config both, before any client asks —
// each identity ends with its key once and its service once, and one process on its PoS dir.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { makeRig } from "../helpers/rig-fixture.js";
import { tempDir } from "../helpers/temp-dir.js";
import { trackGroup } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait-for.js";
import { clientWhenUp, spawnDaemon, realDaemonHooks, simPostcli } from "../helpers/cli.js";
import { makePosDir } from "../core/identity/pos-fixture.js";
import { countIdentity, type IdentityCounts } from "../chaos/identity-counts.js";
import { pidsOnDir } from "../chaos/count.js";

import type { SocketClient } from "../../src/client/socket-client.js";

const clients = realDaemonHooks();

const env = { XDG_RUNTIME_DIR: "", POSTDECK_SIM_INIT_BPS: "0" };

async function up(configPath: string, stateDir: string, extra: NodeJS.ProcessEnv = {}): Promise<{ proc: ChildProcess; c: SocketClient; exited: Promise<NodeJS.Signals | null> }> {
  const proc = spawnDaemon(configPath, { ...env, ...extra });
  const exited = new Promise<NodeJS.Signals | null>((r) => proc.once("exit", (_code, sig) => r(sig)));
  const c = await clientWhenUp(stateDir, env);
  clients.push(c);
  return { proc, c, exited };
}

type Op = "import" | "add" | "rename" | "retire";

/** identity add of `name` with the demo's small geometry (the simulated postcli writes it at once). */
const addOf = (name: string, dir: string) => ({ name, dir, units: 4, provider: 4294967295, commitmentAtxId: "00".repeat(32), labelsPerUnit: 1024, maxFileSize: 16384 });

type Rig = ReturnType<typeof makeRig>;
/** What an operation is about: its node id (an add's is known once its key is written), PoS dir and service (null: retired). */
type Subject = { nodeId: string; dir: string; name: string | null };

/**
 * Starts `op` through the daemon's client (the daemon dies in it, at its fault point) on the
 * identity of `svc` (rename, retire) or a new one named `name` (import from a dir of that name, add).
 */
async function startOp(c: SocketClient, rig: Rig, op: Op, o: { svc: string; name: string; renameTo: string }): Promise<Subject> {
  if (op === "import") {
    const src = await makePosDir(path.join(rig.root, "old-node", o.name));
    const plan = await c.call("identityImport", { dirs: [src.dir], dryRun: true, confirm: [] });
    await c.call("identityImport", { dirs: [src.dir], dryRun: false, confirm: [plan.items[0]!.shortId!] }).catch(() => undefined);
    return { nodeId: src.nodeId, dir: src.dir, name: plan.items[0]!.serviceName };
  }
  if (op === "add") {
    const addDir = path.join(rig.root, `pos-${o.name}`);
    await c.call("identityAdd", addOf(o.name, addDir)).catch(() => undefined);
    return { nodeId: "", dir: addDir, name: o.name };
  }
  // rename and retire: the identity of `svc`, whose key the node side knows (they find the service by it)
  const svcIndex = Number(o.svc.replace("svc", ""));
  const keyName = `post${svcIndex}`;
  const id = await waitFor(async () => (await c.call("snapshot", {})).identities.find((i) => i.keyFile === `${keyName}.key` && i.service === o.svc), { what: `${keyName}.key known`, intervalMs: 200 });
  const dir = rig.config.services[svcIndex]!.dir;
  if (op === "rename") {
    await c.call("identityRename", { from: keyName, to: o.renameTo }).catch(() => undefined);
    return { nodeId: id.nodeId!, dir, name: o.renameTo };
  }
  await c.call("identityRetire", { name: keyName }).catch(() => undefined);
  return { nodeId: id.nodeId!, dir, name: null };
}

/**
 * Once a new daemon has settled after `op` was cut (the service we expect running, or retired and
 * gone, and nothing else on its dir): the identity's counts and its running service's name.
 */
async function settled(c: SocketClient, rig: Rig, op: Op, subject: Subject, what: string): Promise<{ counts: IdentityCounts; running: string | null }> {
  if (op === "add") subject.nodeId = readFileSync(path.join(subject.dir, "identity.key"), "utf8").slice(64, 128);
  const running = await waitFor(async () => {
    const s = await c.call("snapshot", {});
    for (const v of s.services) trackGroup(v.pid);
    const v = s.services.find((x) => x.name === subject.name);
    // retired: no service on its dir; an import cut before its key: nothing of it, the rig's svc0 as it was
    if (subject.name === null) return !s.services.some((x) => x.dir === subject.dir) && { name: null };
    if (op === "import" && !v) return s.services.some((x) => x.name === "svc0") && { name: null };
    return v?.state === "running" && pidsOnDir(subject.dir).length === 1 && pidsOnDir(subject.dir)[0] === v.pid && { name: v.name };
  }, { what: `${what}: settled`, timeoutMs: 30_000, intervalMs: 200 });
  for (const p of pidsOnDir(subject.dir)) trackGroup(p);
  const counts = countIdentity({ identitiesDir: path.join(rig.root, "data", "identities"), configPath: rig.configPath, nodeId: subject.nodeId, dir: subject.dir });
  return { counts, running: running.name };
}

/** The counts an interrupted operation must end with: complete (key once, service once, one process) or, retired or cut before its key, nothing of it. */
function expectFinished(r: { counts: IdentityCounts; running: string | null }, op: Op, want: "complete" | "untouched", name: string, what: string): void {
  if (op === "retire" || want === "untouched") {
    expect(r.counts, what).toEqual({ keys: 0, services: [], processes: 0 });
    return;
  }
  expect(r.counts, what).toEqual({ keys: 1, services: [name], processes: 1 });
  expect(r.running, what).toBe(name);
}

/** An add finished after its interruption: the same add again answers done, saying so. */
async function expectAddAgainDone(c: SocketClient, name: string, dir: string, what: string): Promise<void> {
  const again = await c.call("identityAdd", addOf(name, dir));
  expect(again.task.state, what).toBe("done");
  expect(again.task.message, what).toContain("finished after an interruption");
}

/** Fault points per operation (CHAOS=full: each on a rig of its own). */
const POINTS: { op: Op; point: string; want: "complete" | "untouched" }[] = [
  ...["after-link", "import-after-key", "import-after-service"].map((point) => ({ op: "import" as const, point, want: "complete" as const })),
  ...["after-temp-write", "import-after-intent"].map((point) => ({ op: "import" as const, point, want: "untouched" as const })),
  ...["rename-after-intent", "rename-after-hide", "rename-after-link", "rename-after-key", "rename-after-service"].map((point) => ({ op: "rename" as const, point, want: "complete" as const })),
  ...["retire-after-intent", "move-after-link", "retire-after-key", "retire-after-service"].map((point) => ({ op: "retire" as const, point, want: "complete" as const })),
  ...["after-link", "add-after-key"].map((point) => ({ op: "add" as const, point, want: "complete" as const })),
];
const FULL = process.env.CHAOS === "full";

const rigWithPostcli = (services: number) => makeRig({ services, extra: { postcli: { binary: simPostcli(tempDir("pd-postcli-")) } } });
/** The service an operation's identity ends with (an import's is named after its dir). */
const finalName = (op: Op) => (op === "rename" ? "beta" : op === "add" ? "added" : "fresh");

/** CHAOS=full: one rig, its daemon killed at `point` during `op`, a new daemon, the identity's counts once it settled. */
async function checkAlone(c: (typeof POINTS)[number]): Promise<void> {
  const rig = rigWithPostcli(1);
  const what = `${c.op} killed at ${c.point}`;
  const first = await up(rig.configPath, rig.stateDir, { POSTDECK_FAULT: c.point });
  const subject = await startOp(first.c, rig, c.op, { svc: "svc0", name: c.op === "add" ? "added" : "fresh", renameTo: "beta" });
  expect(await first.exited, what).toBe("SIGKILL");
  const second = await up(rig.configPath, rig.stateDir);
  expectFinished(await settled(second.c, rig, c.op, subject, what), c.op, c.want, finalName(c.op), what);
  if (c.op === "add") await expectAddAgainDone(second.c, "added", subject.dir, what);
}

describe("an identity operation interrupted by a daemon SIGKILL is finished at the next daemon start", () => {
  it("import, rename, retire and add killed after their key step: key once, service once, one process (the same add again answers done)", async () => {
    // One rig, five daemons: each is armed for the next operation's key step, dies in it, and the
    // next one (armed for the operation after) finishes it at its start. rename is svc0's identity,
    // retire svc1's; import and add bring their own.
    const rig = rigWithPostcli(2);
    const chain: { op: Op; point: string; svc: string }[] = [
      { op: "import", point: "import-after-key", svc: "svc0" },
      { op: "rename", point: "rename-after-key", svc: "svc0" },
      { op: "retire", point: "retire-after-key", svc: "svc1" },
      { op: "add", point: "add-after-key", svc: "svc0" },
    ];
    let cut: { op: Op; point: string; subject: Subject } | null = null;
    for (const step of [...chain, null]) {
      const d = await up(rig.configPath, rig.stateDir, step ? { POSTDECK_FAULT: step.point } : {});
      if (cut) {
        const what = `${cut.op} killed at ${cut.point}`;
        expectFinished(await settled(d.c, rig, cut.op, cut.subject, what), cut.op, "complete", finalName(cut.op), what);
        if (cut.op === "add") await expectAddAgainDone(d.c, "added", cut.subject.dir, what);
      }
      if (!step) break;
      const subject = await startOp(d.c, rig, step.op, { svc: step.svc, name: finalName(step.op), renameTo: "beta" });
      cut = { op: step.op, point: step.point, subject };
      expect(await d.exited, `${step.op} killed at ${step.point}`).toBe("SIGKILL");
    }
  }, 120_000);
  it.runIf(FULL)("every fault point of import, rename, retire and add (CHAOS=full)", async () => {
    for (const p of POINTS) await checkAlone(p);
  }, 10 * 60_000);
});
