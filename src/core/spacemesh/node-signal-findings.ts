// Findings from what the node itself says (pure): failures it logged (ATX not published, initial
// PoST invalid, proof generation or verification failed, PANIC/Fatal lines, an exit at start), a node
// that is not smeshing yet, a key file that differs from the key the node loaded, log levels that hide
// the lines postdeck reads, short ids two keys share, the node's layer disagreeing with the clock, and
// identities whose last proof used most of the cycle gap. Called from findings.ts (nodeFindings).
import type { ClockView, Finding, Severity } from "../../protocol/model.js";
import type { FindingsInput } from "./findings.js";
import type { LoggedFailure } from "./node-log-state.js";
import { nodeSmeshing, sharedShortIds } from "./join.js";
import { SKEW_TOLERANCE_LAYERS } from "./clock-view.js";
import { clockSkewTitle } from "../../presentation/node-figure-findings.js";
import { layerAt } from "../../clock/epoch-clock.js";
import { until, within } from "./rig-findings.js";
import type { ProofRecord } from "../history/identity-history.js";

export interface NodeSignalInput {
  /** The epoch clock the daemon reads (null = none yet). */
  clock?: ClockView | null;
  /** Each identity's last finished proof, by key file name. */
  lastProofs?: Record<string, ProofRecord>;
  /** The node process when postdeck supervises it. */
  nodeProcess?: { state: string; restarts: number; startedAt: number | null } | null;
}

/** A last proof that used more than this share of the cycle gap gets a warning. */
export const GAP_SHARE_WARN = 0.8;
/** Logged failures younger than this count when no clock gives an epoch length. */
export const FAILURE_RECENT_MS = 24 * 3_600_000;

/** zap levels above info: a module at one of these drops the INFO lines postdeck reads. */
const QUIET_LEVELS = new Set(["warn", "warning", "error", "dpanic", "panic", "fatal"]);

function f(id: string, severity: Severity, subject: string | null, title: string, detail: string, fix: string): Finding {
  return { id, severity, subject, title, detail, fix };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function fmtDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.round(ms / 1000)} s`;
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

type Input = FindingsInput & NodeSignalInput;

/** The key file a logged failure names (by full or short id), when exactly one key matches. */
function subjectOf(input: Input, x: { nodeId: string | null; shortId: string | null }): string | null {
  if (x.nodeId) return input.identities.find((i) => i.nodeId === x.nodeId)?.keyFile ?? null;
  if (!x.shortId) return null;
  const matches = input.identities.filter((i) => i.shortId === x.shortId);
  return matches.length === 1 ? matches[0]!.keyFile : null;
}

function failureFindings(input: Input, out: Finding[]): void {
  const log = input.nodeLog;
  if (!log) return;
  const window = input.clock ? input.clock.layerMs * input.clock.layersPerEpoch : FAILURE_RECENT_MS;
  const latest = new Map<string, LoggedFailure>();
  for (const x of log.failures) {
    if (!within(input, x.at, window)) continue;
    const key = `${x.kind}|${x.nodeId ?? x.shortId ?? ""}`;
    latest.set(key, x);
  }
  const laterAtx = (x: LoggedFailure): boolean => {
    const keys = [x.nodeId, x.shortId].filter((k): k is string => k !== null);
    return keys.some((k) => (log.events.get(k) ?? []).some((e) => (e.kind === "atx_broadcast" || e.kind === "atx_published") && e.at > x.at));
  };
  for (const x of latest.values()) {
    const subject = subjectOf(input, x);
    const who = subject ?? (x.shortId ? `identity ${x.shortId}` : "an identity");
    const evidence = `node log at ${iso(x.at)}: ${x.raw.trim()}`;
    switch (x.kind) {
      case "atx-publish-failed":
        if (laterAtx(x)) break;
        out.push(f("atx-publish-failed", "error", subject, `the node failed to publish the ATX of ${who}: this epoch's rewards are at risk`, evidence,
          "keep the node synced and well connected (check peers and sync); it retries within the publish epoch — if the error repeats, read the node log around this line"));
        break;
      case "initial-post-invalid":
        out.push(f("initial-post-invalid", "error", subject, `initial POST is invalid for ${who}`, evidence,
          `verify the PoS data: postcli -verify -datadir <its PoS dir> -fraction 0.1; if it fails, the data must be initialised again`));
        break;
      case "post-verification-failed":
        out.push(f("post-verification-failed", "error", subject, `a post-service's proof failed verification (${who})`, evidence,
          `the PoS data is likely corrupted: verify it with postcli -verify -datadir <its PoS dir> -fraction 0.1, then restart the service`));
        break;
      case "node-fatal":
        out.push(f("node-fatal", "error", null, "the node stopped on a fatal error", evidence,
          "read the lines before it in the node log; fix the cause it names, then start the node again"));
        break;
      case "node-exit-error":
        if (input.nodeReachable) break;
        out.push(f("node-exited", "error", null, `the node exited: ${x.message}`, evidence, "fix the cause it names, then start the node again"));
        break;
      case "initial-proof-failed":
        break; // findings.ts reports it (initial-proof-failed)
    }
  }
}

