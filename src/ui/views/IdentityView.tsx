// The detail view of one fleet row: its epoch timeline from the daemon first (why no rewards,
// then the current and previous epoch, each step's source), the identity (key, PoS data, node,
// findings, events) and its post-service. The timeline is asked when the view opens and every 10 s while it stays open.
import React from "react";
import type { DaemonClient } from "../../client/types.js";
import type { Finding, IdentityView as Identity, ServiceView, Volume } from "../../protocol/model.js";
import type { Segment } from "../components/Line.js";
import { TextBlock } from "../components/TextBlock.js";
import { identityDetail, serviceDetail } from "../details.js";
import { useRoute, type Remote } from "../hooks/useRoute.js";
import type { RouteResponse } from "../../protocol/api.js";
import { timelineLines } from "./timeline-lines.js";

export interface IdentityViewProps {
  client: DaemonClient;
  keyFile: string;
  identity: Identity | undefined;
  service: ServiceView | undefined;
  findings: Finding[];
  volumes: Volume[];
  epoch: number | null;
  now: number;
  width: number;
  height: number;
  scroll: number;
}

export function timelineSection(r: Remote<RouteResponse<"identityTimeline">>, epoch: number | null, now: number): Segment[][] {
  const head: Segment[] = [{ text: "Timeline", bold: true, underline: true }];
  switch (r.kind) {
    case "loading":
      return [head, [{ text: "  … asking the daemon", tone: "muted" }]];
    case "unavailable":
      return [head, [{ text: "  not available from this daemon yet (it does not build timelines)", tone: "muted" }]];
    case "error":
      return [head, [{ text: `  ✖ ${r.message}`, tone: "err" }]];
    case "ok":
      return [head, ...timelineLines(r.data, epoch, now)];
  }
}

export function IdentityView(p: IdentityViewProps): React.JSX.Element {
  const timeline = useRoute(p.client, "identityTimeline", { name: p.keyFile }, p.keyFile, 10_000);
  const lines: Segment[][] = p.identity
    ? [...timelineSection(timeline, p.epoch, p.now), [], ...identityDetail(p.identity, p.findings, p.now, p.volumes), ...(p.service ? [[], ...serviceDetail(p.service, p.now)] : [])]
    : [[{ text: `  ${p.keyFile} is gone from identities/`, tone: "warn" }]];
  return <TextBlock title={`Identity ${p.keyFile}`} info={[{ text: "Esc back" }]} lines={lines} width={p.width} height={p.height} scroll={p.scroll} />;
}
