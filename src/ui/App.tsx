// The console: header, four panes (or one at a time when the terminal is small), overlays
// (help, palette, details, confirmation) and the footer. All data comes from the daemon
// client; every action is a client call. Keys are resolved through keymap.ts.
import React, { useCallback, useEffect, useRef, useState } from "react";
import { Box, useApp } from "ink";
import { KeypressProvider, useKeypress, type Keypress } from "./input/keypress.js";
import type { DaemonClient } from "../client/types.js";
import type { ServiceView, TaskView } from "../protocol/model.js";
import { useDaemonStore, type DaemonStoreOptions } from "./hooks/useDaemonStore.js";
import { useTerminalSize } from "./hooks/useTerminalSize.js";
import { useClock } from "./hooks/useClock.js";
import { liveFiguresText } from "./live-figures.js";
import { ThemeContext, createTheme, type Tone } from "./theme.js";
import { computeLayout, hintRows } from "./layout.js";
import { flowFooter, footerFor } from "./footer-keys.js";
import { displayKeys, resolveKey, anyBinding, isDialogKey, PANES, PANE_TITLES, BINDINGS, type ActionId, type PaneId } from "./keymap.js";
import { initialUi, type UiState, type Overlay } from "./state/ui-state.js";
import { joinFleet, visibleFleet, nextFleetSort, type FleetRow } from "./fleet.js";
import { confirmationText, provingNote, type ServiceAction } from "./service-labels.js";
import { findMatch, matchPosition, moveAnchor, topAnchor, viewEnd } from "./log-view.js";
import { ALL_SOURCES } from "./state/log-buffer.js";
import { hardwareLines } from "./panes/HardwarePane.js";
import { Header, clockSegments, connectionSegments } from "./components/Header.js";
import { Footer } from "./components/Footer.js";
import type { Segment } from "./components/Line.js";
import { FleetPane, fleetColumns } from "./panes/FleetPane.js";
import { LogsPane } from "./panes/LogsPane.js";
import { HardwarePane } from "./panes/HardwarePane.js";
import { TextBlock } from "./components/TextBlock.js";
import { findingLines, helpLines, serviceDetail } from "./details.js";
import { IdentityView } from "./views/IdentityView.js";
import { PlanView } from "./views/PlanView.js";
import { clockLabels } from "../presentation/clock-labels.js";
import { fuzzyFilter } from "./fuzzy.js";
import { sanitize } from "./text-fit.js";
import { commandHint } from "../presentation/command-hint.js";
import type { AddContext } from "./flows/add-form.js";
import {
  flowFailure,
  flowKey,
  flowReply,
  isFlow,
  lateReply,
  openAdd,
  openImport,
  openRename,
  openResult,
  offerNodeRestart,
  sendRequest,
  type Flow,
  type Send,
  type Step,
} from "./flows/flows.js";
import { flowView } from "./flows/flow-lines.js";
import { quitSummary, type QuitSummary } from "./quit-summary.js";
export { quitSummary, type QuitSummary } from "./quit-summary.js";
import { taskLong } from "./flows/task-progress.js";
import { cancelAsk, retireAsk, rollbackAsk } from "./flows/asks.js";

export interface AppProps {
  client: DaemonClient;
  noColor?: boolean;
  now?: () => number;
  onQuit?: (summary: QuitSummary) => void;
  store?: DaemonStoreOptions;
  notice?: string; // first status-line message
  /** Starts the daemon when it is gone (the palette offers it); resolves to what to say. */
  startDaemon?: () => Promise<string>;
  /** Set by the Fleet view (src/ui/fleet/): quit (q, Ctrl-C) goes back to the fleet instead of closing the console. */
  onLeave?: () => void;
}

interface PaletteEntry {
  label: string;
  keys: string;
  run: () => void;
}

const SEVERITY = ["error", "warning", "info"];

const STATUS_MS = 8_000; // how long a status message stays (errors stay until a key is pressed)
const TASK_STATUS_MS = 4_000; // while a task runs its progress takes the status line back sooner

/** Whether the status line still shows a message (errors and sticky ones stay until replaced). */
function statusShown(status: UiState["status"], tasks: TaskView[], now: number): boolean {
  if (!status) return false;
  return status.tone === "err" || status.sticky === true || now - status.at < (tasks.some((t) => t.state === "running") ? TASK_STATUS_MS : STATUS_MS);
}

const segmentsText = (segs: Segment[]): string => segs.map((s) => s.text).join("");

/** The console: the keypress provider around the views (each subscribes with useKeypress). */
export function App(props: AppProps): React.JSX.Element {
  return (
    <KeypressProvider>
      <Console {...props} />
    </KeypressProvider>
  );
}

