// The per-identity history on disk: the timeline steps and proof figures of the last few epochs,
// so that a daemon restart (or a node restart, whose event stream replays only its last 100 events)
// does not erase an identity's story. One JSON file in the daemon's state dir, written atomically
// and at most once a second; bounded to the newest HISTORY_EPOCHS epochs and MAX_STEPS steps per
// identity. Identities are keyed by node id (a renamed key file keeps its history).
import { promises as fs, readFileSync } from "node:fs";
import path from "node:path";
import type { TimelineStep } from "../../protocol/model.js";
import { replaceFile } from "../../fs/atomic-file.js";

export const HISTORY_FILE = "identity-history.json";
export const HISTORY_EPOCHS = 4;
export const MAX_STEPS = 300;

/** One finished PoST proof with the figures the proving planner learns from. */
export interface ProofRecord {
  epoch: number | null;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  k2powMs: number | null; // the post-service's `finished k2pow in …` (all passes)
  readMs: number | null; // the post-service's `finished reading POST data in …` (all passes)
}

interface IdentityRecord {
  keyFile: string;
  steps: TimelineStep[];
  proofs: ProofRecord[];
}

interface HistoryFile {
  version: 1;
  identities: Record<string, IdentityRecord>;
}

function stepKey(s: TimelineStep): string {
  return `${s.kind}|${s.source}|${Math.round(s.at / 1000)}`;
}

/** Keeps the newest `HISTORY_EPOCHS` epochs (steps without an epoch stay by count only). */
function bound<T extends { epoch: number | null }>(list: T[], max: number): T[] {
  const epochs = [...new Set(list.map((x) => x.epoch).filter((e): e is number => e !== null))].sort((a, b) => b - a);
  const oldest = epochs.length > HISTORY_EPOCHS ? epochs[HISTORY_EPOCHS - 1]! : null;
  const kept = oldest === null ? list : list.filter((x) => x.epoch === null || x.epoch >= oldest);
  return kept.length > max ? kept.slice(kept.length - max) : kept;
}

function parse(text: string): HistoryFile {
  const v = JSON.parse(text) as Partial<HistoryFile>;
  if (!v || typeof v !== "object" || v.version !== 1 || !v.identities || typeof v.identities !== "object") return { version: 1, identities: {} };
  return { version: 1, identities: v.identities };
}

/** Proofs of this identity, by key file name (`post1.key` or `post1`), from a history file on disk. */
export function proofsFromHistoryFile(text: string, keyFile: string): ProofRecord[] {
  const want = keyFile.endsWith(".key") ? keyFile : `${keyFile}.key`;
  const rec = Object.values(parse(text).identities).find((r) => r.keyFile === want);
  return rec ? [...rec.proofs] : [];
}

/**
 * The finished proofs postdeck saw for an identity, oldest first: `[{epoch, startedAt, finishedAt,
 * durationMs, k2powMs, readMs}]`, read from the daemon's state dir (empty when none are known).
 */
export async function proofHistory(stateDir: string, keyFile: string): Promise<ProofRecord[]> {
  try {
    return proofsFromHistoryFile(await fs.readFile(path.join(stateDir, HISTORY_FILE), "utf8"), keyFile);
  } catch {
    return [];
  }
}

export class IdentityHistory {
  private data: HistoryFile = { version: 1, identities: {} };
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** Records by key file, for proofHistory (asked per identity on every orchestrator tick); rebuilt after a record is added or renamed. */
  private byKeyFile: Map<string, IdentityRecord> | null = null;
  readonly file: string | null;

  /** `stateDir` null keeps the history in memory only (tests, one-shot commands). */
  constructor(stateDir: string | null, private readonly flushDelayMs = 1000) {
    this.file = stateDir ? path.join(stateDir, HISTORY_FILE) : null;
    if (!this.file) return;
    try {
      this.data = parse(readFileSync(this.file, "utf8"));
    } catch {
      /* no history yet, or unreadable: start afresh (the file is rewritten on the next change) */
    }
  }

  private record(nodeId: string, keyFile: string): IdentityRecord {
    let r = this.data.identities[nodeId];
    if (!r) {
      this.data.identities[nodeId] = r = { keyFile, steps: [], proofs: [] };
      this.byKeyFile = null;
    }
    if (r.keyFile !== keyFile) {
      r.keyFile = keyFile;
      this.dirty = true;
      this.byKeyFile = null;
    }
    return r;
  }

  /** Merges steps (idempotent: a step seen again is not added twice); returns true when something was new. */
  addSteps(nodeId: string, keyFile: string, steps: TimelineStep[]): boolean {
    const r = this.record(nodeId, keyFile);
    const seen = new Set(r.steps.map(stepKey));
    let added = false;
    for (const s of steps) {
      const k = stepKey(s);
      if (seen.has(k)) continue;
      seen.add(k);
      r.steps.push(s);
      added = true;
    }
    if (added) {
      r.steps.sort((a, b) => a.at - b.at);
      r.steps = bound(r.steps, MAX_STEPS);
      this.changed();
    }
    return added || this.dirty;
  }

  /** Adds or completes proof records (one per finish time, ±60 s); figures fill in when they become known. */
  addProofs(nodeId: string, keyFile: string, proofs: ProofRecord[]): void {
    const r = this.record(nodeId, keyFile);
    let changed = false;
    for (const p of proofs) {
      const same = r.proofs.find((x) => Math.abs(x.finishedAt - p.finishedAt) <= 60_000);
      if (!same) {
        r.proofs.push({ ...p });
        changed = true;
        continue;
      }
      for (const k of ["k2powMs", "readMs"] as const) {
        if (same[k] === null && p[k] !== null) {
          same[k] = p[k];
          changed = true;
        }
      }
      if (same.epoch === null && p.epoch !== null) {
        same.epoch = p.epoch;
        changed = true;
      }
    }
    if (changed) {
      r.proofs.sort((a, b) => a.finishedAt - b.finishedAt);
      r.proofs = bound(r.proofs, 50);
      this.changed();
    }
  }

  steps(nodeId: string): TimelineStep[] {
    return [...(this.data.identities[nodeId]?.steps ?? [])];
  }

  proofs(nodeId: string): ProofRecord[] {
    return [...(this.data.identities[nodeId]?.proofs ?? [])];
  }

  /** Proofs by key file name (`post1.key` or `post1`). */
  proofHistory(keyFile: string): ProofRecord[] {
    const want = keyFile.endsWith(".key") ? keyFile : `${keyFile}.key`;
    if (!this.byKeyFile) {
      // the first record with a key file wins, as a search in insertion order would find it
      this.byKeyFile = new Map();
      for (const r of Object.values(this.data.identities)) if (!this.byKeyFile.has(r.keyFile)) this.byKeyFile.set(r.keyFile, r);
    }
    return [...(this.byKeyFile.get(want)?.proofs ?? [])];
  }

  private changed(): void {
    this.dirty = true;
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushDelayMs);
    this.timer.unref();
  }

  /** Writes pending changes now (atomically); resolves when written. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.file || !this.dirty) return this.writing;
    this.dirty = false;
    const text = JSON.stringify(this.data);
    const file = this.file;
    this.writing = this.writing.then(async () => {
      try {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await replaceFile(file, text, 0o600);
      } catch {
        this.dirty = true; // try again with the next change
      }
    });
    return this.writing;
  }
}
