// The confirmation before stopping or restarting a proving service: y confirms (forced), n / Esc
// cancel, Enter alone does nothing (the default is No).
import React from "react";
import { useKeypress } from "../input/keypress.js";
import { isDialogKey } from "../keymap.js";
import { TextBlock } from "../components/TextBlock.js";
import type { Segment } from "../components/Line.js";
import type { Overlay } from "../state/ui-state.js";
import type { UiStore } from "../hooks/useUiState.js";
import type { ServiceActions } from "../hooks/useServiceActions.js";
import type { Tone } from "../theme.js";

type Confirm = Extract<Overlay, { kind: "confirm" }>;
const open = (o: Overlay | null): o is Confirm => o?.kind === "confirm";

export function useConfirmKeys(store: Pick<UiStore, "ref" | "update">, call: ServiceActions["call"], say: (text: string, tone: Tone) => void): void {
  useKeypress(
    ({ name }) => {
      const o = store.ref.current.overlay;
      if (!open(o)) return false;
      const close = () => store.update((x) => ({ ...x, overlay: null }));
      if (isDialogKey(name, "confirm")) {
        close();
        call(o.route, o.names, o.all, true);
      } else if (isDialogKey(name, "cancel")) {
        close();
        say(`cancelled: nothing was ${o.route === "start" ? "started" : o.route === "stop" ? "stopped" : "restarted"}`, "muted");
      } else say("y confirms, n / Esc cancels (Enter alone does not confirm)", "warn");
      return true;
    },
    { isActive: () => !store.ref.current.input && open(store.ref.current.overlay) },
  );
}

export const CONFIRM_FOOTER: [string, string][] = [["y", "confirm"], ["n/Esc", "cancel (default)"]];

export function ConfirmView({ o, width, height }: { o: Confirm; width: number; height: number }): React.JSX.Element {
  const lines: Segment[][] = [
    [],
    [{ text: "  ! ", tone: "warn", bold: true }, { text: o.text, bold: true }],
    [],
    [{ text: "  y         ", bold: true, tone: "info" }, { text: o.confirmLabel + " (force)" }],
    [{ text: "  n / Esc   ", bold: true, tone: "info" }, { text: "cancel, leave it proving (the default: Enter alone does nothing)" }],
  ];
  return <TextBlock title={o.title} lines={lines} width={width} height={height} scroll={0} />;
}
