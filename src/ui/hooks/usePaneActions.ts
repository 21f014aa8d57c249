// The actions of the panes and the global keys (keymap.ts names them): what each does with the
// selection, the log view, the daemon and the dialogs. The focused pane hears its keys while no
// dialog is open and nothing is being typed; the palette runs the same actions by name.
import type { DaemonClient } from "../../client/types.js";
import type { Snapshot } from "../../protocol/model.js";
import type { Tone } from "../theme.js";
import type { UiState } from "../state/ui-state.js";
import type { ConsoleView } from "../console-view.js";
import type { UiStore } from "./useUiState.js";
import type { LogView } from "./useLogView.js";
import type { ServiceActions } from "./useServiceActions.js";
import type { AddContext } from "../flows/add-form.js";
import type { FleetRow } from "../fleet.js";
import type { PaletteEntry } from "../overlays/PaletteOverlay.js";
import { useKeypress } from "../input/keypress.js";
import { BINDINGS, displayKeys, PANES, PANE_TITLES, resolveKey, type ActionId, type PaneId } from "../keymap.js";
import { nextFleetSort } from "../fleet.js";
import { topAnchor } from "../log-view.js";
import { openAdd, openImport, openRename, openResult, type Step } from "../flows/flows.js";
import { cancelAsk, retireAsk, rollbackAsk } from "../flows/asks.js";
import { commandHint } from "../../presentation/command-hint.js";
import { provingNote } from "../service-labels.js";

export interface PaneDeps {
  client: DaemonClient;
  store: Pick<UiStore, "ref" | "update">;
  derive: (u: UiState) => ConsoleView;
  snap: Snapshot | null;
  fleet: FleetRow[];
  say: (text: string, tone: Tone, sticky?: boolean) => void;
  clearStatus: () => void;
  logView: LogView;
  services: ServiceActions;
  applyStep: (s: Step) => void;
  addCtx: AddContext;
  quit: () => void;
  daemonGone: boolean;
  startDaemon?: () => Promise<string>;
}

