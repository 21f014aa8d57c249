// What would be lost by stopping a service that is proving, and the confirmation that says so.
import type { IdentityView, ServiceView } from "../protocol/model.js";
import { formatPercent } from "../presentation/units.js";
// The labels themselves are shared with the CLI (src/presentation); re-exported for the panes.
export { serviceStateLabel, serviceRowLabel, orchestrationLabel, operatorLabel, operatorShort, exitLabel, registeredLabel, postStateLabel, type Label } from "../presentation/labels.js";

/** Why acting on this service would interrupt a proof, or null when nothing would be lost. */
export function provingNote(s: ServiceView, identities: IdentityView[]): string | null {
  const op = s.operator;
  if (op.kind === "proving") {
    const where = `pass ${op.pass}${op.percent != null ? ", " + formatPercent(op.percent) : ""}`;
    return `${s.name} is proving (${where})`;
  }
  const id = identities.find((i) => i.service === s.name);
  if (id?.postState === "PROVING" && (s.state === "running" || s.state === "starting"))
    return `${s.name}'s identity ${id.keyFile} is PROVING in the node`;
  return null;
}

export type ServiceAction = "start" | "stop" | "restart";

/** The confirmation text for acting on proving services; null when no confirmation is needed. */
export function confirmationText(action: ServiceAction, notes: string[]): string | null {
  if (action === "start" || notes.length === 0) return null;
  const verb = action === "stop" ? "stopping" : "restarting";
  if (notes.length === 1) {
    const then =
      action === "stop"
        ? "the node will wait for it to reconnect and it starts over"
        : "it starts the proof over when it reconnects to the node";
    return `${notes[0]}: ${verb} it loses this pass; ${then}.`;
  }
  const then =
    action === "stop"
      ? "the node will wait for each to reconnect and each starts over"
      : "each starts its proof over when it reconnects to the node";
  return `${notes.join("; ")}: ${verb} them loses their current pass; ${then}.`;
}
