// The epoch clock as the daemon publishes it: the network timing from the node's JSON config
// (mainnet's values as a labelled fallback), cross-checked against the node's own current layer
// (NodeService.Status) and layers per epoch (NodeService.NodeInfo).
import type { ClockView } from "../../protocol/model.js";
import { layerAt, layerSkew, MAINNET_TIMING, type NetworkTiming } from "../../clock/epoch-clock.js";
import type { NodeJsonConfig } from "./node-config.js";
import { skewText } from "../../presentation/node-figure-findings.js";

/** The node's layer may lag or lead the clock by this many layers before postdeck says so. */
export const SKEW_TOLERANCE_LAYERS = 2;

export interface ClockInputs {
  nodeConfigFile: string | null; // postdeck's node.config (null = not configured)
  nodeConfig: NodeJsonConfig | null; // null = unreadable or not configured
  nodeLayer: number | null; // Status top layer
  nodeSynced: boolean | null;
  nodeLayersPerEpoch: number | null; // NodeInfo epoch size
  now: number;
}

export function timingOf(cfg: NodeJsonConfig | null): NetworkTiming {
  return cfg?.timing?.timing ?? MAINNET_TIMING;
}

export function buildClockView(i: ClockInputs): ClockView {
  const notes: string[] = [];
  const t = i.nodeConfig?.timing;
  const timing = timingOf(i.nodeConfig);
  if (!i.nodeConfigFile) notes.push("no node config in postdeck's config (node.config): mainnet timing assumed");
  else if (!t) notes.push(`the node config ${i.nodeConfigFile} could not be read: mainnet timing assumed`);
  else {
    if (t.defaulted.length > 0) notes.push(`${i.nodeConfigFile} does not set ${t.defaulted.join(", ")}: mainnet values assumed for ${t.defaulted.length === 1 ? "it" : "them"}`);
    if (t.preset && t.defaulted.length > 0) notes.push(`the node config names preset "${t.preset}": its values for unset keys may differ from mainnet's`);
  }
  if (i.nodeLayersPerEpoch !== null && i.nodeLayersPerEpoch > 0 && i.nodeLayersPerEpoch !== timing.layersPerEpoch)
    notes.push(`the node reports ${i.nodeLayersPerEpoch} layers per epoch, the clock uses ${timing.layersPerEpoch}: set main.layers-per-epoch in the node config postdeck reads`);
  const skew = layerSkew(timing, i.now, i.nodeLayer);
  if (skew !== null && Math.abs(skew) > SKEW_TOLERANCE_LAYERS && i.nodeSynced === true)
    notes.push(skewText(skew, i.nodeLayer!, layerAt(timing, i.now)));
  return {
    source: t && t.source === "node-config" ? "node-config" : "mainnet-fallback",
    notes,
    genesisMs: timing.genesisMs,
    layerMs: timing.layerMs,
    layersPerEpoch: timing.layersPerEpoch,
    phaseShiftMs: timing.phaseShiftMs,
    cycleGapMs: timing.cycleGapMs,
    gracePeriodMs: timing.gracePeriodMs,
    nodeLayer: i.nodeLayer,
    skewLayers: skew,
  };
}


/** The timing a ClockView carries. */
export function timingFromView(v: ClockView): NetworkTiming {
  return {
    genesisMs: v.genesisMs,
    layerMs: v.layerMs,
    layersPerEpoch: v.layersPerEpoch,
    phaseShiftMs: v.phaseShiftMs,
    cycleGapMs: v.cycleGapMs,
    gracePeriodMs: v.gracePeriodMs,
  };
}
