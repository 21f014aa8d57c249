// Adding a new identity: run postcli to initialise PoS data (with -yes, as postcli prompts
// otherwise), report progress from the files it writes, then place its identity.key into
// identities/NAME.key and add the service. Cancellable; a second run with the same arguments
// resumes (postcli requires -numUnits and -commitmentAtxId again on resume).
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { TaskView } from "../../protocol/model.js";
import { readPosMetadata, posDataState, posSizeBytes, LABEL_BYTES } from "../spacemesh/pos-metadata.js";
import { keyFileName, placeKey } from "./key-store.js";
import { removeStaleTemps, sha256 } from "../../fs/atomic-file.js";
import { faultPoint } from "../../fs/fault-point.js";
import { readRegularFile } from "../fs/regular-file.js";
import type { ServiceRegistry } from "../../config/service-registry.js";
import type { Journal } from "./journal.js";
import { checkAddSpace } from "./add-space.js";
import { unfinishedOperations } from "./recover.js";

export const CPU_PROVIDER = 4294967295;

export interface AddRequest {
  name: string;
  dir: string;
  units: number;
  provider: number;
  commitmentAtxId: string; // 64 hex
  labelsPerUnit?: number; // only for test networks / the demo rig
  maxFileSize?: number;
}

export interface AddContext {
  postcli: string; // binary
  identitiesDir: string;
  registry: ServiceRegistry;
  journal: Journal;
  clock?: () => number;
  pollMs?: number;
  /** How to restart the node, when postdeck can do it (it supervises the node). */
  restartHint?: string;
  /**
   * Runs once the key is placed and the service added, before the task says done (the daemon
   * re-reads its config here: whoever sees the add done finds the new service listed).
   */
  beforeDone?: () => Promise<void>;
}

