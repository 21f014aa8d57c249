// Each proof's k2pow and read durations (post-service's `finished k2pow in …` / `finished reading
// POST data in …`) kept with the run of the service they belong to (from its `starting proof
// generation`), not with the node's PROVING as the daemon sees it: the log lines and the node's
// PostStates reach the driver by separate ways, and either may come first. A k2pow over before the
// daemon's poll shows the identity PROVING (a service already running when the node asks) still
// counts for that proof, and a line that comes after the node's IDLE (the log follower behind on a
// busy machine) fills in the record made without it.
import type { ProofRecord } from "./predict.js";

/** post-service logs whole seconds (truncated): a line may say it was written up to this much early. */
const WRITTEN_SLACK_MS = 1000;

interface Run {
  at: number; // when its first line was written
  k2powMs: number | null;
  readMs: number | null;
  /** The record made for it at the node's IDLE (null: not yet). */
  record: ProofRecord | null;
}

export class ProofFigures {
  private readonly runs = new Map<string, Run>(); // key file → its service's latest run
  private readonly owned = new WeakSet<ProofRecord>(); // records a run's figures went to

  /**
   * A run began (`starting proof generation` written at `at`). One that began before `last` (the
   * identity's latest record) was made, within its slot, and whose figures that record lacks (its
   * lines came late) is that record's.
   */
  start(key: string, at: number, last: ProofRecord | undefined): void {
    this.begin(key, at, last);
  }

  private begin(key: string, at: number, last: ProofRecord | undefined): Run {
    const run: Run = { at, k2powMs: null, readMs: null, record: null };
    if (last && !this.owned.has(last) && at <= last.at && at >= last.at - (last.totalMs ?? 0) - WRITTEN_SLACK_MS) {
      run.record = last;
      this.owned.add(last);
    }
    this.runs.set(key, run);
    return run;
  }

  /** A phase's duration, its line written at `at` (a late line's goes to the record made without it). */
  figure(key: string, phase: "k2pow" | "read", ms: number, at: number, last: ProofRecord | undefined): void {
    let run = this.runs.get(key);
    // a line written after the record of the run before: a run whose first line was not seen
    if (!run || (run.record !== null && at > run.record.at)) run = this.begin(key, at, last);
    const field = phase === "k2pow" ? "k2powMs" : "readMs";
    run[field] = ms;
    if (run.record) run.record[field] = ms;
  }

  /** The node's IDLE after a slot that began at `slotStart`: `record` gets the figures of the run of that slot (none: left null). */
  take(key: string, record: ProofRecord, slotStart: number): void {
    const run = this.runs.get(key);
    if (!run || run.record !== null || run.at < slotStart - WRITTEN_SLACK_MS) return;
    record.k2powMs = run.k2powMs;
    record.readMs = run.readMs;
    run.record = record;
    this.owned.add(record);
  }
}
