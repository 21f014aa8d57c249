// The Plan view (`p`): the daemon's proving plan for the next cycle gap, one lane per disk
// (see plan-lines.ts). Asked when the view opens and every 15 s while it stays open.
import React from "react";
import type { DaemonClient } from "../../client/types.js";
import type { Segment } from "../components/Line.js";
import { TextBlock } from "../components/TextBlock.js";
import { useRoute } from "../hooks/useRoute.js";
import { planLines } from "./plan-lines.js";
import { formatWhen } from "../../presentation/units.js";

export interface PlanViewProps {
  client: DaemonClient;
  now: number;
  width: number;
  height: number;
  scroll: number;
}

export function PlanView({ client, now, width, height, scroll }: PlanViewProps): React.JSX.Element {
  const plan = useRoute(client, "plan", {}, "plan", 15_000);
  let lines: Segment[][];
  const info: Segment[] = [{ text: "Esc back" }];
  if (plan.kind === "loading") lines = [[{ text: "  … asking the daemon for its plan", tone: "muted" }]];
  else if (plan.kind === "unavailable") lines = [[{ text: "  this daemon does not make a proving plan yet", tone: "muted" }]];
  else if (plan.kind === "error") lines = [[{ text: `  ✖ ${plan.message}`, tone: "err" }]];
  else {
    lines = planLines(plan.data, width, now);
    info.unshift({ text: `made ${formatWhen(plan.data.generatedAt, now)}`, tone: "muted" });
  }
  return <TextBlock title="Plan: proving in the next gap, per disk" info={info} lines={lines} width={width} height={height} scroll={scroll} wrap />;
}