export function usePaneActions(d: PaneDeps): { perform: (a: ActionId) => void; paletteEntries: () => PaletteEntry[] } {
  const { client, store, derive, snap, say, logView } = d;
  const update = store.update;
  const services = snap?.services ?? [];
  const tasks = snap?.tasks ?? [];

  const serviceAction = (route: "start" | "stop" | "restart", all: boolean) => {
    if (all) return d.services.act(route, "all");
    const u = store.ref.current;
    if (u.focus !== "identities") return say(`${route} works on the selected row of Identities: Tab there first (S/X act on all)`, "warn");
    const v = derive(u);
    const name = v.selectedService?.name ?? v.selectedIdentity?.service ?? undefined;
    if (!name) return say(v.selectedRow ? `${v.selectedRow.name} has no post-service configured` : "nothing selected", "warn");
    const s = services.find((x) => x.name === name);
    if (!s) return say(`service ${name} is not known to the daemon`, "warn");
    d.services.act(route, s);
  };

  const ask = (what: string, call: () => Promise<{ text: string; tone: Tone }>, failed: string) => {
    say(what, "info");
    call().then(
      (r) => say(r.text, r.tone),
      (err: unknown) => say(`✖ ${failed} failed: ${err instanceof Error ? err.message : String(err)}`, "err"),
    );
  };

  const perform = (action: ActionId): void => {
    const u = store.ref.current;
    const v = derive(u);
    const pane = u.focus;
    const table = pane === "identities";
    const logs = pane === "logs";
    const moveSel = (delta: number | "top" | "bottom") => {
      const n = v.rows.length;
      const i = delta === "top" ? 0 : delta === "bottom" ? n - 1 : v.rowIndex + delta;
      const r = v.rows[Math.max(0, Math.min(n - 1, i))];
      if (r) update((x) => ({ ...x, row: r.id }));
    };
    const tablePage = Math.max(1, (v.layout.columns.flatMap((c) => c.panes).find((p) => p.id === pane)?.height ?? 4) - 2);
    const open = (overlay: UiState["overlay"]) => update((x) => ({ ...x, input: null, overlay }));
    switch (action) {
      case "focus-next":
      case "focus-prev": {
        const i = PANES.indexOf(pane);
        const next = PANES[(i + (action === "focus-next" ? 1 : PANES.length - 1)) % PANES.length]!;
        return update((x) => ({ ...x, focus: next }));
      }
      case "move-up":
        return table ? moveSel(-1) : logs ? logView.scroll(-1) : undefined;
      case "move-down":
        return table ? moveSel(1) : logs ? logView.scroll(1) : undefined;
      case "page-up":
        return table ? moveSel(-tablePage) : logs ? logView.scroll(-v.logsHeight) : undefined;
      case "page-down":
        return table ? moveSel(tablePage) : logs ? logView.scroll(v.logsHeight) : undefined;
      case "top":
        return table ? moveSel("top") : logs ? logView.set((l, x) => ({ anchor: topAnchor(x.ring, l.filter, x.logsHeight) })) : undefined;
      case "bottom":
        return table ? moveSel("bottom") : logs ? logView.set(() => ({ anchor: null })) : undefined;
      case "details":
        if (table && v.selectedIdentity) return update((x) => ({ ...x, overlay: { kind: "identity", keyFile: v.selectedIdentity!.keyFile, scroll: 0 } }));
        if (table && v.selectedService) return update((x) => ({ ...x, overlay: { kind: "service", name: v.selectedService!.name, scroll: 0 } }));
        return say("nothing selected", "warn");
      case "back":
        if (logs && (u.log.search || u.log.filter || v.anchor != null)) {
          if (u.log.search) logView.set(() => ({ search: "", current: null }));
          else if (u.log.filter) logView.set(() => ({ filter: "", anchor: null }));
          else logView.set(() => ({ anchor: null }));
        } else if (table && u.filter) update((x) => ({ ...x, filter: "" }));
        else if (u.zoom) update((x) => ({ ...x, zoom: false }));
        else d.clearStatus();
        return;
      case "start":
      case "stop":
      case "restart":
        return serviceAction(action, false);
      case "start-all":
        return serviceAction("start", true);
      case "stop-all":
        return serviceAction("stop", true);
      case "sort":
        return update((x) => ({ ...x, sort: { ...x.sort, key: nextFleetSort(x.sort.key) } }));
      case "zoom":
        return update((x) => ({ ...x, zoom: !x.zoom }));
      case "sort-reverse":
        return update((x) => ({ ...x, sort: { ...x.sort, desc: !x.sort.desc } }));
      case "filter":
        return update((x) => ({ ...x, focus: "identities", input: { kind: "fleet-filter", text: x.filter, before: x.filter } }));
      case "search":
        return update((x) => ({ ...x, focus: "logs", input: { kind: "log-search", text: x.log.search, before: x.log.search } }));
      case "log-filter": {
        // `&` right after a search filters by it (less's `&`): no need to type it again.
        const text = u.log.filter || u.log.search;
        update((x) => ({ ...x, focus: "logs", input: { kind: "log-filter", text, before: x.log.filter } }));
        if (!u.log.filter && u.log.search) logView.set(() => ({ filter: text, anchor: null }));
        return;
      }
      case "search-older":
        return logView.jumpMatch(-1);
      case "search-newer":
        return logView.jumpMatch(1);
      case "log-source":
        return open({ kind: "sources", index: Math.max(0, logView.sources().indexOf(u.log.source)) });
      case "wrap":
        return update((x) => ({ ...x, log: { ...x.log, wrap: !x.log.wrap } }));
      case "palette":
        return open({ kind: "palette", query: "", index: 0 });
      case "help":
        return open({ kind: "help", scroll: 0 });
      case "findings":
        return open({ kind: "findings", scroll: 0 });
      case "plan":
        return open({ kind: "plan", scroll: 0 });
      case "quit":
        return d.quit();
      case "doctor":
        return ask(
          "asking the daemon's doctor…",
          async () => {
            const r = await client.call("doctor", {});
            const e = r.findings.filter((f) => f.severity === "error").length;
            const w = r.findings.filter((f) => f.severity === "warning").length;
            const first = r.findings.find((f) => f.severity !== "info");
            return {
              text: e + w === 0 ? "✔ doctor: nothing needs attention" : `doctor: ${e} error(s), ${w} warning(s)${first ? ` — ${first.title}` : ""} (Enter on an identity shows fixes)`,
              tone: e ? "err" : w ? "warn" : "ok",
            };
          },
          "doctor",
        );
      case "restart-node":
        if (!snap?.node.supervised) return say("postdeck does not supervise the node here: restart it the way you run it (node.log.command is not set)", "warn");
        return d.services.call("restart", ["node"], false, false);
      case "identity-add":
        update((x) => ({ ...x, focus: "identities" }));
        return d.applyStep(openAdd(d.addCtx));
      case "identity-import":
        update((x) => ({ ...x, focus: "identities" }));
        return d.applyStep(openImport());
      case "identity-rename":
      case "identity-retire": {
        const i = table ? v.selectedIdentity : null;
        if (!i) {
          const [verb, key] = action === "identity-retire" ? ["retire", "R"] : ["rename", "e"];
          return say(`${verb} works on the selected row of Identities: Tab there first (${key})`, "warn");
        }
        // its service's proof is lost only when that service runs (on demand, the node waits in PROVING for a stopped or queued one)
        const proving = v.selectedService != null && provingNote(v.selectedService, snap?.identities ?? []) !== null;
        return d.applyStep(action === "identity-rename" ? openRename(i.keyFile, proving) : retireAsk(i, proving));
      }
      case "task-cancel": {
        const step = cancelAsk(tasks);
        return step ? d.applyStep(step) : say("no task is running", "muted");
      }
      case "identity-rollback":
        return d.applyStep(rollbackAsk());
      case "identity-permissions": {
        const step = openResult("Fix key permissions", [[{ text: "  … checking and fixing in the daemon", tone: "info" }]]);
        return d.applyStep({ flow: { ...step.flow!, busy: true }, send: { route: "identityPermissions", body: { fix: true } } });
      }
      case "reload":
        return ask(
          "reloading the config…",
          async () => {
            const r = await client.call("reload", {});
            return { text: `${r.ok ? "✔" : "✖"} reload: ${r.message}`, tone: r.ok ? "ok" : "err" };
          },
          "reload",
        );
    }
  };

  const paletteEntries = (): PaletteEntry[] => {
    const seen = new Set<string>();
    const out: PaletteEntry[] = [];
    if (d.daemonGone)
      out.push({
        label: "start the daemon (it is not answering)",
        keys: "",
        run: () => {
          const start = d.startDaemon;
          if (!start) return say(`start it from a shell: ${commandHint("daemon start")}`, "warn", true);
          say("starting the daemon…", "info");
          start().then(
            (text) => say(`✔ ${text}`, "ok"),
            (err: unknown) => say(`✖ could not start the daemon: ${err instanceof Error ? err.message : String(err)}`, "err"),
          );
        },
      });
    for (const b of BINDINGS) {
      if (b.palette === false || seen.has(b.label)) continue;
      seen.add(b.label);
      const pane: PaneId | null = b.scope === "logs" || b.scope === "identities" ? b.scope : b.scope === "tables" ? "identities" : null;
      out.push({
        label: b.label + (pane && pane !== store.ref.current.focus ? ` (${PANE_TITLES[pane]})` : ""),
        keys: displayKeys(b),
        run: () => {
          if (pane && store.ref.current.focus !== pane) update((x) => ({ ...x, focus: pane }));
          perform(b.action);
        },
      });
    }
    for (const s of services)
      for (const route of ["start", "stop", "restart"] as const)
        out.push({
          label: `${route} ${s.name}`,
          keys: "",
          run: () => {
            const r = d.fleet.find((x) => x.service?.name === s.name);
            update((x) => ({ ...x, focus: "identities", row: r?.id ?? x.row, filter: "" }));
            serviceAction(route, false);
          },
        });
    for (const src of logView.sources())
      out.push({
        label: `log source: ${src === "selection" ? "follow the selected service" : src}`,
        keys: "",
        run: () => update((x) => ({ ...x, focus: "logs", log: { ...x.log, source: src, anchor: null, current: null } })),
      });
    return out;
  };

  // the focused pane's keys and the global ones, while no dialog is open and nothing is typed
  useKeypress(
    ({ name }) => {
      const action = resolveKey(name, store.ref.current.focus);
      if (action) perform(action);
      else if (name) {
        // a key of another pane: say which pane (and what it does there), so Tab gets there
        const elsewhere = BINDINGS.filter((b) => b.keys.includes(name) && b.scope !== "global");
        const panes = [...new Set(elsewhere.map((b) => PANE_TITLES[b.scope === "tables" || b.scope === "global" ? "identities" : b.scope]))];
        if (elsewhere.length) say(`${name} works in ${panes.join(" and ")} (Tab there): ${elsewhere.map((b) => b.label).join(" / ")}`, "warn");
        else say(`key ${name.length > 12 ? name.slice(0, 12) + "…" : name} does nothing here — ? lists the keys`, "muted");
      }
      return true;
    },
    { isActive: () => !store.ref.current.input && !store.ref.current.overlay },
  );
  return { perform, paletteEntries };
}