function notSmeshingFindings(input: Input, out: Finding[]): void {
  if (nodeSmeshing(input) !== false || input.keys.length === 0) return;
  const log = input.nodeLog?.smeshingNotStartedAt;
  const evidence =
    log != null
      ? `node log at ${iso(log)}: smeshing not started, waiting to be triggered via smesher api`
      : input.isSmeshing === false
        ? "SmesherService.IsSmeshing answers false"
        : "SmesherService.SmesherIDs is empty: the ATX builder has registered no identity";
  const cfg = input.nodeConfig?.file ?? "the node's config";
  out.push(f("node-not-smeshing", "warning", null, "the node is not smeshing yet: it asks for no proof and publishes no ATX", evidence,
    input.keys.length === 1 && input.keys[0]!.name === "local.key"
      ? `supervised node: set "smeshing": {"smeshing-start": true, "smeshing-coinbase": "sm1…"} in ${cfg} and restart it (or start smeshing from smapp)`
      : `remote post-services: set "smeshing": {"smeshing-coinbase": "sm1…"} in ${cfg} (smeshing-start stays false), then restart the node`));
}

function loadedKeyFindings(input: Input, out: Finding[]): void {
  const loaded = input.nodeLog?.loaded ?? [];
  for (const k of input.keys) {
    if (!k.check.ok) continue;
    const nodeId = k.check.nodeId;
    const l = loaded.find((x) => x.filename === k.name) ?? (loaded.length === 1 && input.keys.length === 1 && loaded[0]!.filename === "" ? loaded[0] : undefined);
    if (!l || l.publicKey === "" || nodeId.startsWith(l.publicKey)) continue;
    out.push(f("loaded-key-mismatch", "error", k.name, `the node runs ${k.name} with another key than the file holds now`,
      `node log at ${iso(l.at)}: Loaded existing identity ${k.name} with public key ${l.publicKey}…; ${k.path} now holds ${nodeId.slice(0, 6)}…`,
      `if the file was replaced on purpose, restart the node; if not, put the original key back (the PoS data belongs to one key only)`));
  }
}

function logLevelFindings(input: Input, out: Finding[]): void {
  const cfg = input.nodeConfig;
  const levels = cfg?.logLevels;
  if (!cfg || !levels) return;
  const hides: Record<string, string> = {
    atxBuilder: "`registered signing key`, `broadcasting ATX`, `atx published`",
    nipostBuilder: "`starting/finished post execution`, the PoET lines",
    postService: "`post service registered`",
  };
  for (const [mod, lines] of Object.entries(hides)) {
    const lvl = levels[mod];
    if (!lvl || !QUIET_LEVELS.has(lvl)) continue;
    out.push(f("node-log-level-hides", "warning", null, `the node logs ${mod} at ${lvl}: postdeck cannot see ${lines}`,
      `${cfg.file}: logging.${mod} = "${lvl}" drops its INFO lines`,
      `set "logging": {"${mod}": "info"} in ${cfg.file} (or remove the key), then restart the node`));
  }
}

function sharedShortIdFindings(input: Input, out: Finding[]): void {
  for (const shortId of sharedShortIds(input.keys)) {
    const names = input.keys.filter((k) => k.check.ok && k.check.nodeId.startsWith(shortId)).map((k) => k.name);
    out.push(f("short-id-ambiguous", "info", null, `${names.join(" and ")} share the short id ${shortId}: log lines naming ${shortId} are not credited to either`,
      "the node writes most ids as the first 3 bytes of the key; two keys with the same first bytes cannot be told apart in its log",
      "nothing to fix: postdeck relies on PostStates and the node's events for these identities"));
  }
}

