// Builds a complete demo rig in a directory: a node data folder with identities/, N PoS dirs
// initialised by the simulated postcli (run in this process), a go-spacemesh JSON config for remote smeshing, wrapper
// scripts bin/{go-spacemesh,post-service,postcli} running the simulators, simulated disks
// (sim-disks.json: PoS dirs round robin over N disks whose read bandwidth their provers share), and a
// postdeck.yaml (src/config/schema.ts) that supervises them, proving on demand per disk.
// Idempotent: a finished rig is reused as it is; an interrupted build continues where it stopped
// (postcli resumes its files).
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { stringify } from "yaml";
import { writeFileAtomicSync } from "./atomic-write.js";
import { GOLDEN_ATX } from "./node/constants.js";
import { writeDemoNetwork } from "./node/network.js";
import { METADATA_FILE, readMetadata, fileLayout, listDataFiles, LABEL_BYTES } from "./post-data.js";
import { simProviders, spewProviders } from "./postcli/providers.js";
import { runQuietly } from "./postcli/main.js";

export const DEMO_LABELS_PER_UNIT = 65536; // 1 MiB per unit
export const DEMO_NUM_UNITS = 4; // the network minimum
export const DEMO_MAX_FILE_SIZE = 1024 * 1024; // 4 files per identity
export const DEMO_COINBASE = "sm1qqqqqqzzxmvx6wzd8r9vjj3fgqy0ks3pm4e7rzszmkx5g";
const MARKER = ".postdeck-demo-rig.json";

export interface DemoRigOptions {
  /** Rig root; created if missing. */
  dir: string;
  /** Number of identities (and post-services), >= 1. Only used when the rig is first built. */
  identities: number;
  /** Absolute path of postdeck's bin/postdeck.js (the wrappers run `node <it> sim <program>`). */
  postdeckBin: string;
  /** Progress lines for people ("initialising post2 (4 MiB)"). */
  onProgress?: (line: string) => void;
  /** Length of a simulated epoch in minutes (a cycle gap each); default 4, or what the rig has. */
  epochMinutes?: number;
  /** Simulated disks the PoS dirs are spread over (round robin), sharing each one's read bandwidth. Default 2. */
  disks?: number;
  /** Read bandwidth of each simulated disk (bytes/s). Default: one demo identity (4 MiB) in about 12 s. */
  diskReadBytesPerSec?: number;
  /** NumUnits per identity (1 MiB each in the demo), e.g. mixed sizes; default 4 for all. */
  units?: number[];
  /** The proving mode written to postdeck.yaml. Default on-demand. */
  provingMode?: "always" | "on-demand";
}

/** Default bandwidth of a simulated demo disk: a 4-unit demo identity reads in about 12 s alone. */
export const DEMO_DISK_READ_BPS = Math.round((DEMO_NUM_UNITS * DEMO_LABELS_PER_UNIT * 16) / 12);
export const SIM_DISKS_FILE = "sim-disks.json";
export const simDiskName = (i: number) => `simdisk-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ""}`;

export interface DemoRig {
  dir: string;
  /** <dir>/postdeck.yaml: pass it as --config. */
  configPath: string;
  /** true when an existing finished rig was reused without changes. */
  reused: boolean;
  nodeDataFolder: string;
  nodeConfigPath: string;
  grpc: { public: string; private: string; post: string };
  services: { name: string; dir: string; keyFile: string; disk?: string }[];
  bin: { node: string; postService: string; postcli: string };
}

interface Marker {
  identities: number;
  grpc: { public: string; private: string; post: string };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The postcli wrapper answers a bare `-printProviders` itself, with the simulated postcli's own
 * output (the same functions, printed here when the rig is built; POSTDECK_SIM_NO_GPU=1 still
 * drops the GPU): the daemon asks for the providers at every start, and a Node process for a
 * constant answer was ~0.2 s of CPU each time.
 */
function printProvidersInShell(): string {
  const answer = (withGpu: boolean) => `cat <<'EOF'\n${spewProviders(simProviders(withGpu))}EOF\n`;
  return `if [ "$#" = 1 ] && [ "$1" = -printProviders ]; then\n  if [ "$POSTDECK_SIM_NO_GPU" = 1 ]; then\n${answer(false)}  else\n${answer(true)}  fi\n  exit 0\nfi\n`;
}

/**
 * A shell script running the simulated `program` through `postdeckBin` (`node <it> sim <program>`),
 * with `env` exported first; the postcli one answers `-printProviders` itself (the tests' rigs use
 * it as their postcli too).
 */
export function simWrapperText(postdeckBin: string, program: "node" | "post-service" | "postcli", env: Record<string, string> = {}): string {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${shQuote(v)} `).join("");
  const own = program === "postcli" ? printProvidersInShell() : "";
  return `#!/bin/sh\n# postdeck demo rig: the simulated ${program}\n${vars ? `export ${vars.trim()}\n` : ""}${own}exec ${shQuote(process.execPath)} ${shQuote(postdeckBin)} sim ${program} "$@"\n`;
}

function writeWrapper(file: string, postdeckBin: string, program: "node" | "post-service" | "postcli", env: Record<string, string> = {}): void {
  const text = simWrapperText(postdeckBin, program, env);
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) return;
  writeFileAtomicSync(file, text, 0o755);
  fs.chmodSync(file, 0o755);
}

