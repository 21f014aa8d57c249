// A ServiceRegistry in memory, for identity-operation tests (the product's is the YAML file:
// src/config/yaml-service-registry.ts).
import type { ServiceEntry, ServiceRegistry } from "../../src/config/service-registry.js";

export class MemoryServiceRegistry implements ServiceRegistry {
  constructor(private entries: ServiceEntry[] = []) {}
  async list(): Promise<ServiceEntry[]> {
    return [...this.entries];
  }
  async add(entry: ServiceEntry): Promise<void> {
    if (this.entries.some((e) => e.name === entry.name)) throw new Error(`service ${entry.name} already exists`);
    this.entries.push(entry);
  }
  async remove(name: string): Promise<ServiceEntry | null> {
    const e = this.entries.find((x) => x.name === name) ?? null;
    this.entries = this.entries.filter((x) => x.name !== name);
    return e;
  }
  async rename(from: string, to: string): Promise<void> {
    const e = this.entries.find((x) => x.name === from);
    if (!e) throw new Error(`no service ${from}`);
    e.name = to;
  }
}
