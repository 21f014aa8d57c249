// The lines of the detail views (Enter on an identity or a service) and of the help overlay.
import type { Finding, IdentityView, ServiceView, Volume } from "../protocol/model.js";
import type { Segment } from "./components/Line.js";
import { exitLabel, operatorLabel, orchestrationLabel, postStateLabel, registeredLabel, serviceStateLabel } from "./service-labels.js";
import { findingsFor } from "./findings.js";
import { formatBytes, formatClock, formatDuration } from "./units.js";
import { BINDINGS, displayKeys, type Scope } from "./keymap.js";
import { sanitize } from "./text-fit.js";
import { fitSegments } from "./components/Line.js";

const field = (label: string, value: Segment | string): Segment[] => [
  { text: `  ${label.padEnd(14)} `, bold: true },
  typeof value === "string" ? { text: sanitize(value) } : { ...value, text: sanitize(value.text) },
];
const heading = (text: string): Segment[] => [{ text, bold: true, underline: true }];
const when = (at: number | null, now: number) => (at == null ? "" : ` (${formatClock(at)}, ${formatDuration(now - at)} ago)`);

export function findingLines(fs: Finding[]): Segment[][] {
  const out: Segment[][] = [];
  for (const f of fs) {
    const tone = f.severity === "error" ? "err" : f.severity === "warning" ? "warn" : "info";
    const mark = f.severity === "error" ? "✖ error" : f.severity === "warning" ? "! warning" : "i info";
    out.push([{ text: `  ${mark} `, tone, bold: true }, { text: sanitize(f.title), bold: true }, { text: ` [${f.id}]`, tone: "muted" }]);
    if (f.detail) out.push([{ text: "      " + sanitize(f.detail) }]);
    if (f.fix) out.push([{ text: "      fix: ", tone: "ok", bold: true }, { text: sanitize(f.fix) }]);
  }
  return out;
}

/** The volume that holds a PoS dir: its free space, and how full it is (a guard before adding more). */
export function volumeField(posDir: string | null, volumes: Volume[]): Segment[] {
  const v = posDir ? volumes.find((x) => x.paths.includes(posDir)) : undefined;
  if (!v) return field("volume", "—");
  const usedPct = v.totalBytes > 0 ? Math.round((100 * (v.totalBytes - v.freeBytes)) / v.totalBytes) : 0;
  const tone = usedPct >= 95 ? "err" : usedPct >= 90 ? "warn" : undefined;
  return field("volume", { text: `${v.mount}${v.device ? ` (${v.device})` : ""} · ${formatBytes(v.freeBytes)} free of ${formatBytes(v.totalBytes)} · ${usedPct} % used`, tone });
}

export function identityDetail(i: IdentityView, findings: Finding[], now: number, volumes: Volume[] = []): Segment[][] {
  const lines: Segment[][] = [
    heading("Identity"),
    field("key file", i.keyFile),
    field("path", i.path),
    field("node id", i.nodeId ?? "— (key file unreadable)"),
    field("short id", i.shortId ?? "—"),
  ];
  if (i.keyProblem) lines.push(field("key problem", { text: i.keyProblem, tone: "err" }));
  lines.push(
    [],
    heading("PoS data"),
    field("directory", i.posDir ?? "—"),
    field("units", i.units != null ? `${i.units} SU` : "—"),
    field("size", formatBytes(i.sizeBytes)),
    field("init state", i.initState),
    volumeField(i.posDir, volumes),
    [],
    heading("Node"),
    field("service", i.service ?? "— (no post-service configured)"),
    field("registered", { ...registeredLabel(i.registered), text: registeredLabel(i.registered).text + when(i.registeredAt, now) }),
    field("post state", postStateLabel(i.postState)),
    field("connected", i.connected == null ? "—" : (i.connected ? "yes" : "no") + when(i.connectedAt, now)),
  );
  const fs = findingsFor(i, findings);
  lines.push([], heading(`Findings (${fs.length})`));
  if (fs.length === 0) lines.push([{ text: "  none", tone: "muted" }]);
  else lines.push(...findingLines(fs));
  lines.push([], heading(`Last events (${i.events.length})`));
  if (i.events.length === 0) lines.push([{ text: "  none seen yet", tone: "muted" }]);
  for (const e of i.events.slice(-20).reverse())
    lines.push([
      { text: `  ${formatClock(e.at)} ` },
      { text: e.kind.padEnd(20), tone: e.failure ? "err" : "info", bold: e.failure },
      { text: " " + sanitize(e.text) },
    ]);
  return lines;
}

