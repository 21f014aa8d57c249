// What identity operations need from postdeck's config: the configured services, and adding,
// removing or renaming one. Implemented over the YAML file by yaml-service-registry.ts; tests use
// test/helpers/memory-service-registry.ts.
export interface ServiceEntry {
  name: string;
  dir: string;
}

export interface ServiceRegistry {
  list(): Promise<ServiceEntry[]>;
  add(entry: ServiceEntry): Promise<void>;
  remove(name: string): Promise<ServiceEntry | null>;
  rename(from: string, to: string): Promise<void>;
}
