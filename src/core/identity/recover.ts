// Finishing identity operations that an interruption (kill -9, power cut, daemon crash) left
// half done, from the journal: every step of import, add, rename and retire is journaled as an
// intent before it runs and as done after it, so an intent without its done entry is an operation
// to finish. Each step is checked on disk before it is redone (the key's content by hash, the
// service in the config), so finishing twice is harmless. Called at daemon start (the key files
// before any service runs, the rest once the supervisor has started: src/daemon/rig-parts.ts) and
// before every identity operation of the daemon (a re-run of the interrupted command included).
import { promises as fs } from "node:fs";
import path from "node:path";
import { moveFileExclusive, removeStaleTemps, sha256 } from "../../fs/atomic-file.js";
import { readRegularFile } from "../fs/regular-file.js";
import { renamingName } from "./retire-rename.js";
import { INTERRUPTED_NOTE, type Journal, type JournalEntry } from "./journal.js";
import type { ServiceRegistry } from "../../config/service-registry.js";

export interface RecoverContext {
  identitiesDir: string;
  registry: ServiceRegistry;
  journal: Journal;
  clock?: () => number;
  /** Stops a service before its key is retired (the daemon's supervisor); default: nothing to stop. */
  stopService?: (name: string) => Promise<void>;
}

export interface Recovered {
  op: JournalEntry["op"];
  source: string | null;
  destination: string | null;
  /** What was done: "finished" (rolled forward) or "abandoned" (nothing had changed yet). */
  outcome: "finished" | "abandoned";
  what: string;
}

const key = (e: JournalEntry) => `${e.batch}\u0000${e.op}\u0000${e.destination ?? ""}`;

/** Intents (import, add, rename, retire) without their done entry, oldest first. */
export async function unfinishedOperations(journal: Journal): Promise<JournalEntry[]> {
  const entries = await journal.read();
  const done = new Set(entries.filter((e) => e.phase === "done").map(key));
  return entries.filter((e) => e.phase === "intent" && ["import", "add", "rename", "retire"].includes(e.op) && !done.has(key(e)));
}

async function hashOf(file: string): Promise<string | null> {
  return readRegularFile(file).then(sha256, () => null);
}

/**
 * Finishes (or, where nothing had changed yet, closes) every unfinished operation; says what it
 * did. `keyFilesOnly`: only the key files' part of renames (no key, or two) and retires (the key
 * both in identities/ and retired/), nothing in the config and nothing journaled — safe at daemon
 * start before any service runs; the rest is finished by the next full pass.
 */
export async function recoverInterrupted(ctx: RecoverContext, o: { keyFilesOnly?: boolean } = {}): Promise<Recovered[]> {
  const out: Recovered[] = [];
  for (const e of await unfinishedOperations(ctx.journal)) {
    if (o.keyFilesOnly) {
      if (e.op === "rename") await finishRenameKey(e);
      else if (e.op === "retire" && (await hashOf(e.source!)) === e.sha256 && (await hashOf(e.destination!)) === e.sha256) await fs.unlink(e.source!);
      continue;
    }
    const r = e.op === "import" || e.op === "add" ? await finishImport(ctx, e) : e.op === "rename" ? await finishRename(ctx, e) : await finishRetire(ctx, e);
    await ctx.journal.append({ ...e, phase: "done", at: (ctx.clock ?? Date.now)(), note: `${INTERRUPTED_NOTE}: ${r.outcome}: ${r.what}` });
    out.push(r);
  }
  return out;
}