/** Its run's start while it runs; a stopped, failed or waiting service is not up (the daemon keeps its last run's start). */
function upField(s: ServiceView, now: number): Segment[] {
  if (s.startedAt == null) return field("up since", "—");
  if (s.state === "running" || s.state === "starting" || s.state === "stopping") return field("up since", `${formatClock(s.startedAt)} (${formatDuration(now - s.startedAt)})`);
  return field("up since", { text: `— (its last run started ${formatClock(s.startedAt)})`, tone: "muted" });
}

export function serviceDetail(s: ServiceView, now: number): Segment[][] {
  const lines: Segment[][] = [
    heading("Service"),
    field("name", s.name),
    field("state", serviceStateLabel(s, now)),
  ];
  const orch = orchestrationLabel(s.orchestration);
  if (orch) lines.push(field("orchestrator", orch));
  if (s.reason) lines.push(field("why", { text: s.reason, tone: s.state === "failed" ? "err" : "warn" }));
  lines.push(
    field("pid", s.pid != null ? String(s.pid) + (s.adopted ? " (adopted from an earlier daemon)" : "") : "—"),
    upField(s, now),
    field("restarts", `${s.restarts} (policy ${s.restartPolicy}${s.autostart ? ", autostart" : ""})`),
    field("last exit", exitLabel(s.lastExit).text + (s.lastExit ? ` at ${formatClock(s.lastExit.at)}` : "")),
    field("operator", operatorLabel(s.operator).text + (s.operatorAddress ? ` at ${s.operatorAddress}` : "")),
  );
  if (s.operator.kind === "unreachable") lines.push(field("", { text: s.operator.error, tone: "warn" }));
  lines.push(field("directory", s.dir), field("log file", s.logFile), field("command", s.argv.join(" ")));
  return lines;
}

const GROUPS: [Scope, string][] = [
  ["global", "Everywhere"],
  ["tables", "Identities table"],
  ["identities", "Identities"],
  ["logs", "Logs"],
];

function helpGroup(scope: Scope, title: string): Segment[][] {
  const lines: Segment[][] = [heading(title)];
  for (const b of BINDINGS.filter((x) => x.scope === scope))
    lines.push([{ text: `  ${(b.keys.length ? displayKeys(b) : ": palette").padEnd(16)} `, bold: true, tone: "info" }, { text: b.label }]);
  lines.push([]);
  return lines;
}

const HELP_NOTES: Segment[][] = [
  [{ text: "  Actions on a proving service ask first and say", tone: "muted" }],
  [{ text: "  what would be lost: y confirms, Enter alone does not.", tone: "muted" }],
  [{ text: "  Quitting leaves every service running under the daemon.", tone: "muted" }],
  [{ text: "  In identity dialogs: Tab/↑↓ field, ←/→ choice,", tone: "muted" }],
  [{ text: "  Enter next/start, y/n answer, Esc cancel (nothing", tone: "muted" }],
  [{ text: "  is sent); every other key types (q types q).", tone: "muted" }],
];

/** Every key by scope; in two columns when the width allows (so 120x40 needs no scrolling). */
export function helpLines(width = 80): Segment[][] {
  const groups = GROUPS.map(([scope, title]) => helpGroup(scope, title));
  if (width < 100) return [...groups.flat(), ...HELP_NOTES];
  const left = [...groups[0]!, ...groups[1]!];
  const right = [...groups[2]!, ...groups[3]!, ...HELP_NOTES];
  const half = Math.floor(width / 2);
  const rows: Segment[][] = [];
  for (let i = 0; i < Math.max(left.length, right.length); i++)
    rows.push([...fitSegments(left[i] ?? [], half), ...fitSegments(right[i] ?? [], width - half, false)]);
  return rows;
}
