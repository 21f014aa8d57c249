// How states read for people, in the CLI and in the console alike: a symbol and a word for every
// state (never colour alone), operator status, last exit, registration and the node's PoST state.
// No React and no terminal here: a `tone` says what the colour means, each front end picks it.
import type { ExitInfo, IdentityView, OperatorStatus, OrchestrationView, ServiceState, ServiceView } from "../protocol/model.js";
import { formatPercent } from "./units.js";

export type Tone = "ok" | "warn" | "err" | "info" | "accent" | "muted" | "plain";

export interface Label {
  text: string;
  tone: Tone;
}

const STATE: Record<ServiceState, Label> = {
  running: { text: "● running", tone: "ok" },
  starting: { text: "◐ starting", tone: "info" },
  stopping: { text: "◑ stopping", tone: "warn" },
  stopped: { text: "○ stopped", tone: "muted" },
  failed: { text: "✖ failed", tone: "err" },
  backoff: { text: "↻ backoff", tone: "warn" },
};

/** `● running`, `✖ failed`, `↻ backoff 12s` (seconds left when a restart is scheduled). */
export function serviceStateLabel(s: Pick<ServiceView, "state" | "nextRestartAt">, now: number): Label {
  if (s.state === "backoff" && s.nextRestartAt != null)
    return { text: `↻ backoff ${Math.max(0, Math.ceil((s.nextRestartAt - now) / 1000))}s`, tone: "warn" };
  return STATE[s.state];
}

/**
 * The service cell in on-demand mode: what the orchestrator does with it instead of a bare
 * `○ stopped` — `◷ queued` (waiting for its disk or the RAM budget), `◌ on demand` (stopped
 * between proofs), `○ by hand` / `● by hand` (the user took it). A failure, a backoff or a
 * start/stop in progress says so first; in `always` mode (no orchestration) it is the state label.
 */
export function serviceRowLabel(s: Pick<ServiceView, "state" | "nextRestartAt" | "orchestration">, now: number): Label {
  const o = s.orchestration;
  if (!o || s.state === "failed" || s.state === "backoff" || s.state === "starting" || s.state === "stopping") return serviceStateLabel(s, now);
  if (o.state === "hand") return { text: `${s.state === "running" ? "●" : "○"} by hand`, tone: s.state === "running" ? "ok" : "muted" };
  if (s.state === "running") return serviceStateLabel(s, now);
  if (o.state === "queued") return { text: "◷ queued", tone: "warn" };
  if (o.state === "idle") return { text: "◌ on demand", tone: "muted" };
  return serviceStateLabel(s, now);
}

/** What the orchestrator does with a service, in words (detail views, the line under the table). */
export function orchestrationLabel(o: OrchestrationView | null): Label | null {
  if (!o) return null;
  const why = o.reason ? `: ${o.reason}` : "";
  switch (o.state) {
    case "queued":
      return { text: `queued${why}`, tone: "warn" };
    case "proving":
      return { text: `started for a proof${why}`, tone: "accent" };
    case "idle":
      return { text: `idle, started on demand for its next proof${why}`, tone: "muted" };
    case "hand":
      return { text: `by hand, left alone until handed back${why}`, tone: "info" };
  }
}

export function operatorLabel(op: OperatorStatus): Label {
  switch (op.kind) {
    case "none":
      return { text: "—", tone: "muted" };
    case "idle":
      return { text: "Idle", tone: "plain" };
    case "proving":
      return { text: `Proving pass ${op.pass}${op.percent != null ? " " + formatPercent(op.percent) : ""}`, tone: "accent" };
    case "done":
      return { text: "DoneProving", tone: "info" };
    case "unreachable":
      return { text: "unreachable", tone: "warn" };
  }
}

/** Operator status in a narrow cell: `idle`, `p1 42%`, `done`, `unreach`. */
export function operatorShort(op: OperatorStatus): Label {
  switch (op.kind) {
    case "none":
      return { text: "—", tone: "muted" };
    case "idle":
      return { text: "idle", tone: "plain" };
    case "proving":
      return { text: `p${op.pass} ${op.percent != null ? formatPercent(op.percent) : "…"}`, tone: "accent" };
    case "done":
      return { text: "done", tone: "info" };
    case "unreachable":
      return { text: "unreach", tone: "warn" };
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
