// A PoS dir as postcli leaves it: identity.key (hex seed‖pub, 0600) and postdata_metadata.json.
import { generateKeyPairSync } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import os from "node:os";

export function newKeyHex(): { hex: string; nodeId: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { hex: Buffer.concat([seed, pub]).toString("hex"), nodeId: pub.toString("hex") };
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `postdeck-${prefix}-`));
}

export async function makePosDir(dir: string, opts: { keyHex?: string; metaNodeId?: string } = {}): Promise<{ dir: string; nodeId: string; keyHex: string }> {
  const key = opts.keyHex ? { hex: opts.keyHex, nodeId: opts.keyHex.slice(64) } : newKeyHex();
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "identity.key"), key.hex, { mode: 0o600 });
  const meta = {
    NodeId: Buffer.from(opts.metaNodeId ?? key.nodeId, "hex").toString("base64"),
    CommitmentAtxId: Buffer.alloc(32, 7).toString("base64"),
    LabelsPerUnit: 1024,
    NumUnits: 4,
    MaxFileSize: 16384,
    Nonce: 12,
  };
  await fs.writeFile(path.join(dir, "postdata_metadata.json"), JSON.stringify(meta, null, "\t"));
  return { dir, nodeId: key.nodeId, keyHex: key.hex };
}

/** Every file under a dir with its content, to show that a refused step changed nothing. */
export async function treeSnapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string): Promise<void> {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[path.relative(root, p)] = (await fs.readFile(p)).toString("base64");
    }
  }
  await walk(root);
  return out;
}
