// start / stop / restart from the console: one service (the selected row) or all; a proving
// service asks first (a confirmation that defaults to No); every result is reported.
import type { DaemonClient } from "../../client/types.js";
import type { IdentityView, ServiceView } from "../../protocol/model.js";
import type { Tone } from "../theme.js";
import type { UiStore } from "./useUiState.js";
import { confirmationText, provingNote, type ServiceAction } from "../service-labels.js";

const PAST = { start: "started", stop: "stopped", restart: "restarted" } as const;

/** What a start/stop/restart did, every result counted: `✔ stopped 14 · ✖ 2 not stopped: post3 (proving…), …`. */
export function bulkResultText(route: ServiceAction, results: { name: string; ok: boolean; message: string }[], bulk: boolean): { text: string; tone: Tone } {
  if (results.length === 0) return { text: `${route}: nothing to do`, tone: "muted" };
  const good = results.filter((x) => x.ok);
  const bad = results.filter((x) => !x.ok);
  if (!bulk && results.length === 1) {
    const r = results[0]!;
    return r.ok ? { text: `✔ ${route} ${r.name}: ${r.message || "ok"}`, tone: "ok" } : { text: `✖ ${route} ${r.name}: ${r.message}`, tone: "err" };
  }
  const parts: string[] = [];
  if (good.length) parts.push(`✔ ${PAST[route]} ${good.length}`);
  if (bad.length) parts.push(`✖ ${bad.length} not ${PAST[route]}: ${bad.map((x) => `${x.name} (${x.message})`).join(", ")}`);
  return { text: parts.join(" · "), tone: bad.length ? "err" : "ok" };
}

export interface ServiceActions {
  /** Asks the daemon, says what it is doing, then every result. */
  call(route: ServiceAction, names: string[], all: boolean, force: boolean): void;
  /** The selected service (`target`) or all: asks first when one is proving. */
  act(route: ServiceAction, target: ServiceView | "all"): void;
}

export function useServiceActions(
  client: DaemonClient,
  update: UiStore["update"],
  say: (text: string, tone: Tone) => void,
  services: ServiceView[],
  identities: IdentityView[],
): ServiceActions {
  const call = (route: ServiceAction, names: string[], all: boolean, force: boolean): void => {
    const what = all ? "all services" : names.join(", ");
    const verb = { start: "starting", stop: "stopping", restart: "restarting" }[route];
    say(`${verb} ${what}…`, "info");
    client
      .call(route, { names, all, force })
      .then((r) => {
        const text = bulkResultText(route, r.results, all || names.length > 1);
        say(text.text, text.tone);
      })
      .catch((err: unknown) => say(`✖ ${route} ${what} failed: ${err instanceof Error ? err.message : String(err)}`, "err"));
  };
  const act = (route: ServiceAction, target: ServiceView | "all"): void => {
    const all = target === "all";
    const targets = all ? services : [target];
    if (targets.length === 0) return say("no services configured", "warn");
    const notes = targets.map((s) => provingNote(s, identities)).filter((n): n is string => n !== null);
    const text = confirmationText(route, notes);
    const names = all ? [] : targets.map((s) => s.name);
    if (text) {
      const label = `${route} ${all ? "all" : names.join(", ")} anyway`;
      update((x) => ({ ...x, input: null, overlay: { kind: "confirm", title: `Confirm ${route}`, text, confirmLabel: label, route, names, all } }));
      return;
    }
    call(route, names, all, false);
  };
  return { call, act };
}
