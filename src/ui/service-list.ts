// The Services pane's rows: filtered by `/` and sorted by the column `o` picked.
import type { ServiceView } from "../protocol/model.js";

export const SORT_KEYS = ["name", "state", "cpu", "rss", "uptime", "restarts", "operator"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface SortSpec {
  key: SortKey;
  desc: boolean;
}

// One collator for every comparison: localeCompare with options builds one per call (it showed in profiles).
const byName = new Intl.Collator(undefined, { numeric: true }).compare;

const STATE_ORDER = ["failed", "backoff", "starting", "stopping", "running", "stopped"];
const opRank = (s: ServiceView): number =>
  ({ proving: 0, done: 1, unreachable: 2, idle: 3, none: 4 })[s.operator.kind];

function compare(a: ServiceView, b: ServiceView, key: SortKey, now: number): number {
  switch (key) {
    case "name":
      return byName(a.name, b.name);
    case "state":
      return STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state);
    case "cpu":
      return (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1);
    case "rss":
      return (b.rssBytes ?? -1) - (a.rssBytes ?? -1);
    case "uptime":
      return (a.startedAt != null ? now - a.startedAt : -1) - (b.startedAt != null ? now - b.startedAt : -1);
    case "restarts":
      return b.restarts - a.restarts;
    case "operator":
      return opRank(a) - opRank(b);
  }
}

export function visibleServices(list: ServiceView[], sort: SortSpec, filter: string, now: number): ServiceView[] {
  const f = filter.toLowerCase();
  const rows = f
    ? list.filter((s) => s.name.toLowerCase().includes(f) || s.state.includes(f) || s.operator.kind.includes(f))
    : list.slice();
  rows.sort((a, b) => {
    const c = compare(a, b, sort.key, now) || byName(a.name, b.name);
    return sort.desc ? -c : c;
  });
  return rows;
}

export function nextSortKey(k: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(k) + 1) % SORT_KEYS.length]!;
}
