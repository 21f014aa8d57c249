// Import (migrate) identities from PoS dirs made elsewhere: plan (dry run), execute after the
// operator confirmed the old node is stopped, journal every step, roll back the last import.
import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { checkKeyContent } from "../spacemesh/key-file.js";
import { readPosMetadata } from "../spacemesh/pos-metadata.js";
import { sha256, moveFileExclusive } from "../../fs/atomic-file.js";
import { findKeyByNodeId, placeKey, keyFileName, RETIRED_DIR, ensureIdentitiesDir } from "./key-store.js";
import { processesUsingDir, type DirUser } from "./dir-in-use.js";
import { Journal, INTERRUPTED_NOTE } from "./journal.js";
import { faultPoint } from "../../fs/fault-point.js";
import { NotRegularFileError, readRegularFile } from "../fs/regular-file.js";
import type { ServiceRegistry } from "../../config/service-registry.js";

export const SOURCE_KEY = "identity.key";

export interface ImportItem {
  sourceDir: string;
  keyPath: string;
  ok: boolean;
  problem: string | null; // why it is refused
  nodeId: string | null;
  shortId: string | null;
  keyName: string | null; // NAME.key it will get in identities/
  serviceName: string | null;
}

export interface ImportContext {
  identitiesDir: string;
  registry: ServiceRegistry;
  journal: Journal;
  clock?: () => number;
  /** Who else uses a dir (injectable for tests); default scans /proc. */
  dirUsers?: (dir: string) => Promise<DirUser[]>;
}

function baseName(dir: string): string {
  const b = path.basename(path.resolve(dir)).replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return b && b !== "local" ? b.slice(0, 56) : "imported";
}

/** Builds the plan; touches nothing. */
export async function planImport(dirs: string[], ctx: ImportContext): Promise<ImportItem[]> {
  const services = await ctx.registry.list();
  const takenNames = new Set(services.map((s) => s.name));
  const existingKeys = new Set(
    (await fs.readdir(ctx.identitiesDir).catch(() => [] as string[])).filter((n) => n.endsWith(".key")).map((n) => n.slice(0, -4)),
  );
  const seen = new Set<string>();
  const users = ctx.dirUsers ?? ((d: string) => processesUsingDir(d));
  const items: ImportItem[] = [];
  for (const d of dirs) {
    const sourceDir = path.resolve(d);
    const keyPath = path.join(sourceDir, SOURCE_KEY);
    const item: ImportItem = { sourceDir, keyPath, ok: false, problem: null, nodeId: null, shortId: null, keyName: null, serviceName: null };
    items.push(item);
    let content: Buffer;
    try {
      content = await readRegularFile(keyPath); // a FIFO or device is refused, never waited on
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      item.problem =
        err instanceof NotRegularFileError
          ? err.message
          : code === "ENOENT"
            ? `no ${SOURCE_KEY} in ${sourceDir}: postcli writes it there; if the data was initialised with -id, put the matching key there first`
            : `cannot read ${keyPath}: ${code ?? (err as Error).message}`;
      continue;
    }
    const check = checkKeyContent(SOURCE_KEY, content);
    if (!check.ok) {
      item.problem = `${keyPath}: ${check.problem}`;
      continue;
    }
    item.nodeId = check.nodeId;
    item.shortId = check.nodeId.slice(0, 6);
    const meta = await readPosMetadata(sourceDir);
    if (!meta.ok) {
      item.problem = meta.problem;
      continue;
    }
    if (meta.meta.nodeId !== check.nodeId) {
      item.problem = `${keyPath} holds identity ${item.shortId} but postdata_metadata.json is for ${meta.meta.nodeId.slice(0, 6)}: this key does not belong to this PoS data`;
      continue;
    }
    if (seen.has(check.nodeId)) {
      item.problem = `identity ${item.shortId} appears twice in this import`;
      continue;
    }
    seen.add(check.nodeId);
    const existing = await findKeyByNodeId(ctx.identitiesDir, check.nodeId);
    if (existing) {
      const before = await placedByImport(ctx.journal, keyPath, path.join(ctx.identitiesDir, existing), sha256(content));
      if (!before) {
        item.problem = `identity ${item.shortId} is already in ${ctx.identitiesDir} as ${existing}`;
        continue;
      }
      // an import of this dir placed this key and was interrupted: this run finishes it
      item.keyName = existing;
      item.serviceName = before.name;
      item.ok = true;
      takenNames.add(before.name);
      continue;
    }
    const dup = services.find((s) => path.resolve(s.dir) === sourceDir);
    if (dup) {
      item.problem = `service ${dup.name} already uses ${sourceDir}`;
      continue;
    }
    const busy = (await users(sourceDir)).filter((u) => u.pid !== process.pid);
    if (busy.length) {
      const u = busy[0]!;
      item.problem = `pid ${u.pid} (${u.command}) still uses ${sourceDir} (${u.how}): stop the old node's post-service first — one identity on two nodes is equivocation`;
      continue;
    }
    let name = baseName(sourceDir);
    for (let i = 2; takenNames.has(name) || existingKeys.has(name); i++) name = `${baseName(sourceDir)}-${i}`;
    takenNames.add(name);
    existingKeys.add(name);
    item.keyName = keyFileName(name);
    item.serviceName = name;
    item.ok = true;
  }
  return items;
}

