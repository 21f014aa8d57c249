// The supervisor's state file (<stateDir>/state.json): what a later daemon needs to re-adopt live
// services instead of starting duplicates. Written atomically.
//
// Right after a spawn the file must name the child before anything else runs (a daemon killed then
// must not lose the pid), so it is written synchronously: temp file + rename, which a killed daemon
// cannot tear (the page cache outlives the process). The fsync that makes it survive a power cut
// as well runs after that on libuv's thread pool, coalesced per file, never on the main thread (a
// synchronous fsync cost ~12 ms per spawn, 64 of them at a daemon's start).
import { constants, promises as fs, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import * as z from "zod";
import { replaceFile } from "../../fs/atomic-file.js";

export const ServiceRecordSchema = z.object({
  pid: z.number().int().nullable(),
  startTime: z.string().nullable(), // /proc/<pid>/stat field 22
  startedAt: z.number().nullable(), // epoch ms
  argv: z.array(z.string()),
  restarts: z.number().int(),
  operatorAddress: z.string().nullable(),
  wanted: z.boolean(), // last asked state: running (true) or stopped (false)
});
export type ServiceRecord = z.infer<typeof ServiceRecordSchema>;

export const StateFileSchema = z.object({
  version: z.literal(1),
  savedAt: z.number(),
  services: z.record(z.string(), ServiceRecordSchema),
});
export type StateFile = z.infer<typeof StateFileSchema>;

export function emptyState(): StateFile {
  return { version: 1, savedAt: 0, services: {} };
}

/** Reads the state file; a missing or unreadable file gives an empty state and a warning. */
export async function loadStateFile(file: string): Promise<{ state: StateFile; warning: string | null }> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { state: emptyState(), warning: null };
    return { state: emptyState(), warning: `cannot read ${file}: ${(err as Error).message}` };
  }
  try {
    return { state: StateFileSchema.parse(JSON.parse(text)), warning: null };
  } catch {
    return { state: emptyState(), warning: `${file} is not a valid postdeck state file; starting with no adopted services` };
  }
}

export async function saveStateFile(file: string, state: StateFile): Promise<void> {
  await replaceFile(file, JSON.stringify(state, null, 2) + "\n", 0o600);
}

/** Writes the file now (temp + rename, no fsync on this thread) and queues its fsync. */
export function saveStateFileSync(file: string, state: StateFile): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(4).toString("hex")}`);
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, file);
  queueSync(file);
}

interface SyncSlot {
  running: Promise<void>;
  again: boolean;
}
const syncing = new Map<string, SyncSlot>();

/** fsync of the file and its directory off the main thread; one at a time per file, a write meanwhile asks for one more. */
function queueSync(file: string): void {
  const slot = syncing.get(file);
  if (slot) {
    slot.again = true;
    return;
  }
  const s: SyncSlot = { running: Promise.resolve(), again: false };
  s.running = (async () => {
    do {
      s.again = false;
      await fsyncPath(file);
      await fsyncPath(path.dirname(file));
    } while (s.again);
    syncing.delete(file);
  })();
  syncing.set(file, s);
}

async function fsyncPath(p: string): Promise<void> {
  let fd: fs.FileHandle | undefined;
  try {
    fd = await fs.open(p, constants.O_RDONLY);
    await fd.sync();
  } catch {
    /* gone meanwhile, or a filesystem that refuses fsync on a directory: the rename stays atomic */
  } finally {
    await fd?.close().catch(() => undefined);
  }
}

/** Resolves when every queued fsync of `file` is done (daemon shutdown, tests). */
export async function stateFileSynced(file: string): Promise<void> {
  for (let s = syncing.get(file); s; s = syncing.get(file)) await s.running;
}
