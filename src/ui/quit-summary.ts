// What the console says when it closes: what keeps running under the daemon. In on-demand mode
// services stop between proofs, so "0 services keep running" would read as if nothing proves:
// then it says the daemon keeps proving on demand, and for how many identities.
import type { IdentityView, ServiceView } from "../protocol/model.js";

export interface QuitSummary {
  running: number; // services still running (or starting / in backoff) under the daemon
  daemonPid: number | null;
  /** Set when the daemon's orchestrator starts services for proofs (on-demand mode). */
  onDemand?: { identities: number };
}

const KEEPS_RUNNING = new Set(["running", "starting", "stopping", "backoff"]);

export function quitSummary(services: ServiceView[], daemonPid: number | null, identities: IdentityView[] = []): QuitSummary {
  const summary: QuitSummary = { running: services.filter((s) => KEEPS_RUNNING.has(s.state)).length, daemonPid };
  // the orchestrator fills `orchestration` only in on-demand mode
  if (services.some((s) => s.orchestration != null)) summary.onDemand = { identities: Math.max(identities.length, services.length) };
  return summary;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function closingMessage(s: QuitSummary | null, reattach = "postdeck"): string {
  if (!s) return `postdeck: console closed; the daemon and its services keep running. Reattach with \`${reattach}\`.`;
  const pid = s.daemonPid != null ? ` (pid ${s.daemonPid})` : "";
  if (s.onDemand) {
    const now = s.running ? `; ${plural(s.running, "service runs", "services run")} now` : "";
    return `postdeck: console closed; the daemon${pid} keeps proving on demand for ${plural(s.onDemand.identities, "identity", "identities")}, starting each post-service when its proof is due${now}. Reattach with \`${reattach}\`.`;
  }
  const n = plural(s.running, "service", "services");
  return `postdeck: console closed; ${n} keep${s.running === 1 ? "s" : ""} running under the daemon${pid}. Reattach with \`${reattach}\`.`;
}
