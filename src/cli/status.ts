// `postdeck status [--json]`: services, node summary, identities and findings. --json prints the
// daemon's Snapshot (src/protocol/model.ts SnapshotSchema) as is: that is the stable format. The
// text form exits as doctor does, 1 when a finding is an error (`postdeck status || page-me` from
// cron); --json exits 0 whenever it printed the snapshot: scripts and other rigs read it as data,
// its findings say the rest (`doctor --json` gives the verdict).
import type { Snapshot } from "../protocol/model.js";
import { colours, daemonClientFor, parseArgs } from "./cli-context.js";
import { findingsExitCode, UsageError } from "./errors.js";
import { operatorLabel, orchestrationLabel, serviceRowLabel, type Label } from "../presentation/labels.js";
import { formatDuration } from "../presentation/units.js";
import { clockLabels } from "../presentation/clock-labels.js";

export const USAGE = `usage: postdeck status [--json] [--config FILE]

exit codes: 0 no error finding (warnings may be open); 1 an error finding is open (postdeck doctor
says what to do) or no daemon answers; 2 bad usage or a bad config. With --json: 0 whenever the
daemon's snapshot was printed (its findings are in it; doctor --json exits 1 on an error).`;

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--json"], usage: USAGE });
  if (p.words.length > 0) throw new UsageError(USAGE);
  const client = await daemonClientFor(p);
  try {
    const s = await client.call("snapshot", {});
    process.stdout.write(p.flags.has("--json") ? JSON.stringify(s, null, 2) + "\n" : formatStatus(s, Date.now()));
    return p.flags.has("--json") ? 0 : findingsExitCode(s.findings);
  } finally {
    client.close();
  }
}

/** A label in the terminal's colours (the symbol and word carry the meaning without them). */
function paint(l: Label, c: ReturnType<typeof colours>): string {
  if (l.tone === "ok") return c.green(l.text);
  if (l.tone === "err") return c.red(l.text);
  if (l.tone === "warn" || l.tone === "info") return c.yellow(l.text);
  if (l.tone === "muted") return c.dim(l.text);
  return l.text;
}

export function formatStatus(s: Snapshot, now: number): string {
  const c = colours();
  const out: string[] = [];
  out.push(`rig ${s.daemon.rigName}${s.daemon.demo ? " (demo)" : ""} · daemon pid ${s.daemon.pid}, up ${formatDuration(now - s.daemon.startedAt)} · ${s.daemon.configPath}`);
  const n = s.node;
  const nodeBits = [n.reachable ? c.green("reachable") : c.red("not reachable")];
  if (n.synced !== null) nodeBits.push(n.synced ? "synced" : c.yellow("syncing"));
  if (n.syncedLayer !== null) nodeBits.push(`layer ${n.syncedLayer}${n.topLayer !== null ? `/${n.topLayer}` : ""}`);
  if (n.epoch !== null) nodeBits.push(`epoch ${n.epoch}`);
  if (n.clock) {
    const k = clockLabels(n.clock, now);
    nodeBits.push(k.gap.text + (k.fallback ? " (mainnet timing)" : ""));
  }
  if (n.peers !== null) nodeBits.push(`${n.peers} peers`);
  if (n.version) nodeBits.push(n.version);
  if (n.supervised) nodeBits.push(`supervised: ${n.supervised.state}${n.supervised.pid ? ` pid ${n.supervised.pid}` : ""}, ${n.supervised.restarts} restarts`);
  out.push(`node: ${nodeBits.join(" · ")}`);
  out.push("");
  const rows = s.services.map((v) => [
    v.name,
    paint(serviceRowLabel(v, now), c),
    v.pid === null ? "-" : String(v.pid),
    v.startedAt && v.state === "running" ? formatDuration(now - v.startedAt) : "-",
    String(v.restarts),
    operatorLabel(v.operator).text,
    v.cpuPercent === null ? "-" : `${v.cpuPercent.toFixed(1)}%`,
    v.rssBytes === null ? "-" : `${Math.round(v.rssBytes / 1048576)}M`,
  ]);
  const head = ["SERVICE", "STATE", "PID", "UP", "RESTARTS", "OPERATOR", "CPU", "RSS"];
  // eslint-disable-next-line no-control-regex
  const width = (t: string) => t.replace(/\u001b\[[0-9;]*m/g, "").length;
  const w = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const line = (r: string[]) => r.map((cell, i) => cell + " ".repeat(w[i]! - width(cell))).join("  ").trimEnd();
  if (rows.length === 0) out.push("no services configured");
  else {
    out.push(line(head));
    for (const [i, r] of rows.entries()) {
      out.push(line(r));
      const v = s.services[i]!;
      if (v.reason && (v.state === "failed" || v.state === "backoff")) out.push(`    ${v.reason}`);
      // on-demand: why it waits, or that the operator holds it (in always mode there is no orchestration)
      const o = v.orchestration?.state === "queued" || v.orchestration?.state === "hand" ? orchestrationLabel(v.orchestration) : null;
      if (o) out.push(`    ${paint(o, c)}`);
    }
  }
  out.push("");
  const errors = s.findings.filter((f) => f.severity === "error").length;
  const warnings = s.findings.filter((f) => f.severity === "warning").length;
  out.push(`identities: ${s.identities.length} · findings: ${errors} error(s), ${warnings} warning(s)${s.findings.length ? " (postdeck doctor)" : ""}`);
  return out.join("\n") + "\n";
}
