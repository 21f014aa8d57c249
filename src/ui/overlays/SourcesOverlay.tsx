// The log source picker (f in Logs): follow the selection, all sources, the node, a service.
import React from "react";
import { useKeypress } from "../input/keypress.js";
import { isDialogKey } from "../keymap.js";
import { TextBlock } from "../components/TextBlock.js";
import type { Segment } from "../components/Line.js";
import type { Overlay } from "../state/ui-state.js";
import type { UiStore } from "../hooks/useUiState.js";
import { ALL_SOURCES } from "../state/log-buffer.js";

type Sources = Extract<Overlay, { kind: "sources" }>;
const open = (o: Overlay | null): o is Sources => o?.kind === "sources";

export function useSourceKeys(store: Pick<UiStore, "ref" | "update">, sources: () => string[]): void {
  useKeypress(
    ({ name }) => {
      const o = store.ref.current.overlay;
      if (!open(o)) return false;
      const list = sources();
      const move = (index: number) => store.update((x) => ({ ...x, overlay: { ...o, index } }));
      if (isDialogKey(name, "close")) store.update((x) => ({ ...x, overlay: null }));
      else if (isDialogKey(name, "accept")) {
        const src = list[Math.min(o.index, list.length - 1)] ?? "selection";
        store.update((x) => ({ ...x, overlay: null, focus: "logs", log: { ...x.log, source: src, anchor: null, current: null } }));
      } else if (isDialogKey(name, "up")) move(Math.max(0, o.index - 1));
      else if (isDialogKey(name, "down")) move(Math.min(list.length - 1, o.index + 1));
      else if (isDialogKey(name, "top")) move(0);
      return true;
    },
    { isActive: () => !store.ref.current.input && open(store.ref.current.overlay) },
  );
}

export const SOURCES_FOOTER: [string, string][] = [["↑↓", "pick"], ["Enter", "show"], ["Esc", "close"]];

export function SourcesView({ o, list, current, width, height }: { o: Sources; list: string[]; current: string; width: number; height: number }): React.JSX.Element {
  const lines: Segment[][] = list.map((src, i) => [
    { text: i === o.index ? " › " : "   ", bold: true },
    { text: src === "selection" ? "follow the selected row's service" : src === ALL_SOURCES ? "all sources, interleaved" : src, inverse: i === o.index, bold: src === current },
    { text: src === current ? "  (now)" : "", tone: "muted" },
  ]);
  const room = Math.max(1, height - 1);
  const top = Math.max(0, o.index - room + 1);
  return <TextBlock title="Log source" info={[{ text: `${list.length} sources · ↑↓ pick · Enter show · Esc close` }]} lines={lines.slice(top)} width={width} height={height} scroll={0} wrap={false} />;
}
