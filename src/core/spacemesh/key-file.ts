// Identity key files in <data-folder>/identities: the node's own acceptance rules and wording
// (go-spacemesh signing.FromFile + node_identities.go). Never returns or logs
// the private key itself: only the public node id derived from it.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { NotRegularFileError, readRegularFile } from "../fs/regular-file.js";

export const PRIVATE_KEY_SIZE = 64;
export const SUPERVISED_KEY_NAME = "local.key";

export type KeyCheck =
  | { ok: true; nodeId: string } // 64 lowercase hex = public key = bytes 32..63
  | { ok: false; problem: string }; // the node's startup error for this file

/** Go's %#U formatting of a rune, as in `encoding/hex: invalid byte: U+000A`. */
function goRune(code: number): string {
  const hex = "U+" + code.toString(16).toUpperCase().padStart(4, "0");
  const printable = code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0);
  return printable ? `${hex} '${String.fromCodePoint(code)}'` : hex;
}

const HEX = /^[0-9a-fA-F]$/;

/** Decodes hex exactly like Go's hex.Decode, returning Go's error text on failure. */
function goHexDecode(text: string): { bytes: Buffer } | { error: string } {
  const n = text.length - (text.length % 2);
  for (let i = 0; i < n; i++) {
    if (!HEX.test(text[i]!)) return { error: `encoding/hex: invalid byte: ${goRune(text.codePointAt(i)!)}` };
  }
  if (text.length % 2 === 1) {
    const last = text[text.length - 1]!;
    if (!HEX.test(last)) return { error: `encoding/hex: invalid byte: ${goRune(last.codePointAt(0)!)}` };
    return { error: "encoding/hex: odd length hex string" };
  }
  return { bytes: Buffer.from(text, "hex") };
}

/** Public key of an ed25519 seed (the first 32 bytes of a Go private key). */
export function publicKeyOfSeed(seed: Buffer): Buffer {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({
    format: "der",
    type: "spki",
  });
  return spki.subarray(spki.length - 32);
}

/**
 * Checks a key file's content by the node's rules. `name` is the file's base name.
 * Problems use the node's wording: `failed to construct identity X.key: …`.
 */
export function checkKeyContent(name: string, content: Buffer): KeyCheck {
  const fail = (why: string): KeyCheck => ({ ok: false, problem: `failed to construct identity ${name}: ${why}` });
  const text = content.toString("latin1");
  const decodedLen = Math.floor(text.length / 2);
  if (decodedLen !== PRIVATE_KEY_SIZE) return fail(`invalid key size ${decodedLen}/${PRIVATE_KEY_SIZE} for ${name}`);
  const decoded = goHexDecode(text);
  if ("error" in decoded) return fail(`decoding private key in ${name}: ${decoded.error}`);
  const seed = decoded.bytes.subarray(0, 32);
  const pub = decoded.bytes.subarray(32);
  if (!publicKeyOfSeed(seed).equals(pub)) return fail("private and public do not match");
  return { ok: true, nodeId: pub.toString("hex") };
}

export interface KeyFileInfo {
  name: string; // base name, e.g. post1.key
  path: string;
  mode: number; // permission bits
  mtimeMs: number;
  check: KeyCheck;
}

/**
 * Checks already made, by path and file identity (inode, size, mtime): deriving a public key costs
 * a little, and the supervisor checks every key before each start. The cache holds node ids and
 * problems only, never key content.
 */
const checked = new Map<string, { stamp: string; check: KeyCheck }>();

/** Reads and checks one key file; an unreadable file (or a FIFO, device...: never waited on) is reported as a problem, not thrown. */
export async function readKeyFile(file: string): Promise<KeyFileInfo> {
  const name = path.basename(file);
  try {
    const st = await fs.stat(file);
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const hit = checked.get(file);
    if (hit && hit.stamp === stamp) return { name, path: file, mode: st.mode & 0o777, mtimeMs: st.mtimeMs, check: hit.check };
    const check = checkKeyContent(name, await readRegularFile(file));
    if (checked.size > 10_000) checked.clear();
    checked.set(file, { stamp, check });
    return { name, path: file, mode: st.mode & 0o777, mtimeMs: st.mtimeMs, check };
  } catch (err) {
    const why = err instanceof NotRegularFileError ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    return { name, path: file, mode: 0, mtimeMs: 0, check: { ok: false, problem: `cannot read ${file}: ${why}` } };
  }
}

/** Key files the node would load: regular files whose extension is exactly `.key`, lexical order. */
export async function listKeyFiles(identitiesDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(identitiesDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile() && path.extname(e.name) === ".key")
    .map((e) => e.name)
    .sort()
    .map((n) => path.join(identitiesDir, n));
}

/** All key files of an identities dir, read and checked. */
export async function readIdentitiesDir(identitiesDir: string): Promise<KeyFileInfo[]> {
  return Promise.all((await listKeyFiles(identitiesDir)).map(readKeyFile));
}
