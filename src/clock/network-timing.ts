// A network's timing from go-spacemesh's JSON config: `genesis.genesis-time`,
// `main.layer-duration`, `main.layers-per-epoch`, `poet.phase-shift`, `poet.cycle-gap`,
// `poet.grace-period`. A key the file does not set takes mainnet's value, and the result says
// which keys that was for (the node itself would use its preset's value, which is mainnet's unless
// the config names another `preset`). Malformed values are problems naming the file and the key.
import { parseGoDuration } from "./go-duration.js";
import { MAINNET_TIMING, type NetworkTiming } from "./epoch-clock.js";

export interface TimingResult {
  timing: NetworkTiming;
  /** "node-config" when every key came from the file, else "mainnet-fallback". */
  source: "node-config" | "mainnet-fallback";
  /** Keys that took mainnet's value. */
  defaulted: string[];
  problems: string[];
  /** The config's `preset`, when it names one. */
  preset: string | null;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

/** `root` is the parsed JSON of the node's config file (anything: bad shapes become problems). */
export function timingFromNodeConfig(root: unknown, file: string): TimingResult {
  const r = obj(root);
  const problems: string[] = [];
  const defaulted: string[] = [];
  const timing: NetworkTiming = { ...MAINNET_TIMING };

  const take = <K extends keyof NetworkTiming>(sec: string, key: string, field: K, parse: (v: unknown) => number | null, expected: string): void => {
    const v = obj(r[sec])[key];
    if (v === undefined || v === null || v === "") {
      defaulted.push(`${sec}.${key}`);
      return;
    }
    const n = parse(v);
    if (n === null || !Number.isFinite(n) || n < 0 || (field !== "gracePeriodMs" && field !== "phaseShiftMs" && n === 0)) {
      problems.push(`${file}: key ${sec}.${key}: expected ${expected}, found ${JSON.stringify(v)}`);
      defaulted.push(`${sec}.${key}`);
      return;
    }
    timing[field] = n;
  };
  const duration = (v: unknown): number | null => (typeof v === "string" ? parseGoDuration(v) : null);

  take("genesis", "genesis-time", "genesisMs", (v) => (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : null), "an RFC 3339 time such as 2023-07-14T08:00:00Z");
  take("main", "layer-duration", "layerMs", duration, "a duration such as 5m");
  take("main", "layers-per-epoch", "layersPerEpoch", (v) => (typeof v === "number" && Number.isInteger(v) ? v : null), "a whole number such as 4032");
  take("poet", "phase-shift", "phaseShiftMs", duration, "a duration such as 240h");
  take("poet", "cycle-gap", "cycleGapMs", duration, "a duration such as 12h");
  take("poet", "grace-period", "gracePeriodMs", duration, "a duration such as 1h");

  if (timing.cycleGapMs > timing.phaseShiftMs + timing.layerMs * timing.layersPerEpoch)
    problems.push(`${file}: key poet.cycle-gap: a gap longer than the phase shift plus an epoch cannot be right`);

  const preset = typeof r.preset === "string" && r.preset !== "" ? r.preset : null;
  return { timing, source: defaulted.length === 0 ? "node-config" : "mainnet-fallback", defaulted, problems, preset };
}