/** Import or add: the key placed (same content) → add its service if missing; not placed → nothing was changed. */
async function finishImport(ctx: RecoverContext, e: JournalEntry): Promise<Recovered> {
  const base = { op: e.op, source: e.source, destination: e.destination };
  await removeStaleTemps(ctx.identitiesDir);
  if (!e.destination || (await hashOf(e.destination)) !== e.sha256)
    return { ...base, outcome: "abandoned", what: `the key was not placed as ${e.destination}; run the ${e.op} again` };
  if (e.service && !(await ctx.registry.list()).some((s) => s.name === e.service!.name)) {
    await ctx.registry.add(e.service);
    return { ...base, outcome: "finished", what: `key ${path.basename(e.destination)} was placed; service ${e.service.name} added` };
  }
  return { ...base, outcome: "finished", what: `key ${path.basename(e.destination)} and its service were in place` };
}

/** Rename: wherever the key is (FROM.key, the hidden name, TO.key), it ends as TO.key alone, and the service is renamed. */
async function finishRename(ctx: RecoverContext, e: JournalEntry): Promise<Recovered> {
  const base = { op: e.op, source: e.source, destination: e.destination };
  const abandoned = await finishRenameKey(e);
  if (abandoned) return { ...base, outcome: "abandoned", what: abandoned };
  const from = e.source!;
  const to = e.destination!;
  const m = /^service (.+) -> (.+)$/.exec(e.note);
  if (m) {
    const names = (await ctx.registry.list()).map((s) => s.name);
    if (names.includes(m[1]!) && !names.includes(m[2]!)) await ctx.registry.rename(m[1]!, m[2]!);
  }
  return { ...base, outcome: "finished", what: `${path.basename(from)} renamed to ${path.basename(to)}${m ? `, service ${m[2]}` : ""}` };
}

/** The key file part of a rename: TO.key alone in the end; or why it was abandoned. */
async function finishRenameKey(e: JournalEntry): Promise<string | null> {
  const from = e.source!;
  const to = e.destination!;
  const hidden = renamingName(path.dirname(from), path.basename(from));
  const [hFrom, hHidden, hTo] = await Promise.all([hashOf(from), hashOf(hidden), hashOf(to)]);
  if (hHidden === e.sha256) {
    if (hTo === null) await fs.link(hidden, to);
    if ((await hashOf(to)) !== e.sha256) {
      await fs.rename(hidden, from); // TO.key is another key: put FROM back
      return `${to} holds another key; ${path.basename(from)} put back`;
    }
    await fs.unlink(hidden);
  } else if (hTo !== e.sha256) {
    if (hFrom !== e.sha256) return `the key is neither at ${from} nor at ${to}`;
    if (hTo !== null) return `${to} holds another key; ${path.basename(from)} left in place`;
    // not started (its service may have been stopped for it already): the rename asked for is done now,
    // by the same steps, so FROM.key and TO.key never exist together
    await fs.rename(from, hidden);
    await fs.link(hidden, to);
    await fs.unlink(hidden);
  } else if (hFrom === e.sha256) {
    await fs.unlink(from); // an older postdeck linked TO.key before removing FROM.key: never both
  }
  return null;
}

/** Retire: the key ends in retired/ (never both), then its service is removed. */
async function finishRetire(ctx: RecoverContext, e: JournalEntry): Promise<Recovered> {
  const base = { op: e.op, source: e.source, destination: e.destination };
  const [hFrom, hTo] = await Promise.all([hashOf(e.source!), hashOf(e.destination!)]);
  if (hFrom === e.sha256 && hTo === null) {
    if (e.service) await ctx.stopService?.(e.service.name);
    await moveFileExclusive(e.source!, e.destination!);
  } else if (hFrom === e.sha256 && hTo === e.sha256) await fs.unlink(e.source!);
  else if (hTo !== e.sha256) return { ...base, outcome: "abandoned", what: `the key is neither at ${e.source} nor at ${e.destination}` };
  if (e.service && (await ctx.registry.list()).some((s) => s.name === e.service!.name)) await ctx.registry.remove(e.service.name);
  return { ...base, outcome: "finished", what: `${path.basename(e.source!)} retired to ${e.destination}${e.service ? `, service ${e.service.name} removed` : ""}` };
}
