// One rig in a line: what `postdeck fleet` prints and the console's Fleet view shows, from the
// rig daemon's snapshot (pure: no I/O, the time passed in). The epoch and the cycle gap come from
// the daemon's ClockView read at the caller's own time (src/clock/epoch-clock.ts); without a clock,
// the node's epoch as it reported it.
import { readClock } from "../clock/epoch-clock.js";
import type { Finding, Severity, Snapshot } from "../protocol/model.js";
import type { Rig } from "./rigs-file.js";
import { identityFindings } from "../presentation/identity-findings.js";
import { withNodeFigures } from "../presentation/node-figure-findings.js";

export interface RigSummary {
  rig: string; // the name in the rigs file
  via: string; // `ssh sm@host` or the config file of a rig on this machine
  readOnly: boolean;
  reachable: boolean;
  error: string | null; // why it is not reachable, for people
  rigName: string | null; // the rig's own name (its config's `rig`)
  version: string | null; // the rig's postdeck
  node: {
    reachable: boolean;
    synced: boolean | null;
    layer: number | null;
    epoch: number | null;
    gap: { open: boolean; opensAt: number; closesAt: number; msLeft: number } | null; // msLeft: until it opens, or (open) until it closes
    clock: "node-config" | "mainnet-fallback" | null;
  } | null;
  identities: { total: number; registered: number; proving: number; withErrors: number } | null;
  services: { total: number; running: number; failed: number } | null;
  findings: { errors: number; warnings: number; worst: Pick<Finding, "id" | "severity" | "subject" | "title"> | null } | null;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function rigVia(r: Rig): string {
  return r.kind === "ssh" ? `ssh ${r.host}` : r.config;
}

export function unreachableSummary(r: Rig, error: string): RigSummary {
  return { rig: r.name, via: rigVia(r), readOnly: r.readOnly, reachable: false, error, rigName: null, version: null, node: null, identities: null, services: null, findings: null };
}

export function summarize(r: Rig, s: Snapshot, now: number): RigSummary {
  const n = s.node;
  let epoch = n.epoch;
  let gap: NonNullable<RigSummary["node"]>["gap"] = null;
  if (n.clock) {
    const c = readClock(n.clock, now);
    epoch = c.epoch;
    gap = { open: c.gapOpen, opensAt: c.gap.opensAt, closesAt: c.gap.closesAt, msLeft: (c.gapOpen ? c.gap.closesAt : c.gap.opensAt) - now };
  }
  // a snapshot kept up by events: findings that name the node's figures are worded from its node view
  const worst = [...withNodeFigures(s.findings, n, now)].sort((a, b) => RANK[a.severity] - RANK[b.severity])[0] ?? null;
  return {
    rig: r.name,
    via: rigVia(r),
    readOnly: r.readOnly,
    reachable: true,
    error: null,
    rigName: s.daemon.rigName,
    version: s.daemon.version,
    node: { reachable: n.reachable, synced: n.synced, layer: n.topLayer ?? n.syncedLayer, epoch, gap, clock: n.clock?.source ?? null },
    identities: {
      total: s.identities.length,
      registered: s.identities.filter((i) => i.registered === "yes").length,
      proving: s.identities.filter((i) => i.postState === "PROVING").length,
      withErrors: s.identities.filter((i) => i.keyProblem !== null || identityFindings(i, s.findings).some((f) => f.severity === "error")).length,
    },
    services: {
      total: s.services.length,
      running: s.services.filter((v) => v.state === "running").length,
      failed: s.services.filter((v) => v.state === "failed").length,
    },
    findings: {
      errors: s.findings.filter((f) => f.severity === "error").length,
      warnings: s.findings.filter((f) => f.severity === "warning").length,
      worst: worst && { id: worst.id, severity: worst.severity, subject: worst.subject, title: worst.title },
    },
  };
}

/** `postdeck fleet` fails (exit 1) when a rig cannot be reached or has an error finding. */
export function fleetFails(rigs: RigSummary[]): boolean {
  return rigs.some((r) => !r.reachable || (r.findings?.errors ?? 0) > 0);
}
