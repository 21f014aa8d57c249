// Retire an identity (its key moves to identities/retired/, which the node skips; PoS data is
// kept) and rename one (key file and service together). Never overwrites or deletes a key.
import { promises as fs } from "node:fs";
import path from "node:path";
import { moveFileExclusive, sha256 } from "../fs/atomic-file.js";
import { keyFileName, KeyStoreError, RETIRED_DIR } from "./key-store.js";
import { checkKeyContent } from "../spacemesh/key-file.js";
import { NotRegularFileError, readRegularFile } from "../fs/regular-file.js";
import type { Journal } from "./journal.js";
import type { ServiceRegistry } from "./service-registry.js";

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

/** Moves NAME.key to identities/retired/ and removes its service from the config (data kept). */
export async function retireIdentity(
  ctx: LifecycleContext,
  name: string,
  serviceName: string | null,
): Promise<{ retiredTo: string; service: string | null }> {
  const key = await existingKey(ctx, name);
  const retiredDir = path.join(ctx.identitiesDir, RETIRED_DIR);
  await fs.mkdir(retiredDir, { recursive: true, mode: 0o700 });
  let target = path.join(retiredDir, key.file);
  for (let i = 2; await fs.stat(target).then(() => true, () => false); i++)
    target = path.join(retiredDir, `${key.file.slice(0, -4)}-${i}.key`);
  const batch = `retire-${(ctx.clock ?? Date.now)()}`;
  const service = serviceName ? await ctx.registry.remove(serviceName) : null;
  const entry = {
    batch,
    op: "retire" as const,
    at: (ctx.clock ?? Date.now)(),
    nodeId: ((c) => (c.ok ? c.nodeId : null))(checkKeyContent(key.file, key.content)),
    source: key.path,
    destination: target,
    sha256: sha256(key.content),
    service,
    note: "",
  };
  await ctx.journal.append({ ...entry, phase: "intent" });
  await moveFileExclusive(key.path, target);
  await ctx.journal.append({ ...entry, phase: "done" });
  return { retiredTo: target, service: service?.name ?? null };
}

/** Renames FROM.key to TO.key and the service FROM (if any) to TO. */
export async function renameIdentity(ctx: LifecycleContext, from: string, to: string, serviceName: string | null): Promise<string> {
  const key = await existingKey(ctx, from);
  const toFile = keyFileName(to);
  const target = path.join(ctx.identitiesDir, toFile);
  if (await fs.stat(target).then(() => true, () => false))
    throw new KeyStoreError(`${target} already exists; postdeck never overwrites a key file`, "name-taken");
  const newService = toFile.slice(0, -4);
  if (serviceName && (await ctx.registry.list()).some((s) => s.name === newService))
    throw new KeyStoreError(`a service named ${newService} already exists`, "name-taken");
  const entry = {
    batch: `rename-${(ctx.clock ?? Date.now)()}`,
    op: "rename" as const,
    at: (ctx.clock ?? Date.now)(),
    nodeId: null,
    source: key.path,
    destination: target,
    sha256: sha256(key.content),
    service: serviceName ? { name: serviceName, dir: "" } : null,
    note: serviceName ? `service ${serviceName} -> ${newService}` : "",
  };
  await ctx.journal.append({ ...entry, phase: "intent" });
  await moveFileExclusive(key.path, target);
  if (serviceName) await ctx.registry.rename(serviceName, newService);
  await ctx.journal.append({ ...entry, phase: "done" });
  return target;
}
