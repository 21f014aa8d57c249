// A throw-away rig for supervisor/daemon tests: a data folder with identities, N PoS dirs with
// valid metadata, a postdeck.yaml pointing at the fake post-service, and a state dir.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { parseConfigText } from "../../src/config/load.js";
import type { ResolvedConfig } from "../../src/config/schema.js";
import { createIdentity } from "./pos-identity.js";
import { tempDir } from "./temp-dir.js";

export const FAKE_POST_SERVICE = fileURLToPath(new URL("../fixtures/fake-post-service.mjs", import.meta.url));

export interface RigFixture {
  root: string;
  configPath: string;
  stateDir: string;
  config: ResolvedConfig;
  raw: Record<string, unknown>;
}

export function makeRig(o: {
  services?: number;
  defaults?: Record<string, unknown>;
  service?: (i: number) => Record<string, unknown>;
  extra?: Record<string, unknown>;
  node?: Record<string, unknown>;
} = {}): RigFixture {
  // Short root: the daemon's Unix socket path must stay under 108 bytes.
  const root = tempDir("pd-");
  const dataFolder = path.join(root, "data");
  const stateDir = path.join(root, "st");
  const services = [];
  for (let i = 0; i < (o.services ?? 1); i++) {
    const posDir = path.join(root, `pos${i}`);
    createIdentity(dataFolder, posDir, `post${i}.key`);
    services.push({ name: `svc${i}`, dir: posDir, ...(o.service?.(i) ?? {}) });
  }
  const raw: Record<string, unknown> = {
    rig: "test-rig",
    stateDir,
    node: { dataFolder, grpc: { post: "127.0.0.1:9094" }, ...(o.node ?? {}) },
    defaults: {
      binary: FAKE_POST_SERVICE,
      stopGraceS: 2,
      restart: { initialDelayMs: 200, maxDelayMs: 1000, maxRestarts: 5, resetAfterS: 30 },
      ...(o.defaults ?? {}),
    },
    logs: { maxBytes: 65536, keep: 2, ringLines: 200 },
    services,
    ...(o.extra ?? {}),
  };
  const configPath = path.join(root, "postdeck.yaml");
  writeFileSync(configPath, stringify(raw));
  const config = parseConfigText(stringify(raw), configPath, { env: { ...process.env, XDG_RUNTIME_DIR: "" } });
  return { root, configPath, stateDir, config, raw };
}
