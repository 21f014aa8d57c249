// Loading <data-folder>/identities/*.key by go-spacemesh's rules (node/node_identities.go, signing.FromFile):
// regular files with extension exactly ".key", lexical order, sub-directories skipped; hex of a 64-byte
// Go ed25519 private key whose second half is the public key of the first.
import fs from "node:fs";
import path from "node:path";
import { generateGoPrivateKey, publicKeyOfSeed } from "../ed25519-key.js";
import type { ZapLogger } from "../zap-logger.js";

export const SUPERVISED_KEY = "local.key";

export interface Identity {
  name: string; // file base name
  id: Buffer; // 32-byte public key
}

/** A startup error as go-spacemesh returns it (printed by cobra as "Error: <message>"). */
export class NodeStartError extends Error {}

/** Go's hex.InvalidByteError text (%#U). */
function invalidByte(c: number): string {
  const u = `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
  return c >= 0x20 && c < 0x7f ? `${u} '${String.fromCharCode(c)}'` : u;
}

/** signing.FromFile: returns the public key or throws with the real message. */
function keyFromFile(file: string, name: string): Buffer {
  const data = fs.readFileSync(file);
  const decodedLen = Math.floor(data.length / 2);
  if (decodedLen !== 64) throw new Error(`invalid key size ${decodedLen}/64 for ${name}`);
  const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
  for (let i = 0; i < data.length; i++) {
    if (!isHex(data[i]!)) throw new Error(`decoding private key in ${name}: encoding/hex: invalid byte: ${invalidByte(data[i]!)}`);
  }
  if (data.length % 2 === 1) throw new Error(`decoding private key in ${name}: encoding/hex: odd length hex string`);
  const priv = Buffer.from(data.toString("latin1"), "hex");
  const pub = publicKeyOfSeed(priv.subarray(0, 32));
  if (!pub.equals(priv.subarray(32))) throw new Error("private and public do not match");
  return pub;
}

export interface LoadedIdentities {
  identities: Identity[];
  supervised: boolean;
}

export function loadIdentities(dataFolder: string, log: ZapLogger): LoadedIdentities {
  const dir = path.join(dataFolder, "identities");
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  const identities: Identity[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const st = fs.statSync(file);
    if (!st.isFile() || path.extname(name) !== ".key") continue;
    let id: Buffer;
    try {
      id = keyFromFile(file, name);
    } catch (e) {
      throw new NodeStartError(`loading identities: failed to construct identity ${name}: ${(e as Error).message}`);
    }
    const dup = identities.find((x) => x.id.equals(id));
    if (dup) {
      log.error("duplicate key", [
        ["filename1", dup.name],
        ["filename2", name],
        ["public_key", id.toString("hex").slice(0, 5)],
      ]);
      throw new NodeStartError("loading identities: duplicate key found in identity files");
    }
    identities.push({ name, id });
    log.info("Loaded existing identity", [
      ["filename", name],
      ["public_key", id.toString("hex").slice(0, 5)],
      ["name", ""],
    ]);
  }
  if (identities.length === 0) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const priv = generateGoPrivateKey();
    const file = path.join(dir, SUPERVISED_KEY);
    fs.writeFileSync(file, priv.toString("hex"), { mode: 0o600 });
    const id = priv.subarray(32);
    log.info("Created new identity", [
      ["filename", SUPERVISED_KEY],
      ["public_key", id.toString("hex").slice(0, 5)],
    ]);
    return { identities: [{ name: SUPERVISED_KEY, id }], supervised: true };
  }
  if (identities.length > 1) {
    if (identities.some((x) => x.name === SUPERVISED_KEY)) {
      log.error("Identities contain key for supervised smeshing (local.key). This is not supported in remote smeshing.");
      log.error("Ensure you do not have a file named local.key in your identities directory when using remote smeshing.");
      throw new NodeStartError("loading identities: supervised key found in remote smeshing mode");
    }
    log.info(`Loaded ${identities.length} identities from disk`);
  }
  return { identities, supervised: identities.length === 1 && identities[0]!.name === SUPERVISED_KEY };
}
