// Writing files that matter (keys, config, journal) so that an interruption at any point leaves
// either the old state or the new one: temp file in the same dir, fsync, then link/rename, fsync dir.
import { promises as fs, constants } from "node:fs";
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

async function fsyncDir(dir: string): Promise<void> {
  let fd;
  try {
    fd = await fs.open(dir, constants.O_RDONLY);
    await fd.sync();
  } catch {
    /* some filesystems refuse fsync on a directory; the rename itself is still atomic */
  } finally {
    await fd?.close();
  }
}

async function writeTemp(target: string, data: Buffer | string, mode: number): Promise<string> {
  const tmp = tempName(target);
  const fd = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await fd.writeFile(data);
    await fd.chmod(mode); // umask must not loosen or tighten what we asked for
    await fd.sync();
  } finally {
    await fd.close();
  }
  return tmp;
}

/**
 * Creates `target` with `data`, refusing to overwrite an existing file (link(2) fails with EEXIST).
 * Throws an Error with code "EEXIST" when the target exists; the temp file is always removed.
 */
export async function createFileExclusive(target: string, data: Buffer | string, mode: number): Promise<void> {
  const tmp = await writeTemp(target, data, mode);
  faultPoint("after-temp-write");
  try {
    await fs.link(tmp, target);
    faultPoint("after-link");
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
  await fsyncDir(path.dirname(target));
}

/** Replaces `target` atomically (temp + fsync + rename); for config and state files. */
export async function replaceFile(target: string, data: Buffer | string, mode = 0o644): Promise<void> {
  const tmp = await writeTemp(target, data, mode);
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

/** Moves a file without ever overwriting: link to the new name, then unlink the old one. */
export async function moveFileExclusive(from: string, to: string): Promise<void> {
  await fs.link(from, to);
  await fsyncDir(path.dirname(to));
  faultPoint("move-after-link");
  await fs.unlink(from);
  await fsyncDir(path.dirname(from));
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