/** Checks an add request before anything runs; returns problems for people. */
export async function validateAdd(req: AddRequest, ctx: AddContext): Promise<string[]> {
  const problems: string[] = [];
  try {
    keyFileName(req.name);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (!Number.isInteger(req.units) || req.units < 1) problems.push(`--units: expected a positive integer, found ${req.units}`);
  if (!/^[0-9a-fA-F]{64}$/.test(req.commitmentAtxId))
    problems.push(`--commitment-atx: expected 64 hex characters (32 bytes), found '${req.commitmentAtxId}'`);
  if (!Number.isInteger(req.provider) || req.provider < 0) problems.push(`--provider: expected a provider id, found ${req.provider}`);
  const services = await ctx.registry.list();
  if (services.some((s) => s.name === req.name)) problems.push(`a service named ${req.name} already exists`);
  const dir = path.resolve(req.dir);
  const owner = services.find((s) => path.resolve(s.dir) === dir);
  if (owner) problems.push(`${dir} is already the PoS dir of service ${owner.name}`);
  const keyPath = path.join(ctx.identitiesDir, `${req.name}.key`);
  if ((await fs.stat(keyPath).then(() => true, () => false)) && !(await alreadyPlaced(keyPath, dir)))
    problems.push(`${keyPath} already exists`);
  if (problems.length === 0 && Number.isInteger(req.units) && req.units >= 1) problems.push(...(await checkAddSpace(req)).problems);
  return problems;
}

/** An earlier add of the same identity placed its key and stopped before the service was added. */
async function alreadyPlaced(keyPath: string, dir: string): Promise<boolean> {
  const [placed, source] = await Promise.all([
    readRegularFile(keyPath).catch(() => null),
    readRegularFile(path.join(dir, "identity.key")).catch(() => null),
  ]);
  return placed !== null && source !== null && placed.equals(source);
}

export function postcliArgs(req: AddRequest): string[] {
  const args = [
    "-provider", String(req.provider),
    "-numUnits", String(req.units),
    "-commitmentAtxId", req.commitmentAtxId.toLowerCase(),
    "-datadir", path.resolve(req.dir),
    "-yes",
  ];
  if (req.labelsPerUnit !== undefined) args.push("-labelsPerUnit", String(req.labelsPerUnit));
  if (req.maxFileSize !== undefined) args.push("-maxFileSize", String(req.maxFileSize));
  return args;
}

/** One running add: emits "update" with a TaskView; `done` resolves when it ends. */
export class AddIdentityTask extends EventEmitter {
  readonly id: string;
  private child: ChildProcess | null = null;
  private view: TaskView;
  private lastTail: string[] = [];
  private samples: { at: number; bytes: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private cancelled = false;
  readonly done: Promise<TaskView>;

  constructor(
    readonly req: AddRequest,
    private readonly ctx: AddContext,
  ) {
    super();
    const clock = ctx.clock ?? Date.now;
    this.id = `add-${req.name}-${clock()}`;
    this.view = {
      id: this.id,
      kind: "identity-add",
      name: req.name,
      state: "running",
      startedAt: clock(),
      bytesDone: 0,
      bytesTotal: req.labelsPerUnit ? req.units * req.labelsPerUnit * LABEL_BYTES : null,
      rateBytesPerSec: null,
      etaSeconds: null,
      message: "starting postcli",
    };
    this.done = this.run();
  }

  current(): TaskView {
    return this.view;
  }

  cancel(): void {
    this.cancelled = true;
    this.child?.kill("SIGINT");
  }

  private update(patch: Partial<TaskView>): void {
    this.view = { ...this.view, ...patch };
    this.emit("update", this.view);
  }

  private async poll(): Promise<void> {
    const meta = await readPosMetadata(this.req.dir);
    if (!meta.ok) return;
    const st = await posDataState(this.req.dir, meta.meta);
    const now = (this.ctx.clock ?? Date.now)();
    this.samples = [...this.samples.filter((s) => now - s.at <= 10_000), { at: now, bytes: st.bytesPresent }];
    const first = this.samples[0]!;
    const rate = now > first.at ? ((st.bytesPresent - first.bytes) * 1000) / (now - first.at) : null;
    const eta = rate && rate > 0 ? Math.round((st.bytesTotal - st.bytesPresent) / rate) : null;
    this.update({
      bytesDone: st.bytesPresent,
      bytesTotal: posSizeBytes(meta.meta),
      rateBytesPerSec: rate,
      etaSeconds: eta,
      message: `initialising: file ${Math.min(st.filesPresent, st.filesExpected)} of ${st.filesExpected}`,
    });
  }

  private async run(): Promise<TaskView> {
    // the identities dir is <node data folder>/identities: PoS data on that volume gets a warning too
    const space = await checkAddSpace(this.req, { nodeDataFolder: path.dirname(this.ctx.identitiesDir) }).catch(() => null);
    if (space?.warnings.length) this.update({ message: `starting postcli — warning: ${space.warnings.join("; ")}` });
    await fs.mkdir(this.req.dir, { recursive: true });
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(this.ctx.postcli, postcliArgs(this.req), { stdio: ["ignore", "pipe", "pipe"] });
      this.child = child;
      const keep = (buf: Buffer): void => {
        const lines = buf.toString("utf8").split("\n").filter((l) => l.trim());
        this.lastTail = [...this.lastTail, ...lines].slice(-5);
      };
      child.stdout.on("data", keep);
      child.stderr.on("data", keep);
      child.on("error", (err) => {
        this.lastTail.push(`cannot run ${this.ctx.postcli}: ${err.message}`);
        resolve(null);
      });
      child.on("exit", (c) => resolve(c));
      this.timer = setInterval(() => void this.poll().catch(() => undefined), this.ctx.pollMs ?? 1000);
    });
    if (this.timer) clearInterval(this.timer);
    await this.poll().catch(() => undefined);
    if (this.cancelled) {
      this.update({ state: "cancelled", message: `cancelled; run the same add again to resume (data kept in ${this.req.dir})` });
      return this.view;
    }
    if (code !== 0) {
      const tail = this.lastTail.filter((l) => !/^\s*$/.test(l)).slice(-2).join(" | ");
      this.update({ state: "failed", message: `postcli exited with ${code ?? "an error"}: ${tail || "no output"}` });
      return this.view;
    }
    try {
      const content = await readRegularFile(path.join(this.req.dir, "identity.key")); // a FIFO is refused, never waited on
      // a re-run after an interruption finds its own key already placed: finish the job
      const keyPath = path.join(this.ctx.identitiesDir, keyFileName(this.req.name));
      await removeStaleTemps(this.ctx.identitiesDir);
      // journaled before the key is placed: an interruption from here on is finished by recover.ts
      // (key and service) at the next daemon start or identity operation
      const entry = {
        batch: this.id,
        op: "add" as const,
        at: (this.ctx.clock ?? Date.now)(),
        nodeId: content.toString("latin1").slice(64, 128).toLowerCase(),
        source: path.join(this.req.dir, "identity.key"),
        destination: keyPath,
        sha256: sha256(content),
        service: { name: this.req.name, dir: path.resolve(this.req.dir) },
        note: "",
      };
      // an earlier run of this add cut short after its intent: this run finishes it too
      const earlier = (await unfinishedOperations(this.ctx.journal)).filter((e) => e.op === "add" && e.destination === keyPath && e.sha256 === entry.sha256);
      await this.ctx.journal.append({ ...entry, phase: "intent" });
      const placed = (await alreadyPlaced(keyPath, this.req.dir))
        ? { name: keyFileName(this.req.name), path: keyPath, nodeId: entry.nodeId, sha256: entry.sha256 }
        : await placeKey(this.ctx.identitiesDir, this.req.name, content);
      faultPoint("add-after-key");
      if (!(await this.ctx.registry.list()).some((s) => s.name === this.req.name))
        await this.ctx.registry.add({ name: this.req.name, dir: path.resolve(this.req.dir) });
      for (const e of [...earlier, entry]) await this.ctx.journal.append({ ...e, nodeId: placed.nodeId, phase: "done", at: (this.ctx.clock ?? Date.now)() });
      await this.ctx.beforeDone?.();
      this.update({
        state: "done",
        message: `identity ${placed.nodeId.slice(0, 6)} placed as ${placed.name}; restart the node so it loads the new key${this.ctx.restartHint ? ` (${this.ctx.restartHint})` : ""}`,
      });
    } catch (err) {
      this.update({ state: "failed", message: (err as Error).message });
    }
    return this.view;
  }
}
