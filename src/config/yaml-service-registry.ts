// Edits the `services` list of postdeck's YAML config in place, keeping the operator's comments
// and layout (yaml Document API). The result is validated like any config before it replaces the
// file atomically, so a bad edit never reaches the disk.
import { promises as fs } from "node:fs";
import path from "node:path";
import { parseDocument, isMap, isSeq, YAMLSeq, type Document } from "yaml";
import { parseConfigText } from "./load.js";
import { replaceFile } from "../fs/atomic-file.js";
import type { ServiceEntry, ServiceRegistry } from "./service-registry.js";

export class YamlServiceRegistry implements ServiceRegistry {
  constructor(readonly file: string) {}

  private async read(): Promise<{ doc: Document; mode: number }> {
    const [text, st] = await Promise.all([fs.readFile(this.file, "utf8"), fs.stat(this.file)]);
    return { doc: parseDocument(text), mode: st.mode & 0o777 };
  }

  private services(doc: Document): YAMLSeq {
    let seq = doc.get("services", true);
    if (!isSeq(seq)) {
      seq = doc.createNode([]);
      doc.set("services", seq);
    }
    return seq as YAMLSeq;
  }

  private async write(doc: Document, mode: number): Promise<void> {
    const text = doc.toString();
    parseConfigText(text, this.file); // throws ConfigError: nothing is written
    await replaceFile(this.file, text, mode);
  }

  async list(): Promise<ServiceEntry[]> {
    const { doc } = await this.read();
    const base = path.dirname(this.file);
    return this.services(doc)
      .items.filter(isMap)
      .map((m) => ({ name: String(m.get("name")), dir: path.resolve(base, String(m.get("dir"))) }));
  }

  async add(entry: ServiceEntry): Promise<void> {
    const { doc, mode } = await this.read();
    this.services(doc).add(doc.createNode({ name: entry.name, dir: entry.dir }));
    await this.write(doc, mode);
  }

  async remove(name: string): Promise<ServiceEntry | null> {
    const { doc, mode } = await this.read();
    const seq = this.services(doc);
    const idx = seq.items.findIndex((m) => isMap(m) && m.get("name") === name);
    if (idx < 0) return null;
    const m = seq.items[idx];
    const entry = isMap(m) ? { name, dir: path.resolve(path.dirname(this.file), String(m.get("dir"))) } : null;
    seq.delete(idx);
    await this.write(doc, mode);
    return entry;
  }

  async rename(from: string, to: string): Promise<void> {
    const { doc, mode } = await this.read();
    const m = this.services(doc).items.find((x) => isMap(x) && x.get("name") === from);
    if (!isMap(m)) throw new Error(`${this.file}: no service named ${from}`);
    m.set("name", to);
    await this.write(doc, mode);
  }
}
