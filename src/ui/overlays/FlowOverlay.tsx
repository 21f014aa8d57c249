// The identity dialogs (add, import, rename, the y/N questions, results): every key goes to the
// open dialog's step function (flows.ts), except keys typed before a dialog that opened by itself
// was armed.
import React from "react";
import { useKeypress } from "../input/keypress.js";
import { TextBlock } from "../components/TextBlock.js";
import type { Overlay } from "../state/ui-state.js";
import type { UiStore } from "../hooks/useUiState.js";
import type { AddContext } from "../flows/add-form.js";
import { flowKey, isFlow, type Flow, type Step } from "../flows/flows.js";
import { flowView } from "../flows/flow-lines.js";

const open = (o: Overlay | null): o is Flow => isFlow(o);

export function useFlowKeys(store: Pick<UiStore, "ref">, ctx: () => AddContext, applyStep: (s: Step) => void): void {
  useKeypress(
    ({ name, input }) => {
      const o = store.ref.current.overlay;
      if (!open(o)) return false;
      if (o.armAt != null && performance.now() < o.armAt) return true; // it just popped up: this key was meant for something else
      applyStep(flowKey(o, name, input, ctx()));
      return true;
    },
    { isActive: () => !store.ref.current.input && open(store.ref.current.overlay) },
  );
}

export function FlowDialog({ flow, ctx, width, height }: { flow: Flow; ctx: AddContext; width: number; height: number }): React.JSX.Element {
  const v = flowView(flow, ctx, width);
  return (
    <TextBlock
      title={v.title}
      info={[{ text: v.info }]}
      lines={v.lines}
      width={width}
      height={height}
      scroll={v.bottom ? Number.MAX_SAFE_INTEGER : (v.scroll ?? 0)}
      scrollHint={flow.kind === "result" ? "↑↓ scroll" : ""}
    />
  );
}
