// The daemon's identity operations (add, import, rollback, retire, rename, permissions), each a
// guarded call into this folder's modules. What it needs from the rest of the daemon comes in as
// a small interface, so it can be tested without one.
import path from "node:path";
import { EventEmitter } from "node:events";
import type { TaskView } from "../../protocol/model.js";
import { INTERRUPTED_NOTE, Journal } from "./journal.js";
import { AddIdentityTask, validateAdd, type AddRequest } from "./add.js";
import { planImport, executeImport, rollbackLastImport, type ImportContext, type ImportItem, type RollbackStep } from "./import.js";
import { retireIdentity, renameIdentity } from "./retire-rename.js";
import { recoverInterrupted, type Recovered } from "./recover.js";
import { keyFileName } from "./key-store.js";
import { permissionProblems, fixPermissions, type PermissionProblem } from "./key-store.js";
import type { ServiceRegistry } from "../../config/service-registry.js";

export interface IdentityHost {
  /** Stops a service and waits until it is stopped (no-op when not running). */
  stopService(name: string): Promise<void>;
  /** Re-reads the config so added/removed/renamed services take effect. */
  reloadConfig(): Promise<void>;
  /** The commitment ATX id (hex) from the node's ActivationService.Highest, or null if unreachable. */
  commitmentAtx(): Promise<string | null>;
  /** The configured service whose PoS data belongs to key file NAME.key, if any. */
  serviceForKey(keyFile: string): string | null;
  /** Whether postdeck supervises the node (then it can restart it for the operator). */
  nodeSupervised(): boolean;
}

export interface IdentityManagerOptions {
  identitiesDir: string;
  stateDir: string;
  postcli: string | null;
  registry: ServiceRegistry;
  host: IdentityHost;
  clock?: () => number;
  /** Who else uses a PoS dir an import names (ImportContext.dirUsers); default: a scan of /proc. */
  dirUsers?: ImportContext["dirUsers"];
}

export class IdentityError extends Error {}

/** Emits "task" (TaskView) whenever a running add changes. */
export class IdentityManager extends EventEmitter {
  private readonly journal: Journal;
  private readonly tasks = new Map<string, Pick<AddIdentityTask, "id" | "current" | "cancel"> & { req: { name: string } }>();

  constructor(private readonly o: IdentityManagerOptions) {
    super();
    this.journal = new Journal(o.stateDir);
  }

  private get importCtx() {
    return { identitiesDir: this.o.identitiesDir, registry: this.o.registry, journal: this.journal, clock: this.o.clock, dirUsers: this.o.dirUsers };
  }

  /**
   * At daemon start, before any service runs: the key files of renames and retires a crash cut
   * short (no key, or two), so a node started meanwhile never sees a duplicate key. The config part
   * follows once the supervisor has started (recoverInterrupted): a service entry changed before
   * the supervisor reads its state could be started next to the process it should adopt.
   */
  async recoverKeyFiles(): Promise<void> {
    await recoverInterrupted(this.importCtx, { keyFilesOnly: true });
  }

  /**
   * Finishes what an interruption left half done (recover.ts), stopping a service through the host
   * where a retire needs it, then re-reads the config (through the supervisor, one queue per
   * service) when that changed it. Runs before every operation below; also at daemon start, once
   * the supervisor has adopted or started the services.
   */
  async recoverInterrupted(): Promise<Recovered[]> {
    const done = await recoverInterrupted({ ...this.importCtx, stopService: (n) => this.o.host.stopService(n) });
    if (done.length) await this.o.host.reloadConfig().catch(() => undefined);
    return done;
  }

  taskViews(): TaskView[] {
    return [...this.tasks.values()].map((t) => t.current());
  }

  async add(req: Omit<AddRequest, "commitmentAtxId"> & { commitmentAtxId?: string | null }): Promise<TaskView> {
    if (!this.o.postcli)
      throw new IdentityError("postcli is not configured: set postcli.binary in the postdeck config to the postcli program");
    let atx = req.commitmentAtxId ?? null;
    if (!atx) {
      atx = await this.o.host.commitmentAtx();
      if (!atx)
        throw new IdentityError(
          "the node's public gRPC listener did not answer ActivationService.Highest: pass the commitment ATX id (--commitment-atx HEX)",
        );
    }
    await this.recoverInterrupted();
    const finished = await this.finishedAfterInterruption(req.name, path.resolve(req.dir));
    if (finished) return finished;
    const full: AddRequest = { ...req, commitmentAtxId: atx };
    const running = [...this.tasks.values()].find((t) => t.current().state === "running" && t.req.name === req.name);
    if (running) throw new IdentityError(`an add of ${req.name} is already running (task ${running.id})`);
    const problems = await validateAdd(full, {
      postcli: this.o.postcli,
      identitiesDir: this.o.identitiesDir,
      registry: this.o.registry,
      journal: this.journal,
    });
    if (problems.length) throw new IdentityError(problems.join("; "));
    const task = new AddIdentityTask(full, {
      postcli: this.o.postcli,
      identitiesDir: this.o.identitiesDir,
      registry: this.o.registry,
      journal: this.journal,
      clock: this.o.clock,
      restartHint: this.o.host.nodeSupervised() ? "postdeck supervises it: `postdeck restart node`, or 'restart the node' in the console palette (:)" : undefined,
      // the new service is in the daemon's state before the add says done (`identity add` returns then)
      beforeDone: () => this.o.host.reloadConfig().catch(() => undefined),
    });
    this.tasks.set(task.id, task);
    task.on("update", (v: TaskView) => this.emit("task", v));
    this.emit("task", task.current()); // in the snapshot from now on: a client following it finds it there
    return task.current();
  }

