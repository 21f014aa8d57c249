// How long one identity's proof takes: k2pow (CPU, RandomX; one PoW per 16 nonces, work scaled by
// the PoS size) plus one sequential read of all its PoS data (disk-bound). From the identity's own
// history when it has one (the durations post-service logs: `finished k2pow in {m}m {s}s`,
// `finished reading POST data in {m}m {s}s`, or the node's `finished post execution {duration}`),
// else from its size ÷ its disk's measured read rate plus a k2pow estimate from its settings.

/** One past proof of an identity. Any field may be missing (only the node's total, say). */
export interface ProofRecord {
  at: number; // when it finished (epoch ms)
  k2powMs: number | null;
  readMs: number | null;
  /** From the service's start (or the node's `starting post execution`) to the node's IDLE. */
  totalMs: number | null;
  sizeBytes: number | null; // the PoS size at the time (a resized identity reads more)
}

export interface ProofSettings {
  sizeBytes: number | null;
  units: number | null;
  threads: number; // effective (0 = all cores resolved by the caller)
  nonces: number;
  randomxMode: "fast" | "light";
}

export interface Prediction {
  k2powMs: number;
  readMs: number;
  /** Start-up, connecting, the node's 2 s polls, handing the proof over: total − k2pow − read. */
  overheadMs: number;
  /** The disk read rate this prediction assumes (bytes/s). */
  readBytesPerSec: number;
  /**
   * k2pow and read rate both measured on this identity's own past proofs (nothing estimated or
   * assumed): good enough to time a start by (overlapped hand-overs).
   */
  fromHistory: boolean;
  basis: string;
}

/**
 * k2pow without history: post-rs's profiler puts it at about 2.5 min for 4 units and 64 nonces
 * (4 PoWs) on a 500 H/s CPU, linear in units and in PoWs; threads divide it. Light RandomX is
 * "significantly slower": counted 4× here. An estimate, labelled so; one proof's history replaces it.
 */
export const K2POW_MS_PER_UNIT_POW = 150_000 / (4 * 4);
export const LIGHT_SLOWDOWN = 4;
/** A read rate assumed when the disk has no measurement yet (a plain hard disk). */
export const ASSUMED_READ_BPS = 150 * 1024 * 1024;

/** k2pow's work in the estimate's terms: units × PoWs × the light slowdown ÷ threads. */
function k2powWork(s: Pick<ProofSettings, "units" | "threads" | "nonces" | "randomxMode">): number {
  const pows = Math.max(1, Math.ceil(s.nonces / 16));
  return ((s.units ?? 4) * pows * (s.randomxMode === "light" ? LIGHT_SLOWDOWN : 1)) / Math.max(1, s.threads);
}

/**
 * k2pow without history of its own: `perWorkMs` (this machine's pace measured on the other
 * identities' proofs, machineK2powPace) times its work, else the profiler-based estimate.
 */
export function estimateK2powMs(s: Pick<ProofSettings, "units" | "threads" | "nonces" | "randomxMode">, perWorkMs: number | null = null): number {
  return (perWorkMs ?? K2POW_MS_PER_UNIT_POW) * k2powWork(s);
}

/**
 * This machine's k2pow pace (ms per unit of k2powWork), the median over every identity's recent
 * proofs here; null when none has a k2pow duration. The CPU is shared by all of them, so one
 * identity's measured k2pow says far more about another's than the profiler's 500 H/s CPU does
 * (the demo's simulated k2pow takes a second where the estimate says minutes).
 */
export function machineK2powPace(inputs: { settings: ProofSettings; history: ProofRecord[] }[]): number | null {
  const paces = inputs.flatMap((i) =>
    i.history.slice(-HISTORY_DEPTH).flatMap((r) => (r.k2powMs !== null ? [r.k2powMs / k2powWork(i.settings)] : [])),
  );
  return median(paces);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Overhead assumed without history: start, connect, the node's 2 s polls before and after. */
export const DEFAULT_OVERHEAD_MS = 5_000;

/** The whole slot a proof takes. */
export const slotMs = (p: Prediction) => p.k2powMs + p.readMs + p.overheadMs;

/** How many recent proofs count: old ones may come from other settings or another disk. */
export const HISTORY_DEPTH = 3;

/** `k2powPace`: this machine's measured pace (machineK2powPace) for an identity without its own k2pow. */
export function predictProof(s: ProofSettings, history: ProofRecord[], diskReadBps: number | null, k2powPace: number | null = null): Prediction {
  const recent = history.slice(-HISTORY_DEPTH);
  const size = s.sizeBytes ?? 0;
  const k2hist = median(recent.map((r) => r.k2powMs).filter((x): x is number => x !== null));
  // a read rate per proof (so a resized identity scales), then this size at that rate
  const rates = recent
    .filter((r) => r.readMs !== null && r.readMs > 0 && (r.sizeBytes ?? s.sizeBytes) !== null)
    .map((r) => (r.sizeBytes ?? size) / (r.readMs! / 1000));
  const rateHist = median(rates);
  const totalHist = median(recent.map((r) => r.totalMs).filter((x): x is number => x !== null));
  const n = recent.length;
  const over = median(
    recent.filter((r) => r.totalMs !== null && r.k2powMs !== null && r.readMs !== null).map((r) => Math.max(0, r.totalMs! - r.k2powMs! - r.readMs!)),
  );
  const overheadMs = over ?? DEFAULT_OVERHEAD_MS;
  if (k2hist !== null && rateHist !== null && rateHist > 0) {
    return { k2powMs: k2hist, readMs: (size / rateHist) * 1000, overheadMs, readBytesPerSec: rateHist, fromHistory: true, basis: `history (${n} proof${n === 1 ? "" : "s"})` };
  }
  const rate = rateHist ?? diskReadBps ?? ASSUMED_READ_BPS;
  const readMs = (size / rate) * 1000;
  if (totalHist !== null && k2hist === null) {
    // only the node's total: the estimate's read, the rest counted as k2pow
    return { k2powMs: Math.max(0, totalHist - readMs - DEFAULT_OVERHEAD_MS), readMs, overheadMs: DEFAULT_OVERHEAD_MS, readBytesPerSec: rate, fromHistory: false, basis: `history (${n} total${n === 1 ? "" : "s"})` };
  }
  const k2 = k2hist ?? estimateK2powMs(s, k2powPace);
  const rateWord = rateHist !== null ? "read rate from history" : diskReadBps !== null ? "size ÷ measured disk rate" : `size ÷ assumed ${Math.round(ASSUMED_READ_BPS / 1024 / 1024)} MiB/s`;
  const k2Word = k2hist !== null ? "k2pow from history" : k2powPace !== null ? "k2pow at this machine's measured pace" : "k2pow estimate";
  return { k2powMs: k2, readMs, overheadMs, readBytesPerSec: rate, fromHistory: false, basis: `${rateWord} + ${k2Word}` };
}
