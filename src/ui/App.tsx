// The console: header, panes (or one at a time when the terminal is small), an overlay (help,
// palette, details, a confirmation, an identity dialog) and the footer. It only composes: the
// daemon's data comes from useDaemonStore, each concern has its hook (status line, tasks, service
// actions, log view, typed text, the panes' actions) and each overlay its file, owning its keys.
import React, { useMemo } from "react";
import { Box, useApp } from "ink";
import { KeypressProvider, useKeypress, useLastKeyAt } from "./input/keypress.js";
import type { DaemonClient } from "../client/types.js";
import type { IdentityView, ServiceView, TaskView } from "../protocol/model.js";
import { SLOW_MS, slowClockMs, useDaemonStore, type DaemonStoreOptions } from "./hooks/useDaemonStore.js";
import { useTerminalSize } from "./hooks/useTerminalSize.js";
import { useClock } from "./hooks/useClock.js";
import { useUiState } from "./hooks/useUiState.js";
import { useStatusLine } from "./hooks/useStatusLine.js";
import { useTasks, taskStatus } from "./hooks/useTasks.js";
import { useFlows, armed } from "./hooks/useFlows.js";
import { useServiceActions } from "./hooks/useServiceActions.js";
import { useLogView } from "./hooks/useLogView.js";
import { useTextInput } from "./hooks/useTextInput.js";
import { usePaneActions } from "./hooks/usePaneActions.js";
import { liveFiguresText } from "./live-figures.js";
import { ThemeContext, createTheme } from "./theme.js";
import { hintRows } from "./layout.js";
import { flowFooter, footerFor } from "./footer-keys.js";
import type { PaneId } from "./keymap.js";
import { joinFleet } from "./fleet.js";
import { matchPosition } from "./log-view.js";
import { ALL_SOURCES } from "./state/log-buffer.js";
import { deriveView } from "./console-view.js";
import type { UiState } from "./state/ui-state.js";
import { Header, clockSegments, connectionSegments } from "./components/Header.js";
import { Footer } from "./components/Footer.js";
import type { Segment } from "./components/Line.js";
import { FleetPane, fleetClockText } from "./panes/FleetPane.js";
import { LogsPane } from "./panes/LogsPane.js";
import { HardwarePane } from "./panes/HardwarePane.js";
import { isFlow, offerNodeRestart } from "./flows/flows.js";
import type { AddContext } from "./flows/add-form.js";
import { taskLong } from "./flows/task-progress.js";
import { ConfirmView, CONFIRM_FOOTER, useConfirmKeys } from "./overlays/ConfirmOverlay.js";
import { SourcesView, SOURCES_FOOTER, useSourceKeys } from "./overlays/SourcesOverlay.js";
import { PaletteView, PALETTE_FOOTER, usePaletteKeys } from "./overlays/PaletteOverlay.js";
import { ScrollView, SCROLL_FOOTER, useScrollKeys } from "./overlays/ScrollOverlay.js";
import { FlowDialog, useFlowKeys } from "./overlays/FlowOverlay.js";
import { quitSummary, type QuitSummary } from "./quit-summary.js";
import { rigPaletteEntry, type RigSwitch } from "./fleet/rig-palette.js";
export { quitSummary, type QuitSummary } from "./quit-summary.js";
export { bulkResultText } from "./hooks/useServiceActions.js";

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
  /** Set by the Fleet view: `:rig NAME` switches to another rig (without it, the palette says what to run). */
  rigSwitch?: RigSwitch;
}

// the same empty lists on every render before the first snapshot (memoised panes compare them)
const NO_SERVICES: ServiceView[] = [];
const NO_IDENTITIES: IdentityView[] = [];
const NO_TASKS: TaskView[] = [];

const segmentsText = (segs: Segment[]): string => segs.map((s) => s.text).join("");
const TYPING_FOOTER: [string, string][] = [["Enter", "apply"], ["Esc", "cancel"], ["Backspace", "delete"]];
const TYPING_LABEL: Record<NonNullable<UiState["input"]>["kind"], string> = {
  "fleet-filter": "filter identities: ",
  "log-filter": "filter log (hide others): ",
  "log-search": "search log: ",
};