  /**
   * A re-run of an add that an interruption cut short after its key was placed, and that recover.ts
   * has finished since (at daemon start): the answer is that add, done — not "already exists".
   */
  private async finishedAfterInterruption(name: string, dir: string): Promise<TaskView | null> {
    const last = (await this.journal.read()).findLast((e) => e.op === "add" && e.service?.name === name);
    if (!last || last.phase !== "done" || !last.note.startsWith(INTERRUPTED_NOTE) || last.service?.dir !== dir) return null;
    if (!(await this.o.registry.list()).some((s) => s.name === name && path.resolve(s.dir) === dir)) return null;
    const view: TaskView = {
      id: last.batch,
      kind: "identity-add",
      name,
      state: "done",
      startedAt: last.at,
      bytesDone: null,
      bytesTotal: null,
      rateBytesPerSec: null,
      etaSeconds: null,
      message: `identity ${(last.nodeId ?? "").slice(0, 6)} was placed as ${path.basename(last.destination ?? `${name}.key`)} and its service added (finished after an interruption); restart the node so it loads the new key`,
    };
    this.tasks.set(view.id, { id: view.id, req: { name }, current: () => view, cancel: () => undefined });
    this.emit("task", view);
    return view;
  }

  cancel(id: string): TaskView {
    const t = this.tasks.get(id);
    if (!t) throw new IdentityError(`no task ${id}`);
    t.cancel();
    return t.current();
  }

  async planImport(dirs: string[]): Promise<ImportItem[]> {
    return planImport(dirs.map((d) => path.resolve(d)), this.importCtx);
  }

  async import(dirs: string[], confirm: string[]): Promise<{ batch: string; items: ImportItem[] }> {
    await this.recoverInterrupted();
    const plan = await this.planImport(dirs);
    if (!plan.some((i) => i.ok)) throw new IdentityError(plan.map((i) => `${i.sourceDir}: ${i.problem}`).join("; "));
    const r = await executeImport(plan, confirm, this.importCtx);
    await this.o.host.reloadConfig();
    return { batch: r.batch, items: plan };
  }

  async rollback(): Promise<{ batch: string; steps: RollbackStep[] } | null> {
    await this.recoverInterrupted();
    const entries = await this.journal.lastImport();
    for (const e of entries ?? []) if (e.service && e.phase === "intent") await this.o.host.stopService(e.service.name);
    const r = await rollbackLastImport(this.importCtx);
    if (r) await this.o.host.reloadConfig();
    return r;
  }

  async retire(name: string): Promise<{ retiredTo: string; service: string | null }> {
    const keyFile = name.endsWith(".key") ? name : `${name}.key`;
    // a re-run of an interrupted retire of this key: finishing it is the answer
    const again = (await this.recoverInterrupted()).find((r) => r.op === "retire" && r.outcome === "finished" && r.source === path.join(this.o.identitiesDir, keyFileName(keyFile)));
    if (again) return { retiredTo: again.destination!, service: null };
    const service = this.o.host.serviceForKey(keyFile);
    const r = await retireIdentity(this.importCtx, name, service, async () => {
      if (service) await this.o.host.stopService(service);
    });
    await this.o.host.reloadConfig();
    return r;
  }

  async rename(from: string, to: string): Promise<string> {
    const keyFile = from.endsWith(".key") ? from : `${from}.key`;
    // a re-run of an interrupted rename FROM TO: finishing it is the answer
    const dest = path.join(this.o.identitiesDir, keyFileName(to));
    const again = (await this.recoverInterrupted()).find((r) => r.op === "rename" && r.outcome === "finished" && r.destination === dest);
    if (again) return dest;
    const service = this.o.host.serviceForKey(keyFile);
    const target = await renameIdentity(this.importCtx, from, to, service, async () => {
      if (service) await this.o.host.stopService(service);
    });
    await this.o.host.reloadConfig();
    return target;
  }

  async permissions(fix: boolean): Promise<PermissionProblem[]> {
    const problems = await permissionProblems(this.o.identitiesDir);
    if (fix) await fixPermissions(problems);
    return problems;
  }
}