/** A PoS dir is complete when metadata has a nonce and every data file has its full size. */
function posComplete(dir: string): boolean {
  if (!fs.existsSync(path.join(dir, METADATA_FILE))) return false;
  try {
    const m = readMetadata(dir);
    if (m.Nonce === undefined) return false;
    const layout = fileLayout(m.NumUnits, m.LabelsPerUnit, m.MaxFileSize);
    const files = listDataFiles(dir);
    if (files.length !== layout.numFiles) return false;
    return files.every((f, i) => f.size === (i === layout.numFiles - 1 ? layout.lastFileLabels : layout.labelsPerFile) * LABEL_BYTES);
  } catch {
    return false;
  }
}

/**
 * `postcli -provider=… -numUnits=… -datadir=DIR -yes` at full speed, run in this process (the same
 * code as the rig's postcli wrapper runs; a Node process per identity was ~0.3 s of CPU each), its
 * stderr kept for the error. Ctrl-C ends the build as before (the process's SIGINT is left alone),
 * and the dir resumes at the next build (metadata written atomically, whole labels).
 */
async function initPos(dir: string, units = DEMO_NUM_UNITS): Promise<void> {
  const args = [
    "-provider=4294967295",
    `-numUnits=${units}`,
    `-labelsPerUnit=${DEMO_LABELS_PER_UNIT}`,
    `-maxFileSize=${DEMO_MAX_FILE_SIZE}`,
    `-commitmentAtxId=${GOLDEN_ATX.toString("hex")}`,
    `-datadir=${dir}`,
    "-yes",
  ];
  const r = await runQuietly(args, { ...process.env, POSTDECK_SIM_INIT_BPS: "0" });
  if (r.code !== 0) throw new Error(`postcli failed for ${dir} (exit ${r.code}):\n${r.stderr.trim()}`);
}

