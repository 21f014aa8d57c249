// The views that only scroll and close: help, findings, an identity's or a service's details, the
// proving plan. Esc / q closes, ↑↓ jk PgUp PgDn g scroll, ? opens the help.
import React from "react";
import type { DaemonClient } from "../../client/types.js";
import type { Snapshot } from "../../protocol/model.js";
import { useKeypress } from "../input/keypress.js";
import { isDialogKey } from "../keymap.js";
import { TextBlock } from "../components/TextBlock.js";
import type { Segment } from "../components/Line.js";
import type { Overlay } from "../state/ui-state.js";
import type { UiStore } from "../hooks/useUiState.js";
import type { Tone } from "../theme.js";
import { findingLines, helpLines, serviceDetail } from "../details.js";
import { withNodeFigures } from "../../presentation/node-figure-findings.js";
import { IdentityView } from "../views/IdentityView.js";
import { PlanView } from "../views/PlanView.js";
import { clockLabels } from "../../presentation/clock-labels.js";

type Scroll = Extract<Overlay, { kind: "help" | "findings" | "identity" | "service" | "plan" }>;
const SCROLLING = new Set(["help", "findings", "identity", "service", "plan"]);
const open = (o: Overlay | null): o is Scroll => o !== null && SCROLLING.has(o.kind);

const SEVERITY = ["error", "warning", "info"];

export function useScrollKeys(store: Pick<UiStore, "ref" | "update">, page: () => number, say: (text: string, tone: Tone) => void): void {
  useKeypress(
    ({ name }) => {
      const o = store.ref.current.overlay;
      if (!open(o)) return false;
      const scrollTo = (f: (n: number) => number) => store.update((x) => (x.overlay && "scroll" in x.overlay ? { ...x, overlay: { ...x.overlay, scroll: Math.max(0, f(x.overlay.scroll)) } } : x));
      if (isDialogKey(name, "close") || (o.kind === "help" && name === "?")) store.update((x) => ({ ...x, overlay: null }));
      else if (isDialogKey(name, "down")) scrollTo((n) => n + 1);
      else if (isDialogKey(name, "up")) scrollTo((n) => n - 1);
      else if (isDialogKey(name, "pageDown")) scrollTo((n) => n + page());
      else if (isDialogKey(name, "pageUp")) scrollTo((n) => n - page());
      else if (isDialogKey(name, "top")) scrollTo(() => 0);
      else if (name === "?") store.update((x) => ({ ...x, overlay: { kind: "help", scroll: 0 } }));
      else say("Esc closes this view", "muted");
      return true;
    },
    { isActive: () => !store.ref.current.input && open(store.ref.current.overlay) },
  );
}

export const SCROLL_FOOTER: [string, string][] = [["↑↓/jk", "scroll"], ["Esc", "back"], ["?", "help"], ["Ctrl-C", "quit"]];

export function ScrollView(p: { o: Scroll; snap: Snapshot | null; client: DaemonClient; now: number; width: number; height: number }): React.JSX.Element {
  const { o, snap, now, width: w, height: h } = p;
  const services = snap?.services ?? [];
  const identities = snap?.identities ?? [];
  // the daemon does not resend findings when only the node figures they name move: worded from the node view
  const findings = withNodeFigures(snap?.findings ?? [], snap?.node ?? null, now);
  switch (o.kind) {
    case "help":
      return <TextBlock title="Help: every key" info={[{ text: "Esc closes" }]} lines={helpLines(w)} width={w} height={h} scroll={o.scroll} />;
    case "findings": {
      const sorted = [...findings].sort((a, b) => SEVERITY.indexOf(a.severity) - SEVERITY.indexOf(b.severity));
      const lines: Segment[][] = sorted.length
        ? sorted.flatMap((f) => [[{ text: `${f.subject ?? "rig"}`, bold: true, underline: true }], ...findingLines([f]), []])
        : [[{ text: "  ✔ nothing needs attention", tone: "ok" }]];
      return <TextBlock title={`Findings (${findings.length})`} info={[{ text: "Esc back" }]} lines={lines} width={w} height={h} scroll={o.scroll} />;
    }
    case "identity": {
      const i = identities.find((x) => x.keyFile === o.keyFile);
      const svc = i?.service ? services.find((x) => x.name === i.service) : undefined;
      const epoch = snap?.node.clock ? clockLabels(snap.node.clock, now).epoch : (snap?.node.epoch ?? null);
      return <IdentityView client={p.client} keyFile={o.keyFile} identity={i} service={svc} findings={findings} volumes={snap?.hardware?.volumes ?? []} epoch={epoch} now={now} width={w} height={h} scroll={o.scroll} />;
    }
    case "plan":
      return <PlanView client={p.client} now={now} width={w} height={h} scroll={o.scroll} />;
    case "service": {
      const s = services.find((x) => x.name === o.name);
      const lines = s ? serviceDetail(s, now) : [[{ text: `  ${o.name} is no longer configured`, tone: "warn" as const }]];
      return <TextBlock title={`Service ${o.name}`} info={[{ text: "Esc back" }]} lines={lines} width={w} height={h} scroll={o.scroll} />;
    }
  }
}
