// The supervisor's state file (<stateDir>/state.json): what a later daemon needs to re-adopt live
// services instead of starting duplicates. Written atomically (temp file + rename, which a killed
// daemon cannot tear: src/fs/atomic-file.ts's two halves, with a check between them), by one
// StateWriter per file that keeps the writes in order.
//
// A burst of spawns (64 services at a daemon's start) is one or a few writes, done in the thread
// pool (temp file written and fsynced there; only the rename, a metadata change once the data is
// on disk, on the main thread): a synchronous write per spawn cost 35 ms each on a loaded machine
// (the rename over the old file flushed the new one's data), a synchronous fsync ~12 ms. What a
// daemon killed between a spawn and the write leaves stays correct: the supervisor has a service's
// intent to run on disk before it spawns it, so the next daemon starts it, finds it already running
// on its dir and adopts it (supervisor.ts alreadyOnDir). saveSync is for a process no such look
// can find (a supervised node): on disk before the next statement; its fsync follows off the thread.
import { promises as fs, rmSync } from "node:fs";
import path from "node:path";
import * as z from "zod";
import { fsyncPath, putInPlace, writeSyncedTemp, writeTempSync } from "../../fs/atomic-file.js";

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

const text = (state: StateFile): string => JSON.stringify(state, null, 2) + "\n";

/** One state file's writes, in order: a write never lands over a newer one. */
export class StateWriter {
  /** The state last put in place by this writer, or the one read from the file (loaded); null: unknown. */
  onDisk: StateFile | null = null;
  /** The state an async write under way is putting in place (it lands or fails). */
  underWay: StateFile | null = null;
  private gen = 0;
  private placed = 0;
  private wanted: { snap: () => StateFile; done: Promise<Error | null>; resolve: (e: Error | null) => void } | null = null;
  private running: Promise<void> | null = null;

  constructor(readonly file: string) {}

  /** The file as it was read (what a daemon starting now would find). */
  loaded(state: StateFile): void {
    this.onDisk = state;
  }

  /** Writes `state` now, on this thread (temp + rename, no fsync here), and queues its fsync. */
  saveSync(state: StateFile): void {
    const gen = ++this.gen;
    putInPlace(writeTempSync(this.file, text(state), 0o600), this.file);
    this.put(gen, state, false);
  }

  /**
   * Writes the state `snap()` gives when the write begins, off this thread; calls made while a
   * write is under way share the next one. Resolves when a write begun after the call is in place
   * (its error, or null).
   */
  save(snap: () => StateFile): Promise<Error | null> {
    if (!this.wanted) {
      let resolve!: (e: Error | null) => void;
      const done = new Promise<Error | null>((r) => (resolve = r));
      this.wanted = { snap, done, resolve };
    }
    this.wanted.snap = snap;
    const { done } = this.wanted;
    this.running ??= this.run();
    return done;
  }

  /** Resolves when no write is under way or asked for. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    for (let w = this.wanted; w; w = this.wanted) {
      this.wanted = null;
      const state = w.snap();
      this.underWay = state;
      w.resolve(await this.write(state).catch((err: Error) => err));
      this.underWay = null;
    }
    this.running = null;
  }

  private async write(state: StateFile): Promise<null> {
    const gen = ++this.gen;
    const tmp = await writeSyncedTemp(this.file, text(state), 0o600);
    if (gen < this.placed) {
      rmSync(tmp, { force: true }); // a synchronous save came meanwhile: it holds newer facts
      return null;
    }
    putInPlace(tmp, this.file); // on this thread: no synchronous save between the check and the rename
    this.put(gen, state, true);
    return null;
  }

  /** `synced`: the file's data was fsynced before the rename; only the directory's entry is left to sync. */
  private put(gen: number, state: StateFile, synced: boolean): void {
    this.placed = gen;
    this.onDisk = state;
    queueSync(this.file, !synced);
  }
}

interface SyncSlot {
  running: Promise<void>;
  again: boolean;
  /** The file itself needs an fsync too (a synchronous save's, written without one). */
  file: boolean;
}
const syncing = new Map<string, SyncSlot>();

/**
 * fsync of the state file's directory (and of the file when `fileToo`) off the main thread; one at a
 * time per file, a write meanwhile asks for one more.
 */
function queueSync(file: string, fileToo: boolean): void {
  const slot = syncing.get(file);
  if (slot) {
    slot.again = true;
    slot.file ||= fileToo;
    return;
  }
  const s: SyncSlot = { running: Promise.resolve(), again: false, file: fileToo };
  s.running = (async () => {
    do {
      s.again = false;
      if (s.file) {
        s.file = false;
        await fsyncPath(file);
      }
      await fsyncPath(path.dirname(file));
    } while (s.again);
    syncing.delete(file);
  })();
  syncing.set(file, s);
}

/** Resolves when every queued fsync of `file` is done (daemon shutdown, tests). */
export async function stateFileSynced(file: string): Promise<void> {
  for (let s = syncing.get(file); s; s = syncing.get(file)) await s.running;
}