/**
 * The clock-skew finding (null: none) for the epoch clock as computed at `now` and the node's last
 * Status; tells input.expires when the clock's own progress changes it. The NodeMonitor also asks
 * it when only the node's layer moved (its text names that layer).
 */
export function clockSkewFinding(input: { clock?: ClockView | null; nodeStatus?: { synced: boolean } | null; now: number; expires?: (at: number) => void }): Finding | null {
  const c = input.clock;
  if (!c || c.skewLayers === null || c.nodeLayer === null || input.nodeStatus?.synced !== true) return null;
  const clockLayer = layerAt(
    { genesisMs: c.genesisMs, layerMs: c.layerMs, layersPerEpoch: c.layersPerEpoch, phaseShiftMs: c.phaseShiftMs, cycleGapMs: c.cycleGapMs, gracePeriodMs: c.gracePeriodMs },
    input.now,
  );
  // the clock's next layer changes the skew the finding states; within the tolerance, only the layer
  // at which the node falls behind by more than it brings it (a node ahead only gets closer)
  const layerStart = (layer: number) => c.genesisMs + layer * c.layerMs;
  if (Math.abs(c.skewLayers) <= SKEW_TOLERANCE_LAYERS) {
    until(input, layerStart(c.nodeLayer + SKEW_TOLERANCE_LAYERS + 1));
    return null;
  }
  until(input, layerStart(clockLayer + 1));
  return f("clock-skew", "warning", null, clockSkewTitle({ ...c, nodeLayer: c.nodeLayer }, input.now),
    `clock from ${c.source === "node-config" ? "the node config" : "mainnet's values (fallback)"}; countdowns and gap times may be wrong`,
    "point node.config in postdeck.yaml at the JSON config the node runs with (genesis.genesis-time, main.layer-duration, main.layers-per-epoch), and check this machine's clock (timedatectl)");
}

function gapShareFindings(input: Input, out: Finding[]): void {
  const c = input.clock;
  if (!c || !input.lastProofs || c.cycleGapMs <= 0) return;
  for (const [keyFile, p] of Object.entries(input.lastProofs)) {
    const share = p.durationMs / c.cycleGapMs;
    if (share <= GAP_SHARE_WARN) continue;
    const svc = input.identities.find((i) => i.keyFile === keyFile)?.service;
    out.push(f("proof-near-gap-limit", share >= 1 ? "error" : "warning", keyFile,
      `the last proof of ${keyFile} took ${fmtDuration(p.durationMs)}, ${Math.round(share * 100)} % of the ${fmtDuration(c.cycleGapMs)} cycle gap`,
      `proof finished at ${iso(p.finishedAt)}${p.k2powMs !== null ? `; k2pow ${fmtDuration(p.k2powMs)}` : ""}${p.readMs !== null ? `, reading the PoS data ${fmtDuration(p.readMs)}` : ""}; a slower run misses the gap and the epoch's rewards`,
      `start it earlier in the gap or alone on its disk, give it more threads (postdeck config${svc ? `, service ${svc}` : ""}), fewer nonces if k2pow dominates, or move its PoS data to a faster disk`));
  }
}

function nodeExitFindings(input: Input, out: Finding[]): void {
  const p = input.nodeProcess;
  if (!p || (p.state !== "failed" && p.state !== "backoff") || input.nodeReachable) return;
  const log = input.nodeLog;
  if (log && (log.startupErrors.length > 0 || log.failures.some((x) => x.kind === "node-fatal" || x.kind === "node-exit-error"))) return; // said already
  const lastErr = log?.failures[log.failures.length - 1];
  out.push(f("node-exits-at-start", "error", null, `the node exits while starting (${p.state}, ${p.restarts} restart(s))`,
    lastErr ? `node log at ${iso(lastErr.at)}: ${lastErr.raw.trim()}` : "no error line was recognised in its log",
    "read the node log (postdeck logs node) for the line before it exits; fix that, then start it again"));
}

/** Every finding of this module, appended to `out`. */
export function nodeSignalFindings(input: Input, out: Finding[]): void {
  failureFindings(input, out);
  notSmeshingFindings(input, out);
  loadedKeyFindings(input, out);
  logLevelFindings(input, out);
  sharedShortIdFindings(input, out);
  const skew = clockSkewFinding(input);
  if (skew) out.push(skew);
  gapShareFindings(input, out);
  nodeExitFindings(input, out);
}