export interface ImportResult {
  batch: string;
  imported: ImportItem[];
  refused: ImportItem[];
}

/**
 * Executes the ok items of a plan. `confirmedShortIds` must contain the short id of every item:
 * the operator typed it to confirm that the old node is stopped for good.
 */
export async function executeImport(items: ImportItem[], confirmedShortIds: string[], ctx: ImportContext): Promise<ImportResult> {
  const clock = ctx.clock ?? Date.now;
  const ok = items.filter((i) => i.ok);
  const missing = ok.filter((i) => !confirmedShortIds.includes(i.shortId!));
  if (missing.length)
    throw new Error(
      `confirm that the old node no longer runs ${missing.map((i) => i.shortId).join(", ")} by typing each short id; running one identity on two nodes is equivocation and bans it for good`,
    );
  const batch = `import-${clock()}-${randomBytes(3).toString("hex")}`;
  await ensureIdentitiesDir(ctx.identitiesDir);
  for (const item of ok) {
    const content = await readRegularFile(item.keyPath);
    const entry = {
      batch,
      op: "import" as const,
      at: clock(),
      nodeId: item.nodeId,
      source: item.keyPath,
      destination: path.join(ctx.identitiesDir, item.keyName!),
      sha256: sha256(content),
      service: { name: item.serviceName!, dir: item.sourceDir },
      note: "",
    };
    await ctx.journal.append({ ...entry, phase: "intent" });
    faultPoint("import-after-intent");
    // each step is skipped when an interrupted run of the same import already did it
    if ((await readRegularFile(entry.destination).then(sha256, () => null)) !== entry.sha256) await placeKey(ctx.identitiesDir, item.keyName!, content);
    faultPoint("import-after-key");
    if (!(await ctx.registry.list()).some((s) => s.name === item.serviceName)) await ctx.registry.add({ name: item.serviceName!, dir: item.sourceDir });
    faultPoint("import-after-service");
    await ctx.journal.append({ ...entry, phase: "done" });
  }
  return { batch, imported: ok, refused: items.filter((i) => !i.ok) };
}

/**
 * The service of an interrupted import that placed exactly this key from this source (its last
 * journal entry an intent, or finished by recover.ts), or null: a completed import is not redone.
 */
async function placedByImport(journal: Journal, source: string, destination: string, hash: string): Promise<{ name: string; dir: string } | null> {
  const e = (await journal.read()).findLast((x) => x.op === "import" && x.source === source && x.destination === destination && x.sha256 === hash && x.service);
  return e && (e.phase === "intent" || e.note.startsWith(INTERRUPTED_NOTE)) ? e.service : null;
}

export interface RollbackStep {
  destination: string;
  action: "removed copy" | "moved to retired" | "already gone" | "left in place";
  why: string;
}

/** Undoes the newest import batch: removes the copied keys (only when identical to the source). */
export async function rollbackLastImport(ctx: ImportContext): Promise<{ batch: string; steps: RollbackStep[] } | null> {
  const entries = await ctx.journal.lastImport();
  if (!entries) return null;
  const batch = entries[0]!.batch;
  const steps: RollbackStep[] = [];
  const intents = entries.filter((e) => e.phase === "intent");
  for (const e of intents.reverse()) {
    const dest = e.destination!;
    if (e.service) await ctx.registry.remove(e.service.name).catch(() => null);
    const content = await readRegularFile(dest).catch(() => null);
    if (!content) {
      steps.push({ destination: dest, action: "already gone", why: "the key was never placed or was moved since" });
      continue;
    }
    if (sha256(content) !== e.sha256) {
      steps.push({ destination: dest, action: "left in place", why: "its content changed since the import; not touching it" });
      continue;
    }
    const source = await readRegularFile(e.source!).catch(() => null);
    if (source && sha256(source) === e.sha256) {
      await fs.unlink(dest);
      steps.push({ destination: dest, action: "removed copy", why: `the original is still at ${e.source}` });
    } else {
      const retired = path.join(ctx.identitiesDir, RETIRED_DIR);
      await fs.mkdir(retired, { recursive: true, mode: 0o700 });
      await moveFileExclusive(dest, path.join(retired, `${path.basename(dest)}.rolled-back-${Date.now()}`));
      steps.push({ destination: dest, action: "moved to retired", why: `the original at ${e.source} is gone; keeping this copy` });
    }
  }
  await ctx.journal.append({
    batch: `rollback-${batch}`,
    op: "rollback",
    phase: "done",
    at: (ctx.clock ?? Date.now)(),
    nodeId: null,
    source: null,
    destination: null,
    sha256: null,
    service: null,
    note: batch,
  });
  return { batch, steps };
}
