// Simulated `postcli` (spacemeshos/post v0.12.6 cmd/postcli): Go flag parsing, -printProviders,
// PoS initialisation writing identity.key, postdata_metadata.json and postdata_N.bin like the real one.
// Environment knobs: POSTDECK_SIM_INIT_BPS (write rate limit in bytes/s, default 2 MiB/s, 0 = unlimited),
// POSTDECK_SIM_NO_GPU=1 (no OpenCL provider listed).
import fs from "node:fs";
import path from "node:path";
import { parseGoFlags } from "../go-flag.js";
import { ZapLogger, goLogLine, type ZapLevel, type ZapSink } from "../zap-logger.js";
import { generateGoPrivateKey } from "../ed25519-key.js";
import { writeFileAtomicSync } from "../atomic-write.js";
import { METADATA_FILE, readMetadata, type PostMetadata } from "../post-data.js";
import {
  DEFAULT_NUM_UNITS,
  MAINNET_LABELS_PER_UNIT,
  MAINNET_SCRYPT_N,
  MAX_NUM_UNITS,
  MIN_NUM_UNITS,
  postcliFlags,
} from "./flags.js";
import { simProviders, spewProviders } from "./providers.js";
import { initialize, verifyData } from "./initializer.js";

export const IDENTITY_FILE = "identity.key";

/** Go's log.Fatal*: the message on stderr with the log prefix, exit status 1. */
class Fatal extends Error {}

/**
 * Where a run writes and what it reads: the process's own streams and environment when it runs as
 * `postdeck sim postcli`; the demo rig's builder runs it in its own process with others.
 */
export interface PostcliIo {
  stdout: ZapSink;
  stderr: ZapSink;
  env: NodeJS.ProcessEnv;
  /** Stops an init after its current batch, as SIGINT does the real one's; without it the process's SIGINT does. */
  interrupt?: AbortSignal;
}

/** Go's log.Println and log.Fatal on a run's stderr. */
class GoLog {
  constructor(private readonly io: PostcliIo) {}

  line(msg: string): void {
    this.io.stderr.write(goLogLine(msg));
  }

  fatal(msg: string): never {
    this.line(msg);
    throw new Fatal(msg);
  }
}

/** fmt.Scanln on stdin: the first word of the first line, or null when stdin is closed/empty. */
function readAnswer(): Promise<string | null> {
  return new Promise((resolve) => {
    let buf = "";
    const stdin = process.stdin;
    const done = (v: string | null) => {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.off("error", onEnd);
      stdin.pause();
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl >= 0) done(buf.slice(0, nl).trim().split(/\s+/)[0] ?? "");
    };
    const onEnd = () => done(buf.trim() === "" ? null : buf.trim().split(/\s+/)[0]!);
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.on("error", onEnd);
    stdin.resume();
  });
}

async function askForConfirmation(log: GoLog, yes: boolean): Promise<void> {
  if (yes) return;
  log.line("Are you sure you want to continue (y/N)?");
  const answer = await readAnswer();
  if (answer !== "y" && answer !== "Y") log.fatal("Aborting");
}

function decodeHex(log: GoLog, text: string, what: string): Buffer {
  const t = text.startsWith("0x") ? text.slice(2) : text;
  if (!/^([0-9a-fA-F]{2})*$/.test(t)) {
    const bad = [...t].findIndex((c) => !/[0-9a-fA-F]/.test(c));
    const reason = bad >= 0 ? `encoding/hex: invalid byte: U+${t.codePointAt(bad)!.toString(16).toUpperCase().padStart(4, "0")} ${JSON.stringify(t[bad])}` : "encoding/hex: odd length hex string";
    log.fatal(`failed to decode ${what}: ${reason}`);
  }
  return Buffer.from(t, "hex");
}

export async function run(args: string[], io: PostcliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  try {
    return await main(args, io, new GoLog(io));
  } catch (e) {
    if (e instanceof Fatal) return 1;
    throw e;
  }
}

/**
 * A run in this process with its log (stdout) dropped and stderr kept, leaving the process's SIGINT
 * alone (the demo rig's builder, tests that need a PoS dir): its exit code and stderr.
 */
export async function runQuietly(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const code = await run(args, {
    stdout: { write: () => undefined },
    stderr: { write: (text) => void (stderr += text) },
    env,
    interrupt: new AbortController().signal,
  });
  return { code, stderr };
}

