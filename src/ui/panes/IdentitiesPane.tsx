// Identities: one row per key file in identities/, with what the node and the findings say.
import React from "react";
import type { Finding, IdentityView, TaskView } from "../../protocol/model.js";
import { Table, type Column } from "../components/Table.js";
import { PaneFrame } from "../components/PaneFrame.js";
import type { Segment } from "../components/Line.js";
import { postStateLabel, registeredLabel } from "../service-labels.js";
import { attention, findingsFor } from "../findings.js";
import { formatBytesShort } from "../units.js";
import { taskShort } from "../flows/task-progress.js";

export interface IdentitiesPaneProps {
  identities: IdentityView[];
  findings: Finding[];
  selected: number;
  focused: boolean;
  width: number;
  height: number;
  tasks?: TaskView[]; // running identity inits/imports, shown in the title
}

export function identityColumns(findings: Finding[]): Column<IdentityView>[] {
  return [
    {
      id: "attention",
      header: "!",
      min: 3,
      priority: 0,
      cell: (i) => {
        const a = attention(findingsFor(i, findings));
        return a.count ? { text: `!${a.count}`, tone: a.severity === "error" ? "err" : "warn", bold: true } : { text: "" };
      },
    },
    { id: "key", header: "KEY FILE", min: 8, max: 16, priority: 0, cell: (i) => ({ text: i.keyFile }) },
    {
      id: "id",
      header: "ID",
      min: 6,
      priority: 1,
      cell: (i) => (i.shortId ? { text: i.shortId } : { text: "✖ bad key", tone: "err" }),
    },
    {
      id: "size",
      header: "UNITS/SIZE",
      min: 10,
      max: 12,
      priority: 2,
      cell: (i) =>
        i.initState === "complete" || i.initState === "unknown"
          ? { text: i.units != null ? `${i.units} SU ${formatBytesShort(i.sizeBytes)}` : "—" }
          : { text: i.initState === "initialising" ? "◐ init…" : "✖ no data", tone: i.initState === "missing" ? "err" : "warn" },
    },
    {
      id: "registered",
      header: "REGISTERED",
      min: 10,
      max: 14,
      priority: 0,
      cell: (i) => registeredLabel(i.registered),
    },
    { id: "post", header: "POST", min: 7, priority: 1, cell: (i) => postStateLabel(i.postState) },
    { id: "service", header: "SERVICE", min: 7, max: 12, priority: 4, cell: (i) => ({ text: i.service ?? "—" }) },
    { id: "dir", header: "POS DIR", min: 10, max: 48, cut: "start", priority: 3, cell: (i) => ({ text: i.posDir ?? "—" }) },
  ];
}

export function IdentitiesPane({ identities, findings, selected, focused, width, height, tasks = [] }: IdentitiesPaneProps): React.JSX.Element {
  const loud = attention(findings);
  const info: Segment[] = [{ text: `${identities.length}` }];
  for (const t of tasks.filter((x) => x.state === "running")) info.push({ text: taskShort(t), tone: "info", bold: true });
  if (loud.count)
    info.push({ text: `! ${loud.count} to look at (press !)`, tone: loud.severity === "error" ? "err" : "warn", bold: true });
  return (
    <PaneFrame title="Identities" info={info} focused={focused} width={width} height={height}>
      <Table
        columns={identityColumns(findings)}
        rows={identities}
        width={width}
        height={height - 1}
        selected={selected}
        focused={focused}
        empty="no key files in identities/: a adds an identity, i imports one"
      />
    </PaneFrame>
  );
}
