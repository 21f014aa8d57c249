// The simulated network's clock, as go-spacemesh reads it from its JSON config: `genesis.genesis-time`,
// `main.layer-duration`, `main.layers-per-epoch`, `poet.phase-shift`, `poet.cycle-gap`,
// `poet.grace-period`. The clock runs from the fixed genesis, so a restarted node is in the same
// layer as before. The PoET round for epoch N starts at epochStart(N) + phase shift; the cycle gap
// is the `cycle-gap` before it. A config without these keys gets a clock from the old compression
// flags instead (genesis = the node's start, first gap after --first-cycle-gap).
import fs from "node:fs";
import { parseGoDuration } from "../../clock/go-duration.js";
import { goDuration } from "../zap-logger.js";

export interface Network {
  genesisMs: number;
  layerMs: number;
  layersPerEpoch: number;
  phaseShiftMs: number;
  cycleGapMs: number;
  gracePeriodMs: number;
  fromConfig: boolean;
}

export interface FlagTiming {
  layerMs: number;
  everyMs: number;
  lengthMs: number;
  firstGapMs: number;
}

/** The clock from the config's keys; null when the config sets none of them. */
export function networkFromConfig(raw: Record<string, Record<string, unknown>>): Network | null {
  const g = raw.genesis?.["genesis-time"];
  const main = raw.main ?? {};
  const poet = raw.poet ?? {};
  if (typeof g !== "string") return null;
  const dur = (v: unknown, d: number) => (typeof v === "string" ? (parseGoDuration(v) ?? d) : d);
  const layerMs = dur(main["layer-duration"], 5 * 60_000);
  return {
    genesisMs: Date.parse(g),
    layerMs,
    layersPerEpoch: typeof main["layers-per-epoch"] === "number" ? main["layers-per-epoch"] : 4032,
    phaseShiftMs: dur(poet["phase-shift"], 240 * 3_600_000),
    cycleGapMs: dur(poet["cycle-gap"], 12 * 3_600_000),
    gracePeriodMs: dur(poet["grace-period"], 3_600_000),
    fromConfig: true,
  };
}

/** The legacy flag timing: epochs of `everyMs`, a gap of `lengthMs` opening `firstGapMs` after `startMs`. */
export function networkFromFlags(f: FlagTiming, startMs: number): Network {
  const layersPerEpoch = Math.max(1, Math.round(f.everyMs / f.layerMs));
  const epoch = layersPerEpoch * f.layerMs;
  const gap = Math.min(f.lengthMs, epoch);
  // each gap ends an epoch (phase shift = one epoch); the first opens `firstGapMs` after the start
  return {
    genesisMs: startMs + f.firstGapMs + gap - epoch,
    layerMs: f.layerMs,
    layersPerEpoch,
    phaseShiftMs: epoch,
    cycleGapMs: gap,
    gracePeriodMs: Math.min(gap, f.layerMs),
    fromConfig: false,
  };
}

export function epochLength(n: Network): number {
  return n.layerMs * n.layersPerEpoch;
}
export function layerNow(n: Network, now = Date.now()): number {
  return now < n.genesisMs ? 0 : Math.floor((now - n.genesisMs) / n.layerMs);
}
export function epochNow(n: Network, now = Date.now()): number {
  return Math.floor(layerNow(n, now) / n.layersPerEpoch);
}
export function epochStartMs(n: Network, epoch: number): number {
  return n.genesisMs + epoch * epochLength(n);
}
/** [opens, closes) of the cycle gap inside epoch `epoch` (its PoET round starts at `closes`). */
export function cycleGap(n: Network, epoch: number): { opens: number; closes: number } {
  const closes = epochStartMs(n, epoch) + n.phaseShiftMs;
  return { opens: closes - n.cycleGapMs, closes };
}

/**
 * The demo's compressed network for `epochMinutes`-minute epochs: 24 layers per epoch, the PoET
 * round half-way in, a cycle gap of a quarter epoch before it, a grace period of one layer. With
 * the default 4 minutes a gap opens every 4 minutes and lasts one.
 */
export function demoNetworkConfig(epochMinutes: number, genesisMs: number): Record<string, Record<string, unknown>> {
  const epochMs = Math.round(epochMinutes * 60_000);
  const layerMs = Math.round(epochMs / 24);
  return {
    genesis: { "genesis-time": new Date(genesisMs).toISOString().replace(/\.\d{3}Z$/, "Z") },
    main: { "layer-duration": goDuration(layerMs), "layers-per-epoch": 24 },
    poet: { "phase-shift": goDuration(Math.round(epochMs / 2)), "cycle-gap": goDuration(Math.round(epochMs / 4)), "grace-period": goDuration(layerMs) },
  };
}

export const DEMO_EPOCH_MINUTES = 4;

/**
 * Writes the demo network's keys into a node JSON config, keeping a genesis it already has so the
 * clock does not jump (a new genesis makes the first gap open a minute from now). With
 * `epochMinutes` null a config that already has a genesis is left as it is.
 */
export function writeDemoNetwork(configFile: string, epochMinutes: number | null, write: (file: string, text: string) => void, now = Date.now()): void {
  const before = fs.readFileSync(configFile, "utf8");
  const raw = JSON.parse(before) as Record<string, Record<string, unknown>>;
  const had = raw.genesis?.["genesis-time"];
  const hasGenesis = typeof had === "string" && Number.isFinite(Date.parse(had));
  if (epochMinutes === null && hasGenesis) return;
  const minutes = epochMinutes ?? DEMO_EPOCH_MINUTES;
  const epochMs = minutes * 60_000;
  const genesis = hasGenesis ? Date.parse(had) : now + 60_000 - epochMs / 4;
  const next: Record<string, Record<string, unknown>> = { ...raw };
  for (const [section, keys] of Object.entries(demoNetworkConfig(minutes, genesis))) next[section] = { ...(raw[section] ?? {}), ...keys };
  const text = JSON.stringify(next, null, 2) + "\n";
  if (text !== before) write(configFile, text);
}