function Console({ client, noColor = false, now: clock = Date.now, onQuit, store: storeOpts, notice, startDaemon, onLeave }: AppProps): React.JSX.Element {
  const store = useDaemonStore(client, { figuresText: liveFiguresText, ...storeOpts });
  const { columns, rows } = useTerminalSize();
  const { exit } = useApp();
  const [ui, setUi] = useState<UiState>(() => (notice ? { ...initialUi, status: { text: notice, tone: "info", at: clock() } } : initialUi));
  const uiRef = useRef(ui);
  const update = useCallback((fn: (u: UiState) => UiState) => {
    uiRef.current = fn(uiRef.current);
    setUi(uiRef.current);
  }, []);

  const now = clock();
  const snap = store.state.snapshot;
  const services = snap?.services ?? [];
  const identities = snap?.identities ?? [];
  const findings = snap?.findings ?? [];
  const tasks = snap?.tasks ?? [];
  const fleet = joinFleet(identities, services);
  // Everything on screen that moves with the clock alone; the console redraws when it changes.
  const clockText = (t: number): string => {
    const cols = fleetColumns([], t).filter((c) => c.id === "service" || c.id === "uptime");
    const parts = fleet.map((r) => cols.map((c) => c.cell(r).text).join(" "));
    parts.push(segmentsText(connectionSegments(store.state.connection, snap?.daemon ?? null, store.state.bye, t)));
    parts.push(segmentsText(clockSegments(snap?.node ?? null, t)));
    parts.push(String(statusShown(ui.status, tasks, t)));
    const o = ui.overlay;
    if (o && (o.kind === "identity" || o.kind === "service" || o.kind === "plan")) parts.push(String(Math.floor(t / 1000))); // "… ago" in details
    return parts.join("\n");
  };
  useClock(1000, clock, clockText);

  // ---- derived views (computed from the latest ui, also inside key handlers) ----
  const derive = (u: UiState) => {
    const list = visibleFleet(fleet, u.sort, u.filter);
    let rowIndex = list.findIndex((r) => r.id === u.row);
    if (rowIndex === -1) rowIndex = 0;
    const selectedRow: FleetRow | null = list[rowIndex] ?? null;
    const selectedService = selectedRow?.service ?? null;
    const selectedIdentity = selectedRow?.identity ?? null;
    const logSource = u.log.source === "selection" ? (selectedService?.name ?? ALL_SOURCES) : u.log.source;
    const ring = store.logs.ring(logSource);
    const sameRing = u.log.anchorFor === logSource;
    const anchor = sameRing ? u.log.anchor : null;
    const current = sameRing ? u.log.current : null;
    const layout = computeLayout(
      columns,
      rows,
      { fleet: list.length + (list.some((r) => r.service?.state === "failed") ? 1 : 0), hardware: snap?.hardware ? hardwareLines(snap.hardware).length : 1 },
      u.focus,
      u.zoom,
    );
    const logsBox = layout.columns.find((c) => c.panes.some((p) => p.id === "logs"));
    const logsHeight = Math.max(1, (logsBox?.panes.find((p) => p.id === "logs")?.height ?? 2) - 1);
    return { rows: list, rowIndex, selectedRow, selectedService, selectedIdentity, logSource, ring, anchor, current, layout, logsHeight };
  };
  const d = derive(ui);

  // ---- status line and daemon calls ----
  const say = (text: string, tone: Tone = "info", sticky = false) =>
    update((u) => ({ ...u, status: { text, tone, at: clock(), sticky } }));

  // ---- identity dialogs: each step may open/replace/close the dialog, say something, send one request ----
  const addCtx: AddContext = { demo: snap?.daemon.demo ?? false, nodeSupervised: snap?.node.supervised != null, services, identities };
  const myTasks = useRef(new Set<string>());
  const applyStep = (step: Step) => {
    update((x) => ({ ...x, input: null, overlay: step.flow }));
    if (step.say) say(step.say.text, step.say.tone, step.say.sticky ?? false);
    if (step.send && step.flow) sendFor(step.flow, step.send);
  };
  const sendFor = (flow: Flow, send: Send) => {
    const current = (): Flow | null => {
      const o = uiRef.current.overlay;
      return o && isFlow(o) && o.token === flow.token ? o : null;
    };
    sendRequest(client, send)
      .then((a) => {
        if (a.route === "identityAdd") myTasks.current.add(a.reply.task.id);
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

  // A task that ends says how it ended (its message says what to do next), and stays said.
  const taskSeen = useRef(new Map<string, string>());
  useEffect(() => {
    for (const t of tasks) {
      const before = taskSeen.current.get(t.id);
      taskSeen.current.set(t.id, t.state);
      if (t.state === "running" || before === t.state) continue;
      if (before === "running" || (before === undefined && myTasks.current.has(t.id))) {
        const mark = t.state === "done" ? "✔" : t.state === "failed" ? "✖" : "○";
        say(`${mark} ${taskLong(t)}`, t.state === "done" ? "ok" : t.state === "failed" ? "err" : "warn", true);
        // The operator started it here and nothing else is open: offer the restart the new key needs.
        if (t.state === "done" && t.kind === "identity-add" && myTasks.current.has(t.id) && addCtx.nodeSupervised && !uiRef.current.overlay && !uiRef.current.input)
          applyStep(armed({ ...offerNodeRestart(t.message), say: { text: `${mark} ${taskLong(t)}`, tone: "ok", sticky: true } }));
      }
    }
  }, [tasks]); // eslint-disable-line react-hooks/exhaustive-deps

  const callServices = (route: ServiceAction, names: string[], all: boolean, force: boolean) => {
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

  const serviceAction = (route: ServiceAction, all: boolean) => {
    const u = uiRef.current;
    const dd = derive(u);
    let targets: ServiceView[];
    if (all) targets = services;
    else {
      if (u.focus !== "identities") {
        say(`${route} works on the selected row of Identities: Tab there first (S/X act on all)`, "warn");
        return;
      }
      const name = dd.selectedService?.name ?? dd.selectedIdentity?.service ?? undefined;
      if (!name) {
        say(dd.selectedRow ? `${dd.selectedRow.name} has no post-service configured` : "nothing selected", "warn");
        return;
      }
      const s = services.find((x) => x.name === name);
      if (!s) {
        say(`service ${name} is not known to the daemon`, "warn");
        return;
      }
      targets = [s];
    }
    if (targets.length === 0) {
      say("no services configured", "warn");
      return;
    }
    const notes = targets.map((s) => provingNote(s, identities)).filter((n): n is string => n !== null);
    const text = confirmationText(route, notes);
    const names = all ? [] : targets.map((s) => s.name);
    if (text) {
      const label = `${route} ${all ? "all" : names.join(", ")} anyway`;
      update((x) => ({
        ...x,
        input: null,
        overlay: { kind: "confirm", title: `Confirm ${route}`, text, confirmLabel: label, route, names, all },
      }));
      return;
    }
    callServices(route, names, all, false);
  };

  const quit = () => {
    if (onLeave) return onLeave();
    onQuit?.(quitSummary(store.state.snapshot?.services ?? [], store.state.snapshot?.daemon.pid ?? null, store.state.snapshot?.identities ?? []));
    exit();
  };

  // ---- log view helpers ----
  const setLog = (fn: (l: UiState["log"], dd: ReturnType<typeof derive>) => Partial<UiState["log"]>) =>
    update((u) => {
      const dd = derive(u);
      const base = { ...u.log, anchor: dd.anchor, current: dd.current, anchorFor: dd.logSource };
      return { ...u, log: { ...base, ...fn(base, dd) } };
    });
  const scrollLogs = (delta: number) =>
    setLog((l, dd) => ({ anchor: moveAnchor(dd.ring, l.anchor, delta, l.filter, dd.logsHeight) }));
  const jumpMatch = (dir: -1 | 1) => {
    const u = uiRef.current;
    if (!u.log.search) {
      say("no search: press / to search the log", "warn");
      return;
    }
    const dd = derive(u);
    const from = dd.current ?? (dir === -1 ? viewEnd(dd.ring, dd.anchor) : viewEnd(dd.ring, dd.anchor) - 1);
    const m = findMatch(dd.ring, from, dir, u.log.search, u.log.filter);
    if (m == null) {
      say(`no ${dir === -1 ? "older" : "newer"} match for "${u.log.search}"`, "warn");
      return;
    }
    // Pause with the match in the middle of the pane, context above and below.
    const end = moveAnchor(dd.ring, m + 1, Math.floor(dd.logsHeight / 2), u.log.filter, dd.logsHeight);
    setLog(() => ({ current: m, anchor: end ?? dd.ring.end }));
  };
  const logSources = () => ["selection", ALL_SOURCES, "node", ...services.map((s) => s.name)];

  // ---- actions ----
  const perform = (action: ActionId) => {
    const u = uiRef.current;
    const dd = derive(u);
    const pane = u.focus;
    const table = pane === "identities";
    const moveSel = (delta: number | "top" | "bottom") => {
      const n = dd.rows.length;
      const i = delta === "top" ? 0 : delta === "bottom" ? n - 1 : dd.rowIndex + delta;
      const r = dd.rows[Math.max(0, Math.min(n - 1, i))];
      if (r) update((x) => ({ ...x, row: r.id }));
    };
    const tablePage = Math.max(1, (d.layout.columns.flatMap((c) => c.panes).find((p) => p.id === pane)?.height ?? 4) - 2);
    switch (action) {
      case "focus-next":
      case "focus-prev": {
        const i = PANES.indexOf(pane);
        const next = PANES[(i + (action === "focus-next" ? 1 : PANES.length - 1)) % PANES.length]!;
        update((x) => ({ ...x, focus: next }));
        return;
      }
      case "move-up":
        return table ? moveSel(-1) : pane === "logs" ? scrollLogs(-1) : undefined;
      case "move-down":
        return table ? moveSel(1) : pane === "logs" ? scrollLogs(1) : undefined;
      case "page-up":
        return table ? moveSel(-tablePage) : pane === "logs" ? scrollLogs(-dd.logsHeight) : undefined;
      case "page-down":
        return table ? moveSel(tablePage) : pane === "logs" ? scrollLogs(dd.logsHeight) : undefined;
      case "top":
        return table ? moveSel("top") : pane === "logs" ? setLog((l, x) => ({ anchor: topAnchor(x.ring, l.filter, x.logsHeight) })) : undefined;
      case "bottom":
        return table ? moveSel("bottom") : pane === "logs" ? setLog(() => ({ anchor: null })) : undefined;
      case "details":
        if (pane === "identities" && dd.selectedIdentity)
          update((x) => ({ ...x, overlay: { kind: "identity", keyFile: dd.selectedIdentity!.keyFile, scroll: 0 } }));
        else if (pane === "identities" && dd.selectedService)
          update((x) => ({ ...x, overlay: { kind: "service", name: dd.selectedService!.name, scroll: 0 } }));
        else say("nothing selected", "warn");
        return;
      case "back":
        if (pane === "logs" && (u.log.search || u.log.filter || dd.anchor != null)) {
          if (u.log.search) setLog(() => ({ search: "", current: null }));
          else if (u.log.filter) setLog(() => ({ filter: "", anchor: null }));
          else setLog(() => ({ anchor: null }));
        } else if (pane === "identities" && u.filter) update((x) => ({ ...x, filter: "" }));
        else if (u.zoom) update((x) => ({ ...x, zoom: false }));
        else update((x) => ({ ...x, status: null }));
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
        update((x) => ({ ...x, sort: { ...x.sort, key: nextFleetSort(x.sort.key) } }));
        return;
      case "zoom":
        update((x) => ({ ...x, zoom: !x.zoom }));
        return;
      case "sort-reverse":
        update((x) => ({ ...x, sort: { ...x.sort, desc: !x.sort.desc } }));
        return;
      case "filter":
        update((x) => ({ ...x, focus: "identities", input: { kind: "fleet-filter", text: x.filter, before: x.filter } }));
        return;
      case "search":
        update((x) => ({ ...x, focus: "logs", input: { kind: "log-search", text: x.log.search, before: x.log.search } }));
        return;
      case "log-filter": {
        // `&` right after a search filters by it (less's `&`): no need to type it again.
        const text = u.log.filter || u.log.search;
        update((x) => ({ ...x, focus: "logs", input: { kind: "log-filter", text, before: x.log.filter } }));
        if (!u.log.filter && u.log.search) setLog(() => ({ filter: text, anchor: null }));
        return;
      }
      case "search-older":
        return jumpMatch(-1);
      case "search-newer":
        return jumpMatch(1);
      case "log-source": {
        const list = logSources();
        update((x) => ({ ...x, input: null, overlay: { kind: "sources", index: Math.max(0, list.indexOf(u.log.source)) } }));
        return;
      }
      case "wrap":
        update((x) => ({ ...x, log: { ...x.log, wrap: !x.log.wrap } }));
        return;
      case "palette":
        update((x) => ({ ...x, input: null, overlay: { kind: "palette", query: "", index: 0 } }));
        return;
      case "help":
        update((x) => ({ ...x, input: null, overlay: { kind: "help", scroll: 0 } }));
        return;
      case "findings":
        update((x) => ({ ...x, input: null, overlay: { kind: "findings", scroll: 0 } }));
        return;
      case "plan":
        update((x) => ({ ...x, input: null, overlay: { kind: "plan", scroll: 0 } }));
        return;
      case "quit":
        return quit();
      case "doctor":
        say("asking the daemon's doctor…", "info");
        client
          .call("doctor", {})
          .then((r) => {
            const e = r.findings.filter((f) => f.severity === "error").length;
            const w = r.findings.filter((f) => f.severity === "warning").length;
            const first = r.findings.find((f) => f.severity !== "info");
            say(
              e + w === 0
                ? "✔ doctor: nothing needs attention"
                : `doctor: ${e} error(s), ${w} warning(s)${first ? ` — ${first.title}` : ""} (Enter on an identity shows fixes)`,
              e ? "err" : w ? "warn" : "ok",
            );
          })
          .catch((err: unknown) => say(`✖ doctor failed: ${err instanceof Error ? err.message : String(err)}`, "err"));
        return;
      case "restart-node":
        if (!snap?.node.supervised) {
          say("postdeck does not supervise the node here: restart it the way you run it (node.log.command is not set)", "warn");
          return;
        }
        callServices("restart", ["node"], false, false);
        return;
      case "identity-add":
        update((x) => ({ ...x, focus: "identities" }));
        return applyStep(openAdd(addCtx));
      case "identity-import":
        update((x) => ({ ...x, focus: "identities" }));
        return applyStep(openImport());
      case "identity-rename":
      case "identity-retire": {
        const i = pane === "identities" ? dd.selectedIdentity : null;
        if (!i) {
          const [verb, key] = action === "identity-retire" ? ["retire", "R"] : ["rename", "e"];
          say(`${verb} works on the selected row of Identities: Tab there first (${key})`, "warn");
          return;
        }
        return applyStep(action === "identity-rename" ? openRename(i.keyFile, i.postState === "PROVING") : retireAsk(i));
      }
      case "task-cancel": {
        const step = cancelAsk(tasks);
        if (step) applyStep(step);
        else say("no task is running", "muted");
        return;
      }
      case "identity-rollback":
        return applyStep(rollbackAsk());
      case "identity-permissions": {
        const step = openResult("Fix key permissions", [[{ text: "  … checking and fixing in the daemon", tone: "info" }]]);
        return applyStep({ flow: { ...step.flow!, busy: true }, send: { route: "identityPermissions", body: { fix: true } } });
      }
      case "reload":
        say("reloading the config…", "info");
        client
          .call("reload", {})
          .then((r) => say(`${r.ok ? "✔" : "✖"} reload: ${r.message}`, r.ok ? "ok" : "err"))
          .catch((err: unknown) => say(`✖ reload failed: ${err instanceof Error ? err.message : String(err)}`, "err"));
        return;
    }
  };

  const paletteEntries = (): PaletteEntry[] => {
    const seen = new Set<string>();
    const out: PaletteEntry[] = [];
    if (store.state.connection.kind !== "connected" || store.state.bye)
      out.push({
        label: "start the daemon (it is not answering)",
        keys: "",
        run: () => {
          if (!startDaemon) return say(`start it from a shell: ${commandHint("daemon start")}`, "warn", true);
          say("starting the daemon…", "info");
          startDaemon().then(
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
        label: b.label + (pane && pane !== uiRef.current.focus ? ` (${PANE_TITLES[pane]})` : ""),
        keys: displayKeys(b),
        run: () => {
          if (pane && uiRef.current.focus !== pane) update((x) => ({ ...x, focus: pane }));
          perform(b.action);
        },
      });
    }
    for (const s of services) {
      for (const route of ["start", "stop", "restart"] as const)
        out.push({
          label: `${route} ${s.name}`,
          keys: "",
          run: () => {
            const r = fleet.find((x) => x.service?.name === s.name);
            update((x) => ({ ...x, focus: "identities", row: r?.id ?? x.row, filter: "" }));
            serviceAction(route, false);
          },
        });
    }
    for (const src of logSources())
      out.push({
        label: `log source: ${src === "selection" ? "follow the selected service" : src}`,
        keys: "",
        run: () => update((x) => ({ ...x, focus: "logs", log: { ...x.log, source: src, anchor: null, current: null } })),
      });
    return out;
  };

  // ---- key handling ----
  const handleText = (input: string, name: string): boolean => {
    const u = uiRef.current;
    const t = u.input;
    if (!t) return false;
    const apply = (text: string) => {
      if (t.kind === "fleet-filter") update((x) => ({ ...x, input: { ...t, text }, filter: text }));
      else if (t.kind === "log-filter") update((x) => ({ ...x, input: { ...t, text }, log: { ...x.log, filter: text, anchor: null } }));
      else update((x) => ({ ...x, input: { ...t, text }, log: { ...x.log, search: text, current: null } }));
    };
    if (name === "esc") {
      apply(t.before);
      update((x) => ({ ...x, input: null }));
    } else if (name === "enter") {
      update((x) => ({ ...x, input: null }));
      if (t.kind === "log-search" && t.text) {
        setLog((l, dd) => ({ current: findMatch(dd.ring, viewEnd(dd.ring, l.anchor), -1, l.search, l.filter) }));
        const dd = derive(uiRef.current);
        if (uiRef.current.log.current == null) say(`no line matches "${t.text}" in ${dd.logSource}`, "warn");
      }
    } else if (name === "backspace") apply([...t.text].slice(0, -1).join(""));
    else if (name.startsWith("ctrl+") || name === "tab" || name === "shift+tab" || name.length > 1 && !input) {
      /* ignore other special keys while typing */
    } else if (input) apply(t.text + sanitize(input));
    return true;
  };

  const handleOverlay = (input: string, name: string): boolean => {
    const u = uiRef.current;
    const o = u.overlay;
    if (!o) return false;
    if (isFlow(o)) {
      if (o.armAt != null && performance.now() < o.armAt) return true; // it just popped up: this key was meant for something else
      applyStep(flowKey(o, name, input, addCtx));
      return true;
    }
    const close = () => update((x) => ({ ...x, overlay: null }));
    const scrollBy = (n: number) => update((x) => (x.overlay && "scroll" in x.overlay ? { ...x, overlay: { ...x.overlay, scroll: Math.max(0, x.overlay.scroll + n) } } : x));
    if (o.kind === "confirm") {
      if (isDialogKey(name, "confirm")) {
        close();
        callServices(o.route, o.names, o.all, true);
      } else if (isDialogKey(name, "cancel")) {
        close();
        say(`cancelled: nothing was ${o.route === "start" ? "started" : o.route === "stop" ? "stopped" : "restarted"}`, "muted");
      } else say("y confirms, n / Esc cancels (Enter alone does not confirm)", "warn");
      return true;
    }
    if (o.kind === "sources") {
      const list = logSources();
      if (isDialogKey(name, "close")) close();
      else if (isDialogKey(name, "accept")) {
        const src = list[Math.min(o.index, list.length - 1)] ?? "selection";
        close();
        update((x) => ({ ...x, focus: "logs", log: { ...x.log, source: src, anchor: null, current: null } }));
      } else if (isDialogKey(name, "up")) update((x) => ({ ...x, overlay: { ...o, index: Math.max(0, o.index - 1) } }));
      else if (isDialogKey(name, "down")) update((x) => ({ ...x, overlay: { ...o, index: Math.min(list.length - 1, o.index + 1) } }));
      else if (isDialogKey(name, "top")) update((x) => ({ ...x, overlay: { ...o, index: 0 } }));
      return true;
    }
    if (o.kind === "palette") {
      const entries = fuzzyFilter(o.query, paletteEntries(), (e) => e.label);
      if (name === "esc") close();
      else if (name === "enter") {
        const e = entries[Math.min(o.index, entries.length - 1)];
        close();
        if (e) e.run();
        else say(`no action matches "${o.query}"`, "warn");
      } else if (name === "up") update((x) => ({ ...x, overlay: { ...o, index: Math.max(0, o.index - 1) } }));
      else if (name === "down") update((x) => ({ ...x, overlay: { ...o, index: Math.min(entries.length - 1, o.index + 1) } }));
      else if (name === "backspace") update((x) => ({ ...x, overlay: { ...o, query: [...o.query].slice(0, -1).join(""), index: 0 } }));
      else if (input && !name.startsWith("ctrl+") && name.length === input.length)
        update((x) => ({ ...x, overlay: { ...o, query: o.query + sanitize(input), index: 0 } }));
      return true;
    }
    // help and details: scroll, close
    if (isDialogKey(name, "close") || (o.kind === "help" && name === "?")) close();
    else if (isDialogKey(name, "down")) scrollBy(1);
    else if (isDialogKey(name, "up")) scrollBy(-1);
    else if (isDialogKey(name, "pageDown")) scrollBy(Math.max(1, d.layout.bodyHeight - 2));
    else if (isDialogKey(name, "pageUp")) scrollBy(-Math.max(1, d.layout.bodyHeight - 2));
    else if (isDialogKey(name, "top")) update((x) => (x.overlay && "scroll" in x.overlay ? { ...x, overlay: { ...x.overlay, scroll: 0 } } : x));
    else if (name === "?") update((x) => ({ ...x, overlay: { kind: "help", scroll: 0 } }));
    else say("Esc closes this view", "muted");
    return true;
  };

  const handle = ({ name, input }: Keypress): void => {
    if (name === "ctrl+c") return quit();
    // An error (or a result to act on) stays until a key is pressed, then fades like any message.
    const st = uiRef.current.status;
    if (st && (st.tone === "err" || st.sticky)) update((x) => ({ ...x, status: x.status === st ? { ...st, tone: st.tone === "err" ? "warn" : st.tone, sticky: false, at: clock() } : x.status }));
    if (handleText(input, name)) return;
    if (handleOverlay(input, name)) return;
    const action = resolveKey(name, uiRef.current.focus);
    if (action) return perform(action);
    if (!name) return;
    const elsewhere = anyBinding(name);
    if (elsewhere)
      say(`${name}: "${elsewhere.label}" does not apply in ${PANE_TITLES[uiRef.current.focus]} — ? lists the keys`, "warn");
    else say(`key ${name.length > 12 ? name.slice(0, 12) + "…" : name} does nothing here — ? lists the keys`, "muted");
  };
  useKeypress((k) => {
    handle(k);
    return true;
  });

  // ---- render ----
  const { layout } = d;
  const width = Math.min(columns, 250);
  const theme = createTheme(noColor);
  const sourceWidth = Math.min(12, Math.max(4, ...services.map((s) => s.name.length), 4));

  // The daemon went away: what is on screen is its last word, dimmed and marked.
  const stale = snap != null && (store.state.connection.kind !== "connected" || store.state.bye != null);
  const renderPane = (id: PaneId, w: number, h: number) => {
    const focused = ui.focus === id;
    switch (id) {
      case "identities":
        return (
          <FleetPane
            key={id}
            rows={d.rows}
            all={fleet}
            findings={findings}
            sort={ui.sort}
            filter={ui.filter}
            selected={d.rowIndex}
            focused={focused}
            width={w}
            height={h}
            now={now}
            tasks={tasks}
            stale={stale}
            connecting={!snap}
          />
        );
      case "logs": {
        const label = ui.log.source === "selection" ? `${d.logSource} (follows selection)` : d.logSource;
        return (
          <LogsPane
            key={id}
            ring={d.ring}
            sourceLabel={label}
            interleaved={d.logSource === ALL_SOURCES}
            sourceWidth={sourceWidth}
            view={{ ...ui.log, anchor: d.anchor, current: d.current }}
            matchInfo={ui.log.search ? matchPosition(d.ring, d.current, ui.log.search, ui.log.filter) : null}
            now={now}
            focused={focused}
            width={w}
            height={h}
          />
        );
      }
      case "hardware":
        return <HardwarePane key={id} hardware={snap?.hardware ?? null} focused={focused} width={w} height={h} />;
    }
  };

  const renderOverlay = (o: Overlay, w: number, h: number) => {
    if (isFlow(o)) {
      const v = flowView(o, addCtx, w);
      return (
        <TextBlock
          title={v.title}
          info={[{ text: v.info }]}
          lines={v.lines}
          width={w}
          height={h}
          scroll={v.bottom ? Number.MAX_SAFE_INTEGER : (v.scroll ?? 0)}
          scrollHint={o.kind === "result" ? "↑↓ scroll" : ""}
        />
      );
    }
    switch (o.kind) {
      case "help":
        return <TextBlock title="Help: every key" info={[{ text: "Esc closes" }]} lines={helpLines(w)} width={w} height={h} scroll={o.scroll} />;
      case "findings": {
        const sorted = [...findings].sort((a, b) => SEVERITY.indexOf(a.severity) - SEVERITY.indexOf(b.severity));
        const lines: Segment[][] = sorted.length
          ? sorted.flatMap((f) => [
              [{ text: `${f.subject ?? "rig"}`, bold: true, underline: true }],
              ...findingLines([f]),
              [],
            ])
          : [[{ text: "  ✔ nothing needs attention", tone: "ok" }]];
        return <TextBlock title={`Findings (${findings.length})`} info={[{ text: "Esc back" }]} lines={lines} width={w} height={h} scroll={o.scroll} />;
      }
      case "identity": {
        const i = identities.find((x) => x.keyFile === o.keyFile);
        const svc = i?.service ? services.find((x) => x.name === i.service) : undefined;
        const epoch = snap?.node.clock ? clockLabels(snap.node.clock, now).epoch : (snap?.node.epoch ?? null);
        return <IdentityView client={client} keyFile={o.keyFile} identity={i} service={svc} findings={findings} volumes={snap?.hardware?.volumes ?? []} epoch={epoch} now={now} width={w} height={h} scroll={o.scroll} />;
      }
      case "plan":
        return <PlanView client={client} now={now} width={w} height={h} scroll={o.scroll} />;
      case "service": {
        const s = services.find((x) => x.name === o.name);
        const lines = s ? serviceDetail(s, now) : [[{ text: `  ${o.name} is no longer configured`, tone: "warn" as const }]];
        return <TextBlock title={`Service ${o.name}`} info={[{ text: "Esc back" }]} lines={lines} width={w} height={h} scroll={o.scroll} />;
      }
      case "confirm": {
        const lines: Segment[][] = [
          [],
          [{ text: "  ! ", tone: "warn", bold: true }, { text: o.text, bold: true }],
          [],
          [{ text: "  y         ", bold: true, tone: "info" }, { text: o.confirmLabel + " (force)" }],
          [{ text: "  n / Esc   ", bold: true, tone: "info" }, { text: "cancel, leave it proving (the default: Enter alone does nothing)" }],
        ];
        return <TextBlock title={o.title} lines={lines} width={w} height={h} scroll={0} />;
      }
      case "sources": {
        const list = logSources();
        const lines: Segment[][] = list.map((src, i) => [
          { text: i === o.index ? " › " : "   ", bold: true },
          { text: src === "selection" ? "follow the selected row's service" : src === ALL_SOURCES ? "all sources, interleaved" : src, inverse: i === o.index, bold: src === ui.log.source },
          { text: src === ui.log.source ? "  (now)" : "", tone: "muted" },
        ]);
        const room = Math.max(1, h - 1);
        const top = Math.max(0, o.index - room + 1);
        return <TextBlock title="Log source" info={[{ text: `${list.length} sources · ↑↓ pick · Enter show · Esc close` }]} lines={lines.slice(top)} width={w} height={h} scroll={0} wrap={false} />;
      }
      case "palette": {
        const entries = fuzzyFilter(o.query, paletteEntries(), (e) => e.label);
        const idx = Math.min(o.index, Math.max(0, entries.length - 1));
        const room = Math.max(1, h - 2);
        const top = Math.max(0, idx - room + 1);
        const lines: Segment[][] = [[{ text: " : ", bold: true, tone: "info" }, { text: o.query }, { text: "█" }]];
        if (entries.length === 0) lines.push([{ text: "   no action matches", tone: "muted" }]);
        entries.slice(top, top + room).forEach((e, i) => {
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
            info={[{ text: `${entries.length} actions · type to filter · ↑↓ pick · Enter run · Esc close` }]}
            lines={lines}
            width={w}
            height={h}
            scroll={0}
            wrap={false}
          />
        );
      }
    }
  };

  const body = ui.overlay ? (
    renderOverlay(ui.overlay, width, layout.bodyHeight)
  ) : (
    <Box flexDirection="row" height={layout.bodyHeight} width={width}>
      {layout.columns.map((c, ci) => (
        <Box key={ci} flexDirection="column" width={c.width} height={layout.bodyHeight}>
          {c.panes.map((p) => renderPane(p.id, c.width, p.height))}
        </Box>
      ))}
    </Box>
  );

  // footer keys: overlay keys, text input keys, or the focused pane's keys
  const footerKeys: [string, string][] = ui.input
    ? [["Enter", "apply"], ["Esc", "cancel"], ["Backspace", "delete"]]
    : ui.overlay && isFlow(ui.overlay)
      ? flowFooter(ui.overlay, addCtx.nodeSupervised === true)
    : ui.overlay?.kind === "confirm"
      ? [["y", "confirm"], ["n/Esc", "cancel (default)"]]
    : ui.overlay?.kind === "sources"
      ? [["↑↓", "pick"], ["Enter", "show"], ["Esc", "close"]]
      : ui.overlay?.kind === "palette"
        ? [["↑↓", "pick"], ["Enter", "run"], ["Esc", "close"]]
        : ui.overlay
          ? [["↑↓/jk", "scroll"], ["Esc", "back"], ["?", "help"], ["Ctrl-C", "quit"]]
          : footerFor(ui.focus, layout, tasks.some((t) => t.state === "running"));

  const status: Segment[] = ui.input
    ? [
        { text: ui.input.kind === "fleet-filter" ? "filter identities: " : ui.input.kind === "log-filter" ? "filter log (hide others): " : "search log: ", bold: true, tone: "info" },
        { text: ui.input.text },
        { text: "█" },
      ]
    : ui.status && statusShown(ui.status, tasks, now)
      ? [{ text: ui.status.text, tone: ui.status.tone }]
      : taskStatus(tasks);

  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={width} height={layout.height} overflowY="hidden">
        <Header daemon={snap?.daemon ?? null} node={snap?.node ?? null} connection={store.state.connection} bye={store.state.bye} width={width} now={now} />
        {body}
        <Footer keys={footerKeys} status={status} width={width} hintRows={hintRows(rows)} />
      </Box>
    </ThemeContext.Provider>
  );
}

const PAST = { start: "started", stop: "stopped", restart: "restarted" } as const;
const ARM_MS = 500; // a dialog that opens by itself ignores keys this long

/** A step whose dialog opened by itself: keys typed in the next ARM_MS are not taken as answers. */
function armed(step: Step): Step {
  return step.flow ? { ...step, flow: { ...step.flow, armAt: performance.now() + ARM_MS } } : step;
}

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

function taskStatus(tasks: TaskView[]): Segment[] {
  const running = tasks.filter((t) => t.state === "running");
  if (running.length === 0) return [];
  return running.flatMap((t, i) => [...(i ? [{ text: " | " }] : []), { text: "⟳ ", tone: "info" as const, bold: true }, { text: taskLong(t) }]);
}
