// SIGKILL of the daemon at random points during identity operations (import, add, rename, retire),
// then a new daemon: every identity must end complete or untouched — its key once in identities/
// (none once retired), one service on its PoS dir exactly when its key is loaded, one process on it.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { RigFixture } from "../helpers/rig-fixture.js";
import { trackGroup } from "../helpers/processes.js";
import { sleep, waitFor } from "../helpers/wait-for.js";
import { makePosDir } from "../core/identity/pos-fixture.js";
import { pidsOnDir } from "./count.js";
import { keysPerIdentity, servicesPerDir } from "./identity-counts.js";
import { FULL, killDaemon, startDaemon, type Daemon } from "./chaos-lib.js";

export interface IdentityKillResult {
  kills: number;
  /** Identities whose key is in identities/ more than once (the node refuses to start). */
  duplicateKeys: number;
  /** PoS dirs with more than one service in postdeck.yaml. */
  duplicateServices: number;
  /** PoS dirs with more than one process. */
  duplicateProcesses: number;
  /** A key loaded without its service, or a service without its key: an operation left half done. */
  halfDone: number;
  /** Most key files, services and processes seen for one identity / dir. */
  most: { keys: number; services: number; processes: number };
}



/**
 * `rounds` times: one identity operation (import, add, rename, retire in turn), a SIGKILL of the
 * daemon 0–`maxDelayMs` ms later, a new daemon; once its services have settled, counts every
 * identity and dir. The rig needs postcli (simPostcli) for add, and POSTDECK_SIM_INIT_BPS=0.
 */
export async function killDuringIdentityOps(rig: RigFixture, rounds: number, maxDelayMs: number): Promise<IdentityKillResult> {
  const r: IdentityKillResult = { kills: 0, duplicateKeys: 0, duplicateServices: 0, duplicateProcesses: 0, halfDone: 0, most: { keys: 0, services: 0, processes: 0 } };
  const ids = path.join(rig.root, "data", "identities");
  const extraEnv = { POSTDECK_SIM_INIT_BPS: "0" };
  const dirs = new Set(rig.config.services.map((s) => s.dir));
  let d: Daemon = await startDaemon(rig.configPath, rig.stateDir, extraEnv);
  for (let i = 0; i < rounds; i++) {
    const op = (["rename", "import", "add", "retire"] as const)[i % 4]!;
    const snap = await d.client.call("snapshot", {});
    const loaded = snap.identities.filter((x) => x.service && x.nodeId);
    const call = ((): Promise<unknown> | null => {
      const pick = loaded[i % Math.max(1, loaded.length)];
      if (op === "rename" && pick) return d.client.call("identityRename", { from: pick.keyFile, to: `r${i}` });
      if (op === "retire" && pick && loaded.length > 1) return d.client.call("identityRetire", { name: pick.keyFile });
      if (op === "add") {
        const dir = path.join(rig.root, `add${i}`);
        dirs.add(dir);
        return d.client.call("identityAdd", { name: `a${i}`, dir, units: 4, provider: 4294967295, commitmentAtxId: "00".repeat(32), labelsPerUnit: 1024, maxFileSize: 16384 });
      }
      return null;
    })() ?? importOne(d, path.join(rig.root, "old", `i${i}`), dirs);
    void Promise.resolve(call).catch(() => undefined);
    await sleep(Math.random() * maxDelayMs);
    await killDaemon(d);
    r.kills++;
    d = await startDaemon(rig.configPath, rig.stateDir, extraEnv);
    await settled(d);
    await sleep(300); // a second start on a dir would show by now
    count(r, ids, rig.configPath, dirs);
    if (FULL && r.kills % 5 === 0) process.stdout.write(`chaos: ${r.kills}/${rounds} daemon kills during identity operations (last: ${op}), ${r.duplicateKeys + r.duplicateServices + r.duplicateProcesses} duplicates, ${r.halfDone} half done so far\n`);
  }
  await killDaemon(d);
  return r;
}

async function importOne(d: Daemon, dir: string, dirs: Set<string>): Promise<unknown> {
  const src = await makePosDir(dir);
  dirs.add(src.dir);
  const plan = await d.client.call("identityImport", { dirs: [src.dir], dryRun: true, confirm: [] });
  return d.client.call("identityImport", { dirs: [src.dir], dryRun: false, confirm: plan.items.map((x) => x.shortId!).filter(Boolean) });
}

/** Every configured service running (or failed: a PoS dir an add had not finished is not provable). */
async function settled(d: Daemon): Promise<void> {
  let states = "";
  await waitFor(async () => {
    const s = await d.client.call("snapshot", {});
    for (const v of s.services) trackGroup(v.pid);
    states = s.services.map((v) => `${v.name} ${v.state}`).join(", ");
    return s.services.every((v) => v.state === "running" || v.state === "failed");
  }, { what: "services settled after the kill", timeoutMs: 30_000 }).catch((err: Error) => {
    throw new Error(`${err.message}: ${states}`);
  });
}

function count(r: IdentityKillResult, ids: string, configPath: string, dirs: Set<string>): void {
  const keys = keysPerIdentity(ids);
  const services = servicesPerDir(configPath);
  for (const n of keys.values()) {
    r.most.keys = Math.max(r.most.keys, n);
    if (n > 1) r.duplicateKeys++;
  }
  for (const dir of dirs) {
    const s = services.get(dir)?.length ?? 0;
    const on = pidsOnDir(dir);
    for (const p of on) trackGroup(p);
    r.most.services = Math.max(r.most.services, s);
    r.most.processes = Math.max(r.most.processes, on.length);
    if (s > 1) r.duplicateServices++;
    if (on.length > 1) r.duplicateProcesses++;
  }
  // complete or untouched: as many loaded keys as services, each service's dir holding a loaded key
  const loadedIds = new Set(keys.keys());
  const serviceIds = new Set([...services.keys()].map((dir) => nodeIdOf(dir)).filter((x): x is string => x !== null));
  for (const id of new Set([...loadedIds, ...serviceIds])) if (loadedIds.has(id) !== serviceIds.has(id)) r.halfDone++;
}

/** The node id a PoS dir was made for (its identity.key when present, else its metadata). */
function nodeIdOf(dir: string): string | null {
  try {
    return readFileSync(path.join(dir, "identity.key"), "utf8").trim().slice(64, 128).toLowerCase();
  } catch {
    try {
      const m = JSON.parse(readFileSync(path.join(dir, "postdata_metadata.json"), "utf8")) as { NodeId: string };
      return Buffer.from(m.NodeId, "base64").toString("hex");
    } catch {
      return null;
    }
  }
}