/** The console: the keypress provider around the views (each subscribes with useKeypress). */
export function App(props: AppProps): React.JSX.Element {
  return (
    <KeypressProvider>
      <Console {...props} />
    </KeypressProvider>
  );
}

function Console({ client, noColor = false, now: clock = Date.now, onQuit, store: storeOpts, notice, startDaemon, onLeave, rigSwitch }: AppProps): React.JSX.Element {
  const uiStore = useUiState();
  const { ui, ref: uiRef, update } = uiStore;
  // a slow event (a sample, the node's layer) draws only when it changes the main view's text; an open overlay may show more of it
  const lastKeyAt = useLastKeyAt();
  const store = useDaemonStore(client, { figuresText: (s, e) => (uiRef.current.overlay ? null : liveFiguresText(s, e, clock())), lastKeyAt, ...storeOpts });
  const { columns, rows } = useTerminalSize();
  const { exit } = useApp();

  const now = clock();
  const snap = store.state.snapshot;
  const services = snap?.services ?? NO_SERVICES;
  const identities = snap?.identities ?? NO_IDENTITIES;
  const tasks = snap?.tasks ?? NO_TASKS;
  // the same rows while the snapshot's identities and services stay (the panes drawn from them are memoised)
  const fleet = useMemo(() => joinFleet(identities, services), [identities, services]);
  const taskRunning = tasks.some((t) => t.state === "running");
  const status = useStatusLine(clock, taskRunning, notice);
  const say = status.say;

  // Everything on screen that moves with the clock alone; the console redraws when it changes
  // (uptimes, in minutes, on the slow clock of the live figures: see useClock).
  useClock(
    1000,
    clock,
    (t: number): string => {
      const parts = [fleetClockText(fleet, t, "service")]; // a backoff's countdown
      parts.push(segmentsText(connectionSegments(store.state.connection, snap?.daemon ?? null, store.state.bye, t)));
      parts.push(segmentsText(clockSegments(snap?.node ?? null, t)));
      const o = ui.overlay;
      if (o && (o.kind === "identity" || o.kind === "service" || o.kind === "plan")) parts.push(String(Math.floor(t / 1000))); // "… ago" in details
      return parts.join("\n");
    },
    { visible: (t) => fleetClockText(fleet, t, "uptime"), ms: () => slowClockMs(Date.now(), storeOpts?.backgroundMs ?? SLOW_MS, lastKeyAt) },
  );

  const derive = (u: UiState) => deriveView(u, { fleet, ring: (s) => store.logs.ring(s), hardware: snap?.hardware ?? null, columns, rows });
  const d = derive(ui);
  const addCtx: AddContext = { demo: snap?.daemon.demo ?? false, nodeSupervised: snap?.node.supervised != null, services, identities };
  const daemonGone = store.state.connection.kind !== "connected" || store.state.bye != null;

  // the identity dialogs and the tasks they start: a finished add started here offers the node restart
  const flowsRef: { apply: ((s: Parameters<ReturnType<typeof useFlows>["applyStep"]>[0]) => void) | null } = { apply: null };
  const { startedHere } = useTasks(tasks, say, ({ task, mark, startedHere: mine }) => {
    if (task.state === "done" && task.kind === "identity-add" && mine && addCtx.nodeSupervised && !uiRef.current.overlay && !uiRef.current.input)
      flowsRef.apply?.(armed({ ...offerNodeRestart(task.message), say: { text: `${mark} ${taskLong(task)}`, tone: "ok", sticky: true } }));
  });
  const { applyStep } = useFlows(client, uiStore, say, startedHere);
  flowsRef.apply = applyStep;

  const serviceActions = useServiceActions(client, update, say, services, identities);
  const logView = useLogView(uiStore, derive, say, services.map((s) => s.name));
  const quit = () => {
    if (onLeave) return onLeave();
    onQuit?.(quitSummary(store.state.snapshot?.services ?? [], store.state.snapshot?.daemon.pid ?? null, store.state.snapshot?.identities ?? []));
    exit();
  };

  // Keys: Ctrl-C and dismissing a kept message hear every key first; then whichever owns the keys
  // now (typed text, the open overlay, or the focused pane) takes it.
  useKeypress(
    ({ name }) => {
      if (name === "ctrl+c") {
        quit();
        return true;
      }
      status.acknowledge(); // an error (or a result to act on) stays until a key is pressed, then fades
      return false;
    },
    { first: true },
  );
  useTextInput(uiStore, derive, logView, say);
  const { paletteEntries } = usePaneActions({
    client,
    store: uiStore,
    derive,
    snap,
    fleet,
    say,
    clearStatus: status.clear,
    logView,
    services: serviceActions,
    applyStep,
    addCtx,
    quit,
    daemonGone,
    startDaemon,
  });
  useConfirmKeys(uiStore, serviceActions.call, say);
  useSourceKeys(uiStore, logView.sources);
  const palette = () => [...paletteEntries(), rigPaletteEntry(say, rigSwitch ?? null)];
  usePaletteKeys(uiStore, palette, say);
  useScrollKeys(uiStore, () => Math.max(1, derive(uiRef.current).layout.bodyHeight - 2), say);
  useFlowKeys(uiStore, () => addCtx, applyStep);

  // ---- render ----
  const { layout } = d;
  const width = Math.min(columns, 250);
  const theme = createTheme(noColor);
  const sourceWidth = Math.min(12, Math.max(4, ...services.map((s) => s.name.length), 4));
  // The daemon went away: what is on screen is its last word, dimmed and marked.
  const stale = snap != null && daemonGone;
  const renderPane = (id: PaneId, w: number, h: number) => {
    const focused = ui.focus === id;
    switch (id) {
      case "identities":
        return (
          <FleetPane
            key={id}
            rows={d.rows}
            all={fleet}
            findings={snap?.findings ?? []}
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
      case "logs":
        return (
          <LogsPane
            key={id}
            ring={d.ring}
            end={d.ring.end}
            sourceLabel={ui.log.source === "selection" ? `${d.logSource} (follows selection)` : d.logSource}
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
      case "hardware":
        return <HardwarePane key={id} hardware={snap?.hardware ?? null} focused={focused} width={w} height={h} />;
    }
  };

  const o = ui.overlay;
  const h = layout.bodyHeight;
  const body = !o ? (
    <Box flexDirection="row" height={h} width={width}>
      {layout.columns.map((c, ci) => (
        <Box key={ci} flexDirection="column" width={c.width} height={h}>
          {c.panes.map((p) => renderPane(p.id, c.width, p.height))}
        </Box>
      ))}
    </Box>
  ) : isFlow(o) ? (
    <FlowDialog flow={o} ctx={addCtx} width={width} height={h} />
  ) : o.kind === "confirm" ? (
    <ConfirmView o={o} width={width} height={h} />
  ) : o.kind === "sources" ? (
    <SourcesView o={o} list={logView.sources()} current={ui.log.source} width={width} height={h} />
  ) : o.kind === "palette" ? (
    <PaletteView o={o} entries={palette()} width={width} height={h} />
  ) : (
    <ScrollView o={o} snap={snap} client={client} now={now} width={width} height={h} />
  );

  // footer keys: text input keys, the overlay's keys, or the focused pane's keys
  const footerKeys: [string, string][] = ui.input
    ? TYPING_FOOTER
    : !o
      ? footerFor(ui.focus, layout, taskRunning)
      : isFlow(o)
        ? flowFooter(o, addCtx.nodeSupervised === true)
        : o.kind === "confirm"
          ? CONFIRM_FOOTER
          : o.kind === "sources"
            ? SOURCES_FOOTER
            : o.kind === "palette"
              ? PALETTE_FOOTER
              : SCROLL_FOOTER;

  const statusSegs: Segment[] = ui.input
    ? [{ text: TYPING_LABEL[ui.input.kind], bold: true, tone: "info" }, { text: ui.input.text }, { text: "█" }]
    : status.shown
      ? [{ text: status.shown.text, tone: status.shown.tone }]
      : taskStatus(tasks);

  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={width} height={layout.height} overflowY="hidden">
        <Header daemon={snap?.daemon ?? null} node={snap?.node ?? null} connection={store.state.connection} bye={store.state.bye} width={width} now={now} />
        {body}
        <Footer keys={footerKeys} status={statusSegs} width={width} hintRows={hintRows(rows)} />
      </Box>
    </ThemeContext.Provider>
  );
}
