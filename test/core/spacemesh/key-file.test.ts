import { describe, expect, it } from "vitest";
import * as ed from "@noble/ed25519";
import { randomBytes } from "node:crypto";
import { checkKeyContent } from "../../../src/core/spacemesh/key-file.js";

// A Go ed25519 private key file: hex(seed ‖ pubkey), 128 lowercase chars, no newline.
async function goKeyHex(): Promise<{ hex: string; pub: string }> {
  const seed = randomBytes(32);
  const pub = Buffer.from(await ed.getPublicKeyAsync(seed));
  return { hex: Buffer.concat([seed, pub]).toString("hex"), pub: pub.toString("hex") };
}

describe("identity key files, by the node's rules", () => {
  it("accepts a well-formed key and derives the node id from its second half", async () => {
    const k = await goKeyHex();
    expect(checkKeyContent("post1.key", Buffer.from(k.hex))).toEqual({ ok: true, nodeId: k.pub });
  });
  it("accepts upper-case hex like the node does", async () => {
    const k = await goKeyHex();
    expect(checkKeyContent("a.key", Buffer.from(k.hex.toUpperCase()))).toEqual({ ok: true, nodeId: k.pub });
  });
  it("reports a trailing newline in the node's words", async () => {
    const k = await goKeyHex();
    expect(checkKeyContent("post1.key", Buffer.from(k.hex + "\n"))).toEqual({
      ok: false,
      problem: "failed to construct identity post1.key: decoding private key in post1.key: encoding/hex: invalid byte: U+000A",
    });
  });
  it("reports CRLF as a wrong key size", async () => {
    const k = await goKeyHex();
    expect(checkKeyContent("post1.key", Buffer.from(k.hex + "\r\n"))).toEqual({
      ok: false,
      problem: "failed to construct identity post1.key: invalid key size 65/64 for post1.key",
    });
  });
  it("reports a short key", async () => {
    const k = await goKeyHex();
    const r = checkKeyContent("s.key", Buffer.from(k.hex.slice(0, 64)));
    expect(r).toEqual({ ok: false, problem: "failed to construct identity s.key: invalid key size 32/64 for s.key" });
  });
  it("reports halves that do not match", async () => {
    const a = await goKeyHex();
    const b = await goKeyHex();
    const r = checkKeyContent("m.key", Buffer.from(a.hex.slice(0, 64) + b.hex.slice(64)));
    expect(r).toEqual({ ok: false, problem: "failed to construct identity m.key: private and public do not match" });
  });
  it("names a printable bad character the way Go does", async () => {
    const k = await goKeyHex();
    const r = checkKeyContent("g.key", Buffer.from("g" + k.hex.slice(1)));
    expect(r).toEqual({
      ok: false,
      problem: "failed to construct identity g.key: decoding private key in g.key: encoding/hex: invalid byte: U+0067 'g'",
    });
  });
});
