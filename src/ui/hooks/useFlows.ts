// The identity dialogs' plumbing: a step (flows.ts) opens, replaces or closes the dialog, says
// something and maybe sends one request; the answer becomes the next step — unless the dialog it
// belongs to was closed meanwhile, then only what it did is said.
import type { DaemonClient } from "../../client/types.js";
import type { Tone } from "../theme.js";
import type { UiStore } from "./useUiState.js";
import { flowFailure, flowReply, isFlow, lateReply, openImport, sendRequest, type Flow, type Send, type Step } from "../flows/flows.js";

export const ARM_MS = 500; // a dialog that opens by itself ignores keys this long

/** A step whose dialog opened by itself: keys typed in the next ARM_MS are not taken as answers. */
export function armed(step: Step, now = performance.now()): Step {
  return step.flow ? { ...step, flow: { ...step.flow, armAt: now + ARM_MS } } : step;
}

export function useFlows(
  client: DaemonClient,
  store: Pick<UiStore, "ref" | "update">,
  say: (text: string, tone: Tone, sticky?: boolean) => void,
  startedHere: (taskId: string) => void,
): { applyStep: (step: Step) => void } {
  const applyStep = (step: Step): void => {
    store.update((x) => ({ ...x, input: null, overlay: step.flow }));
    if (step.say) say(step.say.text, step.say.tone, step.say.sticky ?? false);
    if (step.send && step.flow) sendFor(step.flow, step.send);
  };
  const sendFor = (flow: Flow, send: Send): void => {
    const current = (): Flow | null => {
      const o = store.ref.current.overlay;
      return o && isFlow(o) && o.token === flow.token ? o : null;
    };
    sendRequest(client, send)
      .then((a) => {
        if (a.route === "identityAdd") startedHere(a.reply.task.id);
        const cur = current();
        if (cur) return applyStep(flowReply(cur, a));
        const late = lateReply(a);
        if (late) say(late.text, late.tone, late.sticky ?? false);
      })
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        const cur = current();
        if (cur) return applyStep(flowFailure(cur, send, message));
        if (send.route !== "providers" && send.route !== "identityAddCheck") say(flowFailure(openImport().flow!, send, message).say?.text ?? message, "err");
      });
  };
  return { applyStep };
}
