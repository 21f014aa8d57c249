// The epoch clock: pure arithmetic over a network's timing (genesis, layer duration, layers per
// epoch, PoET phase shift, cycle gap, grace period). Everything time-related in postdeck (header
// countdown, timeline, planner, findings) asks these functions; nothing else does epoch arithmetic.
//
// The PoET round that belongs to epoch N starts at epochStart(N) + phaseShift; the cycle gap is
// the `cycleGap` before that start, and every identity's PoST proof must be done inside it. On
// mainnet (genesis Friday 08:00 UTC, 14-day epochs, 240 h phase shift, 12 h gap) that is Sunday
// 20:00 → Monday 08:00 UTC every other week. This module is a leaf: it imports nothing, so the
// daemon, the CLI and the console can all use it.

export interface NetworkTiming {
  genesisMs: number; // epoch ms of layer 0
  layerMs: number;
  layersPerEpoch: number;
  phaseShiftMs: number;
  cycleGapMs: number;
  gracePeriodMs: number;
}

/** Mainnet's values: a labelled fallback only, when the node's config says nothing. */
export const MAINNET_TIMING: NetworkTiming = {
  genesisMs: Date.parse("2023-07-14T08:00:00Z"),
  layerMs: 5 * 60_000,
  layersPerEpoch: 4032,
  phaseShiftMs: 240 * 3_600_000,
  cycleGapMs: 12 * 3_600_000,
  gracePeriodMs: 3_600_000,
};

export interface Gap {
  epoch: number; // the epoch whose PoET round starts when this gap closes
  opensAt: number;
  closesAt: number; // = the PoET round's start
}

export interface ClockReading {
  at: number;
  layer: number; // 0 before genesis
  epoch: number;
  epochStartsAt: number;
  epochEndsAt: number;
  beforeGenesis: boolean;
  /** The gap open at `at`, else the next one to open. */
  gap: Gap;
  gapOpen: boolean;
  /** The gap before `gap` (the last one that closed), or null before the first. */
  previousGap: Gap | null;
}

export function epochMs(t: NetworkTiming): number {
  return t.layerMs * t.layersPerEpoch;
}

export function layerAt(t: NetworkTiming, at: number): number {
  return at < t.genesisMs ? 0 : Math.floor((at - t.genesisMs) / t.layerMs);
}

export function epochAt(t: NetworkTiming, at: number): number {
  return Math.floor(layerAt(t, at) / t.layersPerEpoch);
}

export function epochStart(t: NetworkTiming, epoch: number): number {
  return t.genesisMs + epoch * epochMs(t);
}

/** The cycle gap that ends when epoch `epoch`'s PoET round starts. */
export function gapOf(t: NetworkTiming, epoch: number): Gap {
  const closesAt = epochStart(t, epoch) + t.phaseShiftMs;
  return { epoch, opensAt: closesAt - t.cycleGapMs, closesAt };
}

/** The gap open at `at`, or else the next one to open. */
export function currentOrNextGap(t: NetworkTiming, at: number): Gap {
  // the first epoch whose gap has not closed yet at `at`
  let e = Math.max(0, Math.floor((at - t.genesisMs - t.phaseShiftMs) / epochMs(t)));
  while (gapOf(t, e).closesAt <= at) e++;
  while (e > 0 && gapOf(t, e - 1).closesAt > at) e--;
  return gapOf(t, e);
}

export function readClock(t: NetworkTiming, at: number): ClockReading {
  const layer = layerAt(t, at);
  const epoch = Math.floor(layer / t.layersPerEpoch);
  const gap = currentOrNextGap(t, at);
  return {
    at,
    layer,
    epoch,
    epochStartsAt: epochStart(t, epoch),
    epochEndsAt: epochStart(t, epoch + 1),
    beforeGenesis: at < t.genesisMs,
    gap,
    gapOpen: at >= gap.opensAt && at < gap.closesAt,
    previousGap: gap.epoch > 0 ? gapOf(t, gap.epoch - 1) : null,
  };
}

/** Layers the node is ahead (+) or behind (−) the clock; null when the node's layer is unknown. */
export function layerSkew(t: NetworkTiming, at: number, nodeLayer: number | null): number | null {
  return nodeLayer === null ? null : nodeLayer - layerAt(t, at);
}

/** Share of a gap (0..1+) that a span of `durationMs` used. */
export function gapShare(t: NetworkTiming, durationMs: number): number {
  return t.cycleGapMs > 0 ? durationMs / t.cycleGapMs : 0;
}
