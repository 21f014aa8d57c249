// A PoS dir as postcli leaves it: identity.key (hex seed‖pub, 0600) and postdata_metadata.json.
import { newKeyHex, writePosMetadata } from "../../helpers/pos-identity.js";
import { tempDir as madeTempDir } from "../../helpers/temp-dir.js";

export { newKeyHex };
import { promises as fs } from "node:fs";
import path from "node:path";

/** A temp dir removed after the test file (test/helpers/cleanup-temp-dirs.ts). */
export async function tempDir(prefix: string): Promise<string> {
  return madeTempDir(`postdeck-${prefix}-`);
}

export async function makePosDir(dir: string, opts: { keyHex?: string; metaNodeId?: string } = {}): Promise<{ dir: string; nodeId: string; keyHex: string }> {
  const key = opts.keyHex ? { hex: opts.keyHex, nodeId: opts.keyHex.slice(64) } : newKeyHex();
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "identity.key"), key.hex, { mode: 0o600 });
  writePosMetadata(dir, opts.metaNodeId ?? key.nodeId);
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
