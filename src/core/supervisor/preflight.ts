// Checks before a post-service may start (the daemon refuses with a reason instead of spawning):
// its PoS metadata is readable, its NodeId has a valid key in identities/, no other configured
// service shares its dir or NodeId, and its binary exists and is executable.
import path from "node:path";
import type { ResolvedService } from "../../config/schema.js";
import { readIdentitiesDir, type KeyFileInfo } from "../spacemesh/key-file.js";
import { readPosMetadata, type MetadataResult, type PosMetadata } from "../spacemesh/pos-metadata.js";
import { resolveExecutable } from "./executable.js";

/**
 * One read at a time per file: a read asked for while the same one is under way gets its result.
 * Each preflight reads every service's metadata and the whole identities dir; 64 services starting
 * together read 64 × 64 metadata files and 64 × 64 keys (8,000 reads through the thread pool, most
 * of a start's garbage); they now share one read of each. A read that was under way when asked is
 * a few ms old at most: enough for checks of the config's consistency.
 */
const underWay = new Map<string, Promise<unknown>>();
function shared<T>(key: string, read: () => Promise<T>): Promise<T> {
  const running = underWay.get(key) as Promise<T> | undefined;
  if (running) return running;
  const p = read().finally(() => underWay.delete(key));
  underWay.set(key, p);
  return p;
}
const keysIn = (dir: string): Promise<KeyFileInfo[]> => shared(`keys\0${path.resolve(dir)}`, () => readIdentitiesDir(dir));

/** A service's dir, resolved once per service object (64 preflights compared each of 64 dirs: 8,000 path.resolve calls). */
const resolvedDirs = new WeakMap<ResolvedService, string>();
function dirOf(s: ResolvedService): string {
  let d = resolvedDirs.get(s);
  if (d === undefined) resolvedDirs.set(s, (d = path.resolve(s.dir)));
  return d;
}

/**
 * The metadata of every service's dir (by resolved dir): one read of them all, shared by the
 * preflights (of the same config's services) asked while it is under way. Each preflight asked for
 * every other dir's: 64 × 63 reads to share in a start of 64, a promise each.
 */
const metadataUnderWay = new WeakMap<readonly ResolvedService[], Promise<Map<string, MetadataResult>>>();
function allMetadata(all: readonly ResolvedService[]): Promise<Map<string, MetadataResult>> {
  const running = metadataUnderWay.get(all);
  if (running) return running;
  const dirs = [...new Set(all.map(dirOf))];
  const p = Promise.all(dirs.map(async (d) => [d, await readPosMetadata(d)] as const))
    .then((read) => new Map(read))
    .finally(() => metadataUnderWay.delete(all));
  metadataUnderWay.set(all, p);
  return p;
}

export type PreflightResult = { ok: true; binary: string; meta: PosMetadata } | { ok: false; reason: string };

export async function preflightPostService(
  svc: ResolvedService,
  all: ResolvedService[],
  identitiesDir: string,
  envPath?: string,
): Promise<PreflightResult> {
  const dir = dirOf(svc);
  const sameDir = all.find((o) => o.name !== svc.name && dirOf(o) === dir);
  if (sameDir) return { ok: false, reason: `services ${svc.name} and ${sameDir.name} use the same PoS dir ${svc.dir}; give each identity its own dir` };
  const metas = await allMetadata(all.includes(svc) ? all : [...all, svc]);
  const meta = metas.get(dir)!;
  if (!meta.ok) {
    return {
      ok: false,
      reason: meta.missing
        ? `${meta.problem}: this is not an initialised PoS dir; check services.${svc.name}.dir or initialise it with postcli`
        : `${meta.problem}; fix or re-create the PoS metadata`,
    };
  }
  const nodeId = meta.meta.nodeId;
  for (const o of all) {
    if (o.name === svc.name) continue;
    const om = metas.get(dirOf(o))!;
    if (om.ok && om.meta.nodeId === nodeId) {
      return { ok: false, reason: `services ${svc.name} and ${o.name} prove for the same identity ${nodeId.slice(0, 6)} (same NodeId in their metadata); the node accepts only one post-service per identity` };
    }
  }
  const keys = await keysIn(identitiesDir);
  const match = keys.find((k) => k.check.ok && k.check.nodeId === nodeId);
  if (!match) {
    const invalid = keys.filter((k) => !k.check.ok).length;
    return {
      ok: false,
      reason: `no valid key in ${identitiesDir} for NodeId ${nodeId.slice(0, 6)}… of ${svc.dir} (${keys.length} key file(s) there${invalid ? `, ${invalid} invalid` : ""}); copy the identity's .key file into ${identitiesDir} and restart the node`,
    };
  }
  const exe = resolveExecutable(svc.binary, envPath);
  if (!exe.ok) return { ok: false, reason: exe.problem };
  return { ok: true, binary: exe.path, meta: meta.meta };
}
