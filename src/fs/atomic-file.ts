// Writing files that matter (keys, config, journal) so that an interruption at any point leaves
// either the old state or the new one: temp file in the same dir, fsync, then link/rename, fsync dir.
import { chmodSync, constants, promises as fs, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { faultPoint } from "./fault-point.js";

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Temp names end in `.tmp-XXXX`, never `.key`, so the node never loads a half-written key. */
function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${randomBytes(4).toString("hex")}`);
}

/** fsync of a file or a directory by its path; a path gone meanwhile, or a filesystem that refuses it, is let be. */
export async function fsyncPath(p: string): Promise<void> {
  let fd: fs.FileHandle | undefined;
  try {
    fd = await fs.open(p, constants.O_RDONLY);
    await fd.sync();
  } catch {
    /* some filesystems refuse fsync on a directory; the rename itself is still atomic */
  } finally {
    await fd?.close().catch(() => undefined);
  }
}

/**
 * The first half of a replace: `data` in a new temp file beside `target` (same directory, so the
 * rename cannot cross filesystems), with `mode`, fsynced. Returns its path; on failure it is removed.
 */
export async function writeSyncedTemp(target: string, data: Buffer | string, mode: number): Promise<string> {
  const tmp = tempName(target);
  const fd = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await fd.writeFile(data);
    await fd.chmod(mode); // umask must not loosen or tighten what we asked for
    await fd.sync();
  } catch (err) {
    await fd.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fd.close();
  return tmp;
}

/** writeSyncedTemp on this thread and without the fsync: for a write that must be in place before the next statement (its fsync follows, fsyncPath). */
export function writeTempSync(target: string, data: Buffer | string, mode: number): string {
  const tmp = tempName(target);
  try {
    writeFileSync(tmp, data, { mode, flag: "wx" });
    chmodSync(tmp, mode);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return tmp;
}

/**
 * The second half: a temp file of the above renamed over `target` (atomic: a reader finds the old
 * file or the new one). On this thread, so that a caller's check right before it (is this write
 * still the newest?) holds when it lands. The temp file is removed if the rename fails. The
 * directory entry is durable once the directory is fsynced (fsyncPath(dirname)).
 */
export function putInPlace(tmp: string, target: string): void {
  try {
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Creates `target` with `data`, refusing to overwrite an existing file (link(2) fails with EEXIST).
 * Throws an Error with code "EEXIST" when the target exists; the temp file is always removed.
 */
export async function createFileExclusive(target: string, data: Buffer | string, mode: number): Promise<void> {
  const tmp = await writeSyncedTemp(target, data, mode);
  faultPoint("after-temp-write");
  try {
    await fs.link(tmp, target);
    faultPoint("after-link");
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
  await fsyncPath(path.dirname(target));
}

/** Replaces `target` atomically (temp + fsync + rename); for config and state files. */
export async function replaceFile(target: string, data: Buffer | string, mode = 0o644): Promise<void> {
  putInPlace(await writeSyncedTemp(target, data, mode), target);
  await fsyncPath(path.dirname(target));
}

/** Moves a file without ever overwriting: link to the new name, then unlink the old one. */
export async function moveFileExclusive(from: string, to: string): Promise<void> {
  await fs.link(from, to);
  await fsyncPath(path.dirname(to));
  faultPoint("move-after-link");
  await fs.unlink(from);
  await fsyncPath(path.dirname(from));
}

/** Removes leftovers of interrupted writes (`.NAME.tmp-XXXX`) in a directory. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[] = [];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => /^\..+\.tmp-[0-9a-f]{8}$/.test(n));
  await Promise.all(stale.map((n) => fs.unlink(path.join(dir, n)).catch(() => undefined)));
  return stale;
}
