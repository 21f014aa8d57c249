// Retire an identity (its key moves to identities/retired/, which the node skips; PoS data is
// kept) and rename one (key file and service together). Never overwrites or deletes a key.
// Each step is journaled first (intent), the service's stop included, so that an interruption
// anywhere is finished by recover.ts at the next daemon start or identity operation (a re-run of
// the same command included): never a service left stopped for an operation nobody finishes.
import { promises as fs } from "node:fs";
import path from "node:path";
import { moveFileExclusive, sha256 } from "../../fs/atomic-file.js";
import { keyFileName, KeyStoreError, RETIRED_DIR } from "./key-store.js";
import { checkKeyContent } from "../spacemesh/key-file.js";
import { NotRegularFileError, readRegularFile } from "../fs/regular-file.js";
import { faultPoint } from "../../fs/fault-point.js";
import type { Journal } from "./journal.js";
import type { ServiceRegistry } from "../../config/service-registry.js";

export interface LifecycleContext {
  identitiesDir: string;
  registry: ServiceRegistry;
  journal: Journal;
  clock?: () => number;
}

async function existingKey(ctx: LifecycleContext, name: string): Promise<{ file: string; path: string; content: Buffer }> {
  const file = keyFileName(name);
  const p = path.join(ctx.identitiesDir, file);
  try {
    return { file, path: p, content: await readRegularFile(p) };
  } catch (err) {
    if (err instanceof NotRegularFileError) throw new KeyStoreError(err.message, "io");
    throw new KeyStoreError(`no key file ${file} in ${ctx.identitiesDir}`, "io");
  }
}

const exists = (p: string) => fs.lstat(p).then(() => true, () => false);

/**
 * While a rename runs, the key is under this name (not `.key`: the node never loads it), so that
 * FROM.key and TO.key never exist together: the node refuses to start with a duplicate key.
 */
export function renamingName(identitiesDir: string, fromFile: string): string {
  return path.join(identitiesDir, `.${fromFile}.renaming`);
}

/**
 * Moves NAME.key to identities/retired/ and then removes its service from the config (data kept).
 * Interrupted, the key is retired first: never a service removed while its key stays loaded.
 */
export async function retireIdentity(
  ctx: LifecycleContext,
  name: string,
  serviceName: string | null,
  /** Runs once the intent is journaled, before anything changes (the daemon stops the service). */
  beforeChange?: () => Promise<void>,
): Promise<{ retiredTo: string; service: string | null }> {
  const key = await existingKey(ctx, name);
  const retiredDir = path.join(ctx.identitiesDir, RETIRED_DIR);
  await fs.mkdir(retiredDir, { recursive: true, mode: 0o700 });
  let target = path.join(retiredDir, key.file);
  for (let i = 2; await exists(target); i++) target = path.join(retiredDir, `${key.file.slice(0, -4)}-${i}.key`);
  const clock = ctx.clock ?? Date.now;
  const service = serviceName ? ((await ctx.registry.list()).find((s) => s.name === serviceName) ?? null) : null;
  const entry = {
    batch: `retire-${clock()}`,
    op: "retire" as const,
    at: clock(),
    nodeId: ((c) => (c.ok ? c.nodeId : null))(checkKeyContent(key.file, key.content)),
    source: key.path,
    destination: target,
    sha256: sha256(key.content),
    service,
    note: "",
  };
  await ctx.journal.append({ ...entry, phase: "intent" });
  await beforeChange?.();
  faultPoint("retire-after-intent");
  await moveFileExclusive(key.path, target);
  faultPoint("retire-after-key");
  if (service) await ctx.registry.remove(service.name);
  faultPoint("retire-after-service");
  await ctx.journal.append({ ...entry, phase: "done" });
  return { retiredTo: target, service: service?.name ?? null };
}

/** Renames FROM.key to TO.key and the service FROM (if any) to TO. */
export async function renameIdentity(
  ctx: LifecycleContext,
  from: string,
  to: string,
  serviceName: string | null,
  /** Runs once the intent is journaled, before anything changes (the daemon stops the service). */
  beforeChange?: () => Promise<void>,
): Promise<string> {
  const key = await existingKey(ctx, from);
  const toFile = keyFileName(to);
  const target = path.join(ctx.identitiesDir, toFile);
  if (await exists(target)) throw new KeyStoreError(`${target} already exists; postdeck never overwrites a key file`, "name-taken");
  const newService = toFile.slice(0, -4);
  if (serviceName && (await ctx.registry.list()).some((s) => s.name === newService))
    throw new KeyStoreError(`a service named ${newService} already exists`, "name-taken");
  const clock = ctx.clock ?? Date.now;
  const entry = {
    batch: `rename-${clock()}`,
    op: "rename" as const,
    at: clock(),
    nodeId: null,
    source: key.path,
    destination: target,
    sha256: sha256(key.content),
    service: serviceName ? { name: serviceName, dir: "" } : null,
    note: serviceName ? `service ${serviceName} -> ${newService}` : "",
  };
  await ctx.journal.append({ ...entry, phase: "intent" });
  await beforeChange?.();
  faultPoint("rename-after-intent");
  const hidden = renamingName(ctx.identitiesDir, key.file);
  await fs.rename(key.path, hidden); // atomic; FROM.key is gone, TO.key not there yet
  faultPoint("rename-after-hide");
  try {
    await fs.link(hidden, target); // never overwrites a TO.key made meanwhile
  } catch (err) {
    await fs.rename(hidden, key.path);
    await ctx.journal.append({ ...entry, phase: "done", note: `abandoned: ${(err as Error).message}` });
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new KeyStoreError(`${target} already exists; postdeck never overwrites a key file`, "name-taken");
    throw err;
  }
  faultPoint("rename-after-link");
  await fs.unlink(hidden);
  faultPoint("rename-after-key");
  if (serviceName) await ctx.registry.rename(serviceName, newService);
  faultPoint("rename-after-service");
  await ctx.journal.append({ ...entry, phase: "done" });
  return target;
}