export async function buildDemoRig(o: DemoRigOptions): Promise<DemoRig> {
  const dir = path.resolve(o.dir);
  const progress = o.onProgress ?? (() => undefined);
  const markerFile = path.join(dir, MARKER);
  const configPath = path.join(dir, "postdeck.yaml");
  let marker: Marker | null = null;
  try {
    marker = JSON.parse(fs.readFileSync(markerFile, "utf8")) as Marker;
  } catch {
    marker = null;
  }
  const n = marker?.identities ?? Math.max(1, Math.floor(o.identities));
  const bin = {
    node: path.join(dir, "bin", "go-spacemesh"),
    postService: path.join(dir, "bin", "post-service"),
    postcli: path.join(dir, "bin", "postcli"),
  };
  const nodeDataFolder = path.join(dir, "node", "data");
  const identitiesDir = path.join(nodeDataFolder, "identities");
  const nodeConfigPath = path.join(dir, "node", "config.json");
  const services = Array.from({ length: n }, (_, i) => ({
    name: `post${i + 1}`,
    dir: path.join(dir, "pos", `post${i + 1}`),
    keyFile: path.join(identitiesDir, `post${i + 1}.key`),
    disk: simDiskName(i % Math.max(1, o.disks ?? 2)),
  }));
  const simDisksFile = path.join(dir, SIM_DISKS_FILE);
  const postServiceEnv = { POSTDECK_SIM_DISKS: simDisksFile };

  const finished = marker !== null && fs.existsSync(configPath) && services.every((s) => fs.existsSync(s.keyFile) && posComplete(s.dir));
  if (finished) {
    // Wrappers carry the path of this postdeck: refresh them if postdeck moved.
    writeWrapper(bin.node, o.postdeckBin, "node");
    writeWrapper(bin.postService, o.postdeckBin, "post-service", postServiceEnv);
    writeWrapper(bin.postcli, o.postdeckBin, "postcli");
    writeDemoNetwork(nodeConfigPath, o.epochMinutes ?? null, (f, t) => writeFileAtomicSync(f, t));
    return { dir, configPath, reused: true, nodeDataFolder, nodeConfigPath, grpc: marker!.grpc, services, bin };
  }

  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  fs.mkdirSync(path.join(dir, "pos"), { recursive: true });
  fs.mkdirSync(identitiesDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(identitiesDir, 0o700);
  writeWrapper(bin.node, o.postdeckBin, "node");
  writeWrapper(bin.postService, o.postdeckBin, "post-service", postServiceEnv);
  writeWrapper(bin.postcli, o.postdeckBin, "postcli");

  const grpc = marker?.grpc ?? {
    public: `127.0.0.1:${await freeLoopbackPort()}`,
    private: `127.0.0.1:${await freeLoopbackPort()}`,
    post: `127.0.0.1:${await freeLoopbackPort()}`,
  };
  writeFileAtomicSync(markerFile, JSON.stringify({ identities: n, grpc } satisfies Marker, null, 2) + "\n");

  for (const [i, s] of services.entries()) {
    if (fs.existsSync(s.keyFile) && posComplete(s.dir)) continue;
    const units = o.units?.[i] ?? DEMO_NUM_UNITS;
    progress(`initialising ${s.name}: ${units} units of ${(DEMO_LABELS_PER_UNIT * LABEL_BYTES) / 1024 / 1024} MiB in ${s.dir}`);
    await initPos(s.dir, units);
    const key = path.join(s.dir, "identity.key");
    if (fs.existsSync(key) && !fs.existsSync(s.keyFile)) {
      fs.copyFileSync(key, s.keyFile, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(s.keyFile, 0o600);
      fs.rmSync(key);
    }
    if (!fs.existsSync(s.keyFile)) throw new Error(`demo rig: ${s.name} has PoS data in ${s.dir} but no key in ${s.keyFile}; delete ${s.dir} and run again`);
  }

  const simDisks: Record<string, string[]> = {};
  for (const s of services) simDisks[s.disk] = [...(simDisks[s.disk] ?? []), s.dir];
  const bps = o.diskReadBytesPerSec ?? DEMO_DISK_READ_BPS;
  writeFileAtomicSync(
    simDisksFile,
    JSON.stringify({ disks: Object.fromEntries(Object.entries(simDisks).map(([name, dirs]) => [name, { readBytesPerSec: bps, dirs }])) }, null, 2) + "\n",
  );

  writeFileAtomicSync(
    nodeConfigPath,
    JSON.stringify(
      {
        main: { "data-folder": nodeDataFolder },
        smeshing: { "smeshing-start": false, "smeshing-coinbase": DEMO_COINBASE },
        api: { "grpc-public-listener": grpc.public, "grpc-private-listener": grpc.private, "grpc-post-listener": grpc.post },
        post: { "post-labels-per-unit": DEMO_LABELS_PER_UNIT, "post-min-numunits": DEMO_NUM_UNITS, "post-max-numunits": 1048576, "post-k1": 26, "post-k2": 37 },
        logging: { "log-encoder": "console" },
      },
      null,
      2,
    ) + "\n",
  );
  // the network clock (genesis, layers, PoET phase shift and cycle gap) the node and postdeck read
  writeDemoNetwork(nodeConfigPath, o.epochMinutes ?? null, (f, t) => writeFileAtomicSync(f, t));

  const yamlConfig = {
    rig: "demo",
    demo: true,
    stateDir: path.join(dir, "state"),
    node: {
      dataFolder: nodeDataFolder,
      config: nodeConfigPath,
      log: { command: [bin.node, "--data-folder", nodeDataFolder, "--config", nodeConfigPath] },
      grpc,
    },
    postcli: { binary: bin.postcli },
    defaults: { binary: bin.postService, threads: 1, nonces: 16, randomxMode: "light" },
    services: services.map((s) => ({ name: s.name, dir: s.dir })),
    // the simulated disks are directories on one real disk: the config names them
    proving: { mode: o.provingMode ?? "on-demand", perDisk: 1, disks: simDisks },
  };
  writeFileAtomicSync(configPath, `# postdeck demo rig (simulated node and post-services), made by 'postdeck demo'\n${stringify(yamlConfig)}`);
  progress(`demo rig ready in ${dir}`);
  return { dir, configPath, reused: false, nodeDataFolder, nodeConfigPath, grpc, services, bin };
}
