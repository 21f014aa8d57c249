// How services and identities read in the console: state symbols and words, operator status,
// last exit, and what would be lost by stopping a service that is proving.
import type { IdentityView, OperatorStatus, ServiceView, ExitInfo } from "../protocol/model.js";
import type { Tone } from "./theme.js";
import { formatPercent } from "./units.js";

export interface Label {
  text: string;
  tone: Tone;
}

export function serviceStateLabel(s: ServiceView, now: number): Label {
  switch (s.state) {
    case "running":
      return { text: "● running", tone: "ok" };
    case "starting":
      return { text: "◐ starting", tone: "info" };
    case "stopping":
      return { text: "◑ stopping", tone: "warn" };
    case "stopped":
      return { text: "○ stopped", tone: "muted" };
    case "failed":
      return { text: "✖ failed", tone: "err" };
    case "backoff": {
      const left = s.nextRestartAt != null ? Math.max(0, Math.ceil((s.nextRestartAt - now) / 1000)) : null;
      return { text: left != null ? `↻ backoff ${left}s` : "↻ backoff", tone: "warn" };
    }
  }
}

export function operatorLabel(op: OperatorStatus): Label {
  switch (op.kind) {
    case "none":
      return { text: "—", tone: "muted" };
    case "idle":
      return { text: "Idle", tone: "plain" };
    case "proving":
      return {
        text: `Proving pass ${op.pass}${op.percent != null ? " " + formatPercent(op.percent) : ""}`,
        tone: "accent",
      };
    case "done":
      return { text: "DoneProving", tone: "info" };
    case "unreachable":
      return { text: "unreachable", tone: "warn" };
  }
}

export function exitLabel(e: ExitInfo | null): Label {
  if (!e) return { text: "—", tone: "muted" };
  if (e.signal) return { text: e.signal, tone: "warn" };
  if (e.code === 0) return { text: "exit 0", tone: "plain" };
  return { text: `exit ${e.code ?? "?"}`, tone: "err" };
}

export function registeredLabel(r: IdentityView["registered"]): Label {
  switch (r) {
    case "yes":
      return { text: "✔ yes", tone: "ok" };
    case "not-yet":
      return { text: "… not yet", tone: "warn" };
    case "restart-needed":
      return { text: "↻ restart node", tone: "err" };
    case "unknown":
      return { text: "? unknown", tone: "muted" };
  }
}

export function postStateLabel(p: IdentityView["postState"]): Label {
  if (p === "PROVING") return { text: "PROVING", tone: "accent" };
  if (p === "IDLE") return { text: "IDLE", tone: "plain" };
  return { text: "—", tone: "muted" };
}

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
