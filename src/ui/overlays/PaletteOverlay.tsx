// The command palette (`:`): every action by name, fuzzy-filtered as you type.
import React from "react";
import { useKeypress } from "../input/keypress.js";
import { isDialogKey } from "../keymap.js";
import { TextBlock } from "../components/TextBlock.js";
import type { Segment } from "../components/Line.js";
import type { Overlay } from "../state/ui-state.js";
import type { UiStore } from "../hooks/useUiState.js";
import type { Tone } from "../theme.js";
import { fuzzyFilter } from "../fuzzy.js";
import { sanitize } from "../text-fit.js";

export interface PaletteEntry {
  label: string;
  keys: string;
  run: (query: string) => void;
  /** Takes the typed text as a command (`rig NAME`): when some entry claims it, only those are listed. */
  claims?: (query: string) => boolean;
}

type Palette = Extract<Overlay, { kind: "palette" }>;
const open = (o: Overlay | null): o is Palette => o?.kind === "palette";
const matching = (o: Palette, entries: PaletteEntry[]) => {
  const claimed = entries.filter((e) => e.claims?.(o.query));
  return claimed.length > 0 ? claimed : fuzzyFilter(o.query, entries, (e) => e.label);
};

export function usePaletteKeys(store: Pick<UiStore, "ref" | "update">, entries: () => PaletteEntry[], say: (text: string, tone: Tone) => void): void {
  useKeypress(
    ({ name, input }) => {
      const o = store.ref.current.overlay;
      if (!open(o)) return false;
      const list = matching(o, entries());
      const set = (p: Partial<Palette>) => store.update((x) => ({ ...x, overlay: { ...o, ...p } }));
      if (isDialogKey(name, "back")) store.update((x) => ({ ...x, overlay: null }));
      else if (isDialogKey(name, "accept")) {
        const e = list[Math.min(o.index, list.length - 1)];
        store.update((x) => ({ ...x, overlay: null }));
        if (e) e.run(o.query);
        else say(`no action matches "${o.query}"`, "warn");
      } else if (name === "up") set({ index: Math.max(0, o.index - 1) }); // arrows only: j and k are typed
      else if (name === "down") set({ index: Math.min(list.length - 1, o.index + 1) });
      else if (name === "backspace") set({ query: [...o.query].slice(0, -1).join(""), index: 0 });
      else if (input && !name.startsWith("ctrl+") && name.length === input.length) set({ query: o.query + sanitize(input), index: 0 });
      return true;
    },
    { isActive: () => !store.ref.current.input && open(store.ref.current.overlay) },
  );
}

export const PALETTE_FOOTER: [string, string][] = [["↑↓", "pick"], ["Enter", "run"], ["Esc", "close"]];

export function PaletteView({ o, entries, width, height }: { o: Palette; entries: PaletteEntry[]; width: number; height: number }): React.JSX.Element {
  const list = matching(o, entries);
  const idx = Math.min(o.index, Math.max(0, list.length - 1));
  const room = Math.max(1, height - 2);
  const top = Math.max(0, idx - room + 1);
  const lines: Segment[][] = [[{ text: " : ", bold: true, tone: "info" }, { text: o.query }, { text: "█" }]];
  if (list.length === 0) lines.push([{ text: "   no action matches", tone: "muted" }]);
  list.slice(top, top + room).forEach((e, i) => {
    const sel = top + i === idx;
    lines.push([
      { text: sel ? " › " : "   ", bold: true },
      { text: e.label, inverse: sel, bold: sel },
      { text: e.keys ? `  ${e.keys}` : "", tone: "muted" },
    ]);
  });
  return (
    <TextBlock
      title="Command palette"
      info={[{ text: `${list.length} actions · type to filter · ↑↓ pick · Enter run · Esc close` }]}
      lines={lines}
      width={width}
      height={height}
      scroll={0}
      wrap={false}
    />
  );
}
