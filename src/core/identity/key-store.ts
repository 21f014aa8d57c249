// The identities/ directory as a key store with safety rules (issue 6): keys are validated by the
// node's rules, never overwritten, never duplicated under another name, written by
// copy → fsync → link → re-read and compare, mode 0600 in a 0700 directory. Key content is never
// returned, logged or put into an error message.
import { promises as fs } from "node:fs";
import path from "node:path";
import { checkKeyContent, readIdentitiesDir } from "../spacemesh/key-file.js";
import { createFileExclusive, removeStaleTemps, sha256 } from "../../fs/atomic-file.js";

export const KEY_MODE = 0o600;
export const IDENTITIES_DIR_MODE = 0o700;
export const RETIRED_DIR = "retired";

export class KeyStoreError extends Error {
  constructor(
    message: string,
    readonly code: "invalid-key" | "duplicate-key" | "name-taken" | "bad-name" | "verify-failed" | "io",
  ) {
    super(message);
  }
}

/** A key file name the node will load and that is safe as a file name: NAME.key. */
export function keyFileName(name: string): string {
  const base = name.endsWith(".key") ? name.slice(0, -4) : name;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(base))
    throw new KeyStoreError(
      `'${name}' is not a usable identity name: use letters, digits, '.', '_' or '-' (at most 64)`,
      "bad-name",
    );
  if (base === "local")
    throw new KeyStoreError(
      "'local.key' is reserved by go-spacemesh for a supervised single identity; choose another name",
      "bad-name",
    );
  return `${base}.key`;
}

export async function ensureIdentitiesDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: IDENTITIES_DIR_MODE });
}

/** The key file (any name) in `dir` that holds `nodeId`, if any. */
export async function findKeyByNodeId(dir: string, nodeId: string): Promise<string | null> {
  for (const k of await readIdentitiesDir(dir)) if (k.check.ok && k.check.nodeId === nodeId) return k.name;
  return null;
}

export interface PlacedKey {
  name: string;
  path: string;
  nodeId: string;
  sha256: string;
}

/**
 * Places key `content` into `identitiesDir` as `name` (NAME or NAME.key). Refuses an invalid key,
 * an existing file name, and a key that is already present under any name.
 */
export async function placeKey(identitiesDir: string, name: string, content: Buffer): Promise<PlacedKey> {
  const fileName = keyFileName(name);
  const check = checkKeyContent(fileName, content);
  if (!check.ok) throw new KeyStoreError(check.problem, "invalid-key");
  await ensureIdentitiesDir(identitiesDir);
  await removeStaleTemps(identitiesDir);
  const existing = await findKeyByNodeId(identitiesDir, check.nodeId);
  if (existing)
    throw new KeyStoreError(
      `identity ${check.nodeId.slice(0, 6)} is already in ${identitiesDir} as ${existing}: the node refuses duplicate keys ("duplicate key found in identity files")`,
      "duplicate-key",
    );
  const target = path.join(identitiesDir, fileName);
  try {
    await createFileExclusive(target, content, KEY_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new KeyStoreError(`${target} already exists; postdeck never overwrites a key file — choose another name`, "name-taken");
    throw new KeyStoreError(`cannot write ${target}: ${(err as Error).message}`, "io");
  }
  const back = await fs.readFile(target);
  if (!back.equals(content))
    throw new KeyStoreError(`${target} does not read back as written; the source key is untouched — check the disk`, "verify-failed");
  return { name: fileName, path: target, nodeId: check.nodeId, sha256: sha256(content) };
}

export interface PermissionProblem {
  path: string;
  mode: number;
  want: number;
}

/** Key files looser than 0600 and an identities dir looser than 0700. */
export async function permissionProblems(identitiesDir: string): Promise<PermissionProblem[]> {
  const out: PermissionProblem[] = [];
  try {
    const st = await fs.stat(identitiesDir);
    if (st.mode & 0o077) out.push({ path: identitiesDir, mode: st.mode & 0o777, want: IDENTITIES_DIR_MODE });
  } catch {
    return out;
  }
  for (const k of await readIdentitiesDir(identitiesDir))
    if (k.mode & 0o077) out.push({ path: k.path, mode: k.mode, want: KEY_MODE });
  return out;
}

/** Tightens the modes reported by permissionProblems (the user asked for it). */
export async function fixPermissions(problems: PermissionProblem[]): Promise<void> {
  for (const p of problems) await fs.chmod(p.path, p.want);
}
