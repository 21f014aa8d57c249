// Hardware: CPU and load, memory, each PoS volume's space and read throughput (the proving
// bottleneck), GPU/OpenCL providers and temperatures. Compact (one line) when rows are short.
import React from "react";
import { Box } from "ink";
import type { HardwareView } from "../../protocol/model.js";
import { PaneFrame } from "../components/PaneFrame.js";
import { Line, type Segment } from "../components/Line.js";
import { formatBytesShort, formatClock, formatRate } from "../units.js";
import { fit } from "../text-fit.js";
import { wrapSegments } from "../log-view.js";

export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const n = Math.round(f * width);
  return "█".repeat(n) + "░".repeat(width - n);
}

const pct = (used: number, total: number) => (total > 0 ? used / total : 0);
const loadTone = (f: number) => (f > 0.9 ? "err" : f > 0.75 ? "warn" : "ok");

// The lines of each sample, built once: a render of the console (and each key's view of the layout)
// asks for them, and a sample's 64 volume paths are a few kilobytes of text to join and measure.
const linesOf = new WeakMap<HardwareView, Segment[][]>();

/** Lines of the full view (the same, read-only, array for the same sample). */
export function hardwareLines(hw: HardwareView): Segment[][] {
  let lines = linesOf.get(hw);
  if (!lines) {
    lines = buildLines(hw);
    linesOf.set(hw, lines);
  }
  return lines;
}

function buildLines(hw: HardwareView): Segment[][] {
  const lines: Segment[][] = [];
  const cpuTemp = hw.temperatures.cpu != null ? ` · ${hw.temperatures.cpu.toFixed(0)}°C` : "";
  lines.push([
    { text: "CPU  ", bold: true },
    { text: fit(`${hw.cpu.percent.toFixed(0)}%`, 5) },
    { text: bar(hw.cpu.percent / 100, 10), tone: loadTone(hw.cpu.percent / 100) },
    { text: ` ${hw.cpu.cores} cores · load ${hw.cpu.load.map((l) => l.toFixed(2)).join(" ")}${cpuTemp}` },
    { text: hw.cpu.model ? ` · ${hw.cpu.model}` : "", tone: "muted" },
  ]);
  const mem = hw.memory;
  const used = mem.totalBytes - mem.availableBytes;
  lines.push([
    { text: "MEM  ", bold: true },
    { text: fit(`${Math.round(pct(used, mem.totalBytes) * 100)}%`, 5) },
    { text: bar(pct(used, mem.totalBytes), 10), tone: loadTone(pct(used, mem.totalBytes)) },
    { text: ` ${formatBytesShort(used)} used of ${formatBytesShort(mem.totalBytes)} · ${formatBytesShort(mem.availableBytes)} available` },
  ]);
  const maxRate = Math.max(200e6, ...hw.volumes.map((v) => v.readBytesPerSec ?? 0));
  for (const v of hw.volumes) {
    const usedFrac = pct(v.totalBytes - v.freeBytes, v.totalBytes);
    lines.push([
      { text: "DISK ", bold: true },
      { text: fit(`${Math.round(usedFrac * 100)}%`, 5) },
      { text: bar(usedFrac, 10), tone: loadTone(usedFrac) },
      { text: ` ${formatBytesShort(v.freeBytes)} free of ${formatBytesShort(v.totalBytes)} · read ` },
      { text: fit(formatRate(v.readBytesPerSec), 10, "right"), bold: true },
      { text: " " + bar((v.readBytesPerSec ?? 0) / maxRate, 6), tone: "info" },
      { text: ` ${v.mount}${v.device ? " (" + v.device + ")" : ""}` },
      { text: v.paths.length ? ` ← ${v.paths.join(", ")}` : "", tone: "muted" },
    ]);
  }
  const temps = hw.temperatures.gpus.length ? ` · GPU ${hw.temperatures.gpus.map((t) => `${t.toFixed(0)}°C`).join(" ")}` : "";
  lines.push([
    { text: "PROV ", bold: true },
    {
      text: hw.providers.length
        ? hw.providers.map((p) => `[${p.id}] ${p.type} ${p.model}`).join(" · ")
        : "no GPU/OpenCL provider found",
      tone: hw.providers.length ? undefined : "warn",
    },
    { text: ` (${hw.providersSource})${temps}`, tone: "muted" },
  ]);
  return lines;
}

/** One line for small terminals. */
export function hardwareSummary(hw: HardwareView): Segment[] {
  const used = hw.memory.totalBytes - hw.memory.availableBytes;
  const parts: Segment[] = [
    { text: `CPU ${hw.cpu.percent.toFixed(0)}% load ${hw.cpu.load[0].toFixed(1)}`, tone: loadTone(hw.cpu.percent / 100) },
    { text: ` · MEM ${formatBytesShort(used)}/${formatBytesShort(hw.memory.totalBytes)}` },
  ];
  for (const v of hw.volumes)
    parts.push({ text: ` · ${v.mount} ${formatBytesShort(v.freeBytes)} free ${formatRate(v.readBytesPerSec)}` });
  parts.push({ text: ` · ${hw.providers.length} provider${hw.providers.length === 1 ? "" : "s"}` });
  if (hw.temperatures.cpu != null) parts.push({ text: ` · ${hw.temperatures.cpu.toFixed(0)}°C` });
  return parts;
}

export interface HardwarePaneProps {
  hardware: HardwareView | null;
  focused: boolean;
  width: number;
  height: number;
}

/** Where a line's text starts, after its label, figure and bar (` DISK 70%  ███████░░░ `). */
const TEXT_COLUMN = 22;

function HardwarePaneView({ hardware, focused, width, height }: HardwarePaneProps): React.JSX.Element {
  const body = height - 1;
  let content: Segment[][];
  if (!hardware) content = [[{ text: " no hardware sample yet", tone: "muted" }]];
  else {
    const full = hardwareLines(hardware).map((l) => [{ text: " " }, ...l]);
    // with rows to spare (zoomed, a tall terminal) long lines wrap under their text: a volume's PoS dirs, every provider
    const wrapped = full.length < body ? full.flatMap((l) => wrapSegments(l, width, true, TEXT_COLUMN)) : full;
    content = wrapped.length <= body ? wrapped : full.length <= body ? full : [[{ text: " " }, ...hardwareSummary(hardware)]];
  }
  // One row only (short terminals): the summary goes in the title row.
  const info: Segment[] = !hardware ? [] : body <= 0 ? [{ text: hardwareSummary(hardware).map((s) => s.text).join("") }] : [{ text: `sampled ${formatClock(hardware.sampledAt)}`, tone: "muted" }];
  return (
    <PaneFrame title="Hardware" info={info} focused={focused} width={width} height={height}>
      <Box flexDirection="column">
        {content.slice(0, Math.max(0, body)).map((segs, i) => (
          <Line key={i} segs={segs} width={width} />
        ))}
      </Box>
    </PaneFrame>
  );
}

/** Drawn again only when its sample, focus or size changed (not on a key press or a log line elsewhere). */
export const HardwarePane = React.memo(HardwarePaneView);
