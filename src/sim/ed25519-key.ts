// Ed25519 keys in Go's layout (64-byte private key = seed ‖ public key), with node:crypto only.
import crypto from "node:crypto";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** The 32-byte public key of a 32-byte seed. */
export function publicKeyOfSeed(seed: Buffer): Buffer {
  const priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const jwk = crypto.createPublicKey(priv).export({ format: "jwk" });
  return Buffer.from(jwk.x!, "base64url");
}

/** A new Go-layout private key (seed ‖ pub), 64 bytes. */
export function generateGoPrivateKey(): Buffer {
  const seed = crypto.randomBytes(32);
  return Buffer.concat([seed, publicKeyOfSeed(seed)]);
}
