// Services: the supervised post-services, their process state and what their operator API says.
import React from "react";
import type { ServiceView } from "../../protocol/model.js";
import { Table, type Column } from "../components/Table.js";
import { PaneFrame } from "../components/PaneFrame.js";
import type { Segment } from "../components/Line.js";
import { exitLabel, operatorLabel, serviceStateLabel } from "../service-labels.js";
import { formatBytesShort, formatDuration } from "../units.js";
import type { SortSpec } from "../service-list.js";

export interface ServicesPaneProps {
  rows: ServiceView[]; // already filtered and sorted
  total: number;
  sort: SortSpec;
  filter: string;
  selected: number;
  focused: boolean;
  width: number;
  height: number;
  now: number;
}

/** Uptime in the table: `<1m` in the first minute, then as formatDuration (the table changes once a minute at most). */
export function uptimeLabel(ms: number): string {
  return ms < 60_000 ? "<1m" : formatDuration(ms);
}

export function serviceColumns(now: number): Column<ServiceView>[] {
  return [
    { id: "name", header: "NAME", min: 6, max: 12, priority: 0, cell: (s) => ({ text: s.name, bold: true }) },
    { id: "state", header: "STATE", min: 9, max: 13, priority: 0, cell: (s) => serviceStateLabel(s, now) },
    { id: "pid", header: "PID", min: 7, align: "right", priority: 3, cell: (s) => ({ text: s.pid != null ? String(s.pid) : "—" }) },
    {
      id: "uptime",
      header: "UP",
      min: 7,
      align: "right",
      priority: 2,
      cell: (s) => ({ text: s.startedAt != null && s.state === "running" ? uptimeLabel(now - s.startedAt) : "—" }),
    },
    {
      id: "restarts",
      header: "RST",
      min: 3,
      align: "right",
      priority: 4,
      cell: (s) => ({ text: String(s.restarts), tone: s.restarts > 0 ? "warn" : undefined }),
    },
    {
      id: "cpu",
      header: "CPU%",
      min: 5,
      align: "right",
      priority: 2,
      cell: (s) => ({ text: s.cpuPercent != null ? s.cpuPercent.toFixed(0) : "—" }),
    },
    { id: "rss", header: "RSS", min: 6, align: "right", priority: 3, cell: (s) => ({ text: formatBytesShort(s.rssBytes) }) },
    { id: "operator", header: "OPERATOR", min: 11, max: 19, priority: 0, cell: (s) => operatorLabel(s.operator) },
    { id: "exit", header: "LAST EXIT", min: 7, max: 10, priority: 5, cell: (s) => exitLabel(s.lastExit) },
    {
      id: "reason",
      header: "WHY",
      min: 10,
      max: 60,
      priority: 6,
      cell: (s) => ({ text: s.reason ?? "", tone: s.state === "failed" ? "err" : "muted" }),
    },
  ];
}

export function ServicesPane(p: ServicesPaneProps): React.JSX.Element {
  const info: Segment[] = [{ text: p.filter ? `${p.rows.length}/${p.total}` : `${p.total}` }];
  info.push({ text: `sort ${p.sort.key} ${p.sort.desc ? "↑" : "↓"}`, tone: "muted" });
  if (p.filter) info.push({ text: `filter "${p.filter}"`, tone: "info" });
  return (
    <PaneFrame title="Services" info={info} focused={p.focused} width={p.width} height={p.height}>
      <Table
        columns={serviceColumns(p.now)}
        rows={p.rows}
        width={p.width}
        height={p.height - 1}
        selected={p.selected}
        focused={p.focused}
        empty={p.filter ? `no service matches "${p.filter}" (Esc clears)` : "no services configured"}
      />
    </PaneFrame>
  );
}
