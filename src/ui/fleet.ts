// The fleet: one row per identity with its post-service joined in. Services that no identity
// names and identities without a service still get a row. Pure: sorted (natural order, post2
// before post10), filtered by `/` and counted for the pane title.
import type { IdentityView, ServiceView } from "../protocol/model.js";

export interface FleetRow {
  id: string; // stable selection key: the key file, or `service:<name>` for a service without a key
  name: string; // what the row is called: the key file without `.key`, or the service's name
  identity: IdentityView | null;
  service: ServiceView | null;
}

export const FLEET_SORT_KEYS = ["name", "state", "proving", "size", "registered", "cpu", "restarts"] as const;
export type FleetSortKey = (typeof FLEET_SORT_KEYS)[number];
export interface FleetSort {
  key: FleetSortKey;
  desc: boolean;
}

// One collator for every comparison: localeCompare with options builds one per call (it showed in profiles).
export const naturalCompare = new Intl.Collator(undefined, { numeric: true }).compare;

const keyName = (keyFile: string) => keyFile.replace(/\.key$/, "");

export function joinFleet(identities: IdentityView[], services: ServiceView[]): FleetRow[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const claimed = new Set<string>();
  const rows: FleetRow[] = identities.map((i) => {
    const s = i.service != null ? (byName.get(i.service) ?? null) : null;
    if (s) claimed.add(s.name);
    return { id: i.keyFile, name: keyName(i.keyFile), identity: i, service: s };
  });
  for (const s of services) if (!claimed.has(s.name)) rows.push({ id: `service:${s.name}`, name: s.name, identity: null, service: s });
  return rows;
}

const STATE_ORDER = ["failed", "backoff", "starting", "stopping", "running", "stopped"];
const stateRank = (r: FleetRow) => (r.service ? STATE_ORDER.indexOf(r.service.state) : STATE_ORDER.length);
function provingRank(r: FleetRow): number {
  const op = r.service?.operator;
  if (op?.kind === "proving") return -(op.percent ?? 0) / 100 - op.pass; // furthest along first
  if (r.identity?.postState === "PROVING") return 0;
  return { done: 1, unreachable: 2, idle: 3, none: 4 }[op?.kind ?? "none"] ?? 4;
}
const REG_ORDER = ["restart-needed", "not-yet", "unknown", "yes"];

function compare(a: FleetRow, b: FleetRow, key: FleetSortKey): number {
  switch (key) {
    case "name":
      return naturalCompare(a.name, b.name);
    case "state":
      return stateRank(a) - stateRank(b);
    case "proving":
      return provingRank(a) - provingRank(b);
    case "size":
      return (b.identity?.sizeBytes ?? -1) - (a.identity?.sizeBytes ?? -1);
    case "registered":
      return REG_ORDER.indexOf(a.identity?.registered ?? "unknown") - REG_ORDER.indexOf(b.identity?.registered ?? "unknown");
    case "cpu":
      return (b.service?.cpuPercent ?? -1) - (a.service?.cpuPercent ?? -1);
    case "restarts":
      return (b.service?.restarts ?? -1) - (a.service?.restarts ?? -1);
  }
}

/** Whether a row matches the `/` filter: its name, short id, service name, state or operator status. */
export function fleetMatches(r: FleetRow, filter: string): boolean {
  const f = filter.toLowerCase();
  if (!f) return true;
  const hay = [
    r.name,
    r.identity?.shortId ?? "",
    r.service?.name ?? "",
    r.service?.state ?? "no service",
    r.service?.operator.kind ?? "",
    r.identity?.postState?.toLowerCase() ?? "",
  ];
  return hay.some((h) => h.toLowerCase().includes(f));
}

export function visibleFleet(rows: FleetRow[], sort: FleetSort, filter: string): FleetRow[] {
  const out = filter ? rows.filter((r) => fleetMatches(r, filter)) : rows.slice();
  out.sort((a, b) => {
    const c = compare(a, b, sort.key) || naturalCompare(a.name, b.name);
    return sort.desc ? -c : c;
  });
  return out;
}

export function nextFleetSort(k: FleetSortKey): FleetSortKey {
  return FLEET_SORT_KEYS[(FLEET_SORT_KEYS.indexOf(k) + 1) % FLEET_SORT_KEYS.length]!;
}

export interface FleetCounts {
  total: number;
  running: number;
  failed: number;
  proving: number;
  queued: number; // on demand: waiting for their disk or the RAM budget
  noService: number;
  noKey: number;
}

export function fleetCounts(rows: FleetRow[]): FleetCounts {
  const c: FleetCounts = { total: rows.length, running: 0, failed: 0, proving: 0, queued: 0, noService: 0, noKey: 0 };
  for (const r of rows) {
    if (r.service?.state === "running") c.running++;
    if (r.service?.state === "failed" || r.service?.state === "backoff") c.failed++;
    if (r.service?.operator.kind === "proving" || r.identity?.postState === "PROVING") c.proving++;
    if (r.service?.orchestration?.state === "queued" && r.service.state !== "running") c.queued++;
    if (!r.service) c.noService++;
    if (!r.identity) c.noKey++;
  }
  return c;
}

/** `16 · 15 running · 1 failed · 4 proving` (zero counts left out, except running). */
export function countsText(c: FleetCounts): string {
  const parts = [`${c.total}`, `${c.running} running`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.proving) parts.push(`${c.proving} proving`);
  if (c.queued) parts.push(`${c.queued} queued`);
  if (c.noService) parts.push(`${c.noService} without service`);
  if (c.noKey) parts.push(`${c.noKey} without key`);
  return parts.join(" · ");
}

/** The rows a table of `visible` data rows shows with `selected` on screen: the first index. */
export function windowStart(count: number, visible: number, selected: number): number {
  const sel = Math.min(Math.max(0, selected), Math.max(0, count - 1));
  return Math.max(0, Math.min(sel - visible + 1, count - visible));
}

/** `5–12/16`: the rows on screen, for the title. */
export function positionText(count: number, visible: number, selected: number): string {
  if (count === 0) return "0/0";
  const start = windowStart(count, visible, selected);
  const end = Math.min(count, start + Math.max(1, visible));
  return `${start + 1}–${end}/${count}`;
}