async function main(args: string[], io: PostcliIo, log: GoLog): Promise<number> {
  const parsed = parseGoFlags("postcli", postcliFlags(), args);
  if (!parsed.ok) {
    io.stderr.write(parsed.output);
    return parsed.exitCode;
  }
  const v = parsed.values;
  const flag = <T>(name: string, def: T): T => (v.has(name) ? (v.get(name) as T) : def);
  const datadir = path.resolve(flag("datadir", path.join(io.env["HOME"] ?? "/", "post", "data")));
  const labelsPerUnit = flag("labelsPerUnit", MAINNET_LABELS_PER_UNIT);
  const maxFileSize = flag("maxFileSize", 4294967296n);
  const scryptN = flag("scryptN", MAINNET_SCRYPT_N);
  const numUnits = Number(flag("numUnits", 4n));
  const yes = flag("yes", false);
  const level = flag("logLevel", "info").toUpperCase();
  const zapLevel: ZapLevel = (["DEBUG", "INFO", "WARN", "ERROR"].includes(level) ? level : "ERROR") as ZapLevel;

  if (flag("printProviders", false)) {
    io.stdout.write(spewProviders(simProviders(io.env["POSTDECK_SIM_NO_GPU"] !== "1")));
    return 0;
  }
  if (flag("printNumFiles", false)) {
    const labelsPerFile = maxFileSize / 16n;
    const total = BigInt(numUnits) * labelsPerUnit;
    io.stdout.write(`${labelsPerFile === 0n ? 0n : (total + labelsPerFile - 1n) / labelsPerFile}\n`);
    return 0;
  }
  if (flag("printConfig", false)) {
    io.stdout.write(
      `(config.Config) {\n MinNumUnits: (uint32) ${MIN_NUM_UNITS},\n MaxNumUnits: (uint32) ${MAX_NUM_UNITS},\n LabelsPerUnit: (uint64) ${labelsPerUnit}\n}\n` +
        `(config.InitOpts) {\n DataDir: (string) (len=${Buffer.byteLength(datadir)}) ${JSON.stringify(datadir)},\n NumUnits: (uint32) ${numUnits},\n MaxFileSize: (uint64) ${maxFileSize}\n}\n`,
    );
    return 0;
  }

  const logger = new ZapLogger(io.stdout, "console", zapLevel);

  if (flag("verify", false)) {
    const meta = readMetadataOrFatal(log, datadir);
    const err = verifyData(datadir, meta, flag("fraction", 0.2));
    if (err) log.fatal(`cli: POS data is invalid: ${err}`);
    log.line("cli: POS data is valid");
    return 0;
  }

  if (!v.has("provider")) log.fatal("-provider flag is required");

  if (flag("searchForNonce", false)) log.fatal("cli: -searchForNonce is not supported by the postdeck simulator");

  if (flag("reset", false)) {
    for (const name of fs.existsSync(datadir) ? fs.readdirSync(datadir) : []) {
      if (/^postdata_\d+\.bin$/.test(name) || name === METADATA_FILE) fs.rmSync(path.join(datadir, name), { force: true });
    }
    log.line("cli: reset completed");
    return 0;
  }

  // processFlags
  if (!parsed.set.has("numUnits")) {
    log.fatal(
      `failed to process flags -numUnits must be specified to perform initialization. to use the default value, run with -numUnits ${DEFAULT_NUM_UNITS}. note: if there's existing data, this will erase it`,
    );
  }
  if (numUnits < MIN_NUM_UNITS || numUnits > MAX_NUM_UNITS) {
    log.line(`numUnits is outside of range valid for mainnet (min: ${MIN_NUM_UNITS} max: ${MAX_NUM_UNITS} )`);
    await askForConfirmation(log, yes);
  }
  if (labelsPerUnit !== MAINNET_LABELS_PER_UNIT) {
    log.line("WARNING: labelsPerUnit is set to a non-default value. This makes the initialization incompatible with mainnet.");
    await askForConfirmation(log, yes);
  }
  if (scryptN !== MAINNET_SCRYPT_N) {
    log.line("WARNING: scryptN is set to a non-default value. This makes the initialization incompatible with mainnet.");
    await askForConfirmation(log, yes);
  }
  const commitmentHex = flag("commitmentAtxId", "");
  if (commitmentHex === "") {
    log.fatal("failed to process flags -commitmentAtxId must be specified to perform initialization (use `grpcurl -plaintext -d '' 0.0.0.0:9092 spacemesh.v1.ActivationService.Highest` to get it)");
  }
  const commitment = decodeHex(log, commitmentHex, "commitmentAtxId");
  const fromFile = Number(flag("fromFile", 0n));
  const toFileSet = parsed.set.has("toFile");
  if ((parsed.set.has("fromFile") || toFileSet) && !parsed.set.has("id")) {
    log.fatal("failed to process flags -id flag is required when using -fromFile or -toFile");
  }

  fs.mkdirSync(datadir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(datadir, IDENTITY_FILE);
  let nodeId: Buffer;
  let idFromKey = false;
  const idHex = flag("id", "");
  if (idHex !== "") {
    nodeId = decodeHex(log, idHex, "id");
  } else if (fs.existsSync(keyFile)) {
    const text = fs.readFileSync(keyFile, "utf8");
    nodeId = Buffer.from(text.trim(), "hex").subarray(32, 64);
    idFromKey = true;
  } else {
    log.line("cli: generating new identity");
    const priv = generateGoPrivateKey();
    writeFileAtomicSync(keyFile, priv.toString("hex"), 0o600);
    fs.chmodSync(keyFile, 0o600);
    nodeId = priv.subarray(32, 64);
    log.line(`generated key in ${IDENTITY_FILE}`);
    log.line("copy this file to the `data/identities` directory of your node");
  }

  // Compare with an existing init in this directory.
  let previous: PostMetadata | null = null;
  if (fs.existsSync(path.join(datadir, METADATA_FILE))) {
    previous = readMetadataOrFatal(log, datadir);
    if (!previous.NodeId.equals(nodeId)) {
      if (idFromKey) log.line(`WARNING: inconsistent state: identity.key file does not match metadata in ${datadir}`);
      else log.line(`WARNING: it appears that ${datadir} was previously initialized with a different \`id\` value.`);
      log.fatal("aborting");
    }
    if (!previous.CommitmentAtxId.equals(commitment)) {
      log.line(`WARNING: it appears that ${datadir} was previously initialized with a different \`commitmentAtxId\` value.`);
      log.fatal("aborting");
    }
    if (previous.NumUnits !== numUnits) {
      log.line(`WARNING: it appears that ${datadir} was previously initialized with a different \`numUnits\` value (${previous.NumUnits}).`);
      await askForConfirmation(log, yes);
    }
    if (previous.LabelsPerUnit !== labelsPerUnit || previous.MaxFileSize !== maxFileSize) {
      log.line(`WARNING: it appears that ${datadir} was previously initialized with different \`labelsPerUnit\` or \`maxFileSize\` values.`);
      log.fatal("aborting");
    }
  }

  const abort = new AbortController();
  // Like postcli (signal.NotifyContext(ctx, os.Interrupt)): SIGINT stops after the current batch; SIGTERM
  // keeps Go's default (immediate exit) — files stay consistent either way (atomic metadata, whole labels).
  const onSignal = () => abort.abort();
  if (io.interrupt) io.interrupt.addEventListener("abort", onSignal, { once: true });
  else process.on("SIGINT", onSignal);
  try {
    const rate = Number(io.env["POSTDECK_SIM_INIT_BPS"] ?? 2 * 1024 * 1024);
    const res = await initialize({
      datadir,
      nodeId,
      commitment,
      numUnits,
      labelsPerUnit,
      maxFileSize,
      fromFile,
      toFile: toFileSet ? Number(flag("toFile", 0n)) : Number.MAX_SAFE_INTEGER,
      previous: previous && previous.NumUnits === numUnits ? previous : null,
      logger,
      bytesPerSecond: Number.isFinite(rate) && rate > 0 ? rate : 0,
      signal: abort.signal,
    });
    if (res === "aborted") {
      log.line("cli: initialization interrupted");
      return 0;
    }
  } finally {
    if (io.interrupt) io.interrupt.removeEventListener("abort", onSignal);
    else process.off("SIGINT", onSignal);
  }
  log.line("cli: initialization completed");

  if (flag("genproof", false)) {
    log.line("cli: generating proof as a sanity test");
    const meta = readMetadataOrFatal(log, datadir);
    const err = verifyData(datadir, meta, 1);
    if (err) log.fatal(`proof generation error: ${err}`);
    log.line("cli: proof is valid");
  }
  return 0;
}

function readMetadataOrFatal(log: GoLog, dir: string): PostMetadata {
  try {
    return readMetadata(dir);
  } catch (e) {
    return log.fatal(`failed to load metadata: ${(e as Error).message}`);
  }
}
