// The Fleet view: one row per rig of the rigs file (connection, node, epoch and gap countdown,
// identities, services, worst finding). ↑↓ select, Enter opens that rig's console, `:` asks for
// a rig by name (`:rig NAME`), r reconnects the selected rig, q quits. Keys through the console's
// keypress provider; data from the FleetStore via useFleet.
import React, { useRef, useState } from "react";
import { Box } from "ink";
import { useKeypress } from "../input/keypress.js";
import { Line, type Segment } from "../components/Line.js";
import { useTerminalSize } from "../hooks/useTerminalSize.js";
import { fleetProblem, fleetTable } from "./fleet-lines.js";
import { useFleet } from "./useFleet.js";
import type { FleetStore } from "./fleet-store.js";
import { rigOfPrompt } from "./rig-prompt.js";

export interface FleetViewProps {
  store: FleetStore;
  now?: () => number;
  /** Open this rig's console; resolves to why not (its daemon cannot be asked), or null. */
  onOpen: (name: string) => string | null;
  onQuit: () => void;
  rigsFile: string;
  notice?: string;
  /** The row selected at first: the rig whose console was just left. */
  selectedRig?: string | null;
}

export { rigOfPrompt } from "./rig-prompt.js";

export function FleetView({ store, now = Date.now, onOpen, onQuit, rigsFile, notice, selectedRig }: FleetViewProps): React.JSX.Element {
  const { rows, at } = useFleet(store, now);
  const { columns, rows: height } = useTerminalSize();
  // refs as well as state: keys typed faster than frames act on what the previous key did
  const [selected, setSelectedState] = useState(() => Math.max(0, store.names().indexOf(selectedRig ?? "")));
  const selRef = useRef(selected);
  const setSelected = (i: number) => {
    selRef.current = i;
    setSelectedState(i);
  };
  const [prompt, setPromptState] = useState<string | null>(null);
  const promptRef = useRef<string | null>(null);
  const setPrompt = (p: string | null) => {
    promptRef.current = p;
    setPromptState(p);
  };
  const [status, setStatus] = useState<{ text: string; err: boolean } | null>(notice ? { text: notice, err: false } : null);
  const sel = Math.min(selected, Math.max(0, rows.length - 1));
  const open = (name: string) => {
    const why = onOpen(name);
    setStatus(why ? { text: why, err: true } : null);
  };

  useKeypress((k) => {
    const prompt = promptRef.current;
    const sel = Math.min(selRef.current, Math.max(0, rows.length - 1));
    if (prompt !== null) {
      if (k.name === "esc") setPrompt(null);
      else if (k.name === "enter") {
        const r = rigOfPrompt(prompt, store.names());
        setPrompt(null);
        if ("name" in r) {
          setSelected(store.names().indexOf(r.name));
          open(r.name);
        } else setStatus({ text: r.error, err: true });
      } else if (k.name === "backspace") setPrompt(prompt.slice(0, -1));
      else if (k.input && !k.key.ctrl && !k.key.meta && k.name !== "tab") setPrompt(prompt + k.input);
      return true;
    }
    if (k.name === "up" || k.name === "k") setSelected(Math.max(0, sel - 1));
    else if (k.name === "down" || k.name === "j") setSelected(Math.min(rows.length - 1, sel + 1));
    else if (k.name === "g" || k.name === "home") setSelected(0);
    else if (k.name === "G" || k.name === "end") setSelected(rows.length - 1);
    else if (k.name === "enter" && rows[sel]) open(rows[sel].rig.name);
    else if (k.name === ":") setPrompt("rig ");
    else if (k.name === "r" && rows[sel]) {
      store.reconnect(rows[sel].rig.name);
      setStatus({ text: `reconnecting to ${rows[sel].rig.name}`, err: false });
    } else if (k.name === "q" || k.name === "ctrl+c") onQuit();
    else if (k.name === "esc") setStatus(null);
    else return false;
    return true;
  });

  const width = Math.max(20, columns);
  const table = fleetTable(rows, at);
  const live = rows.filter((r) => r.link.kind === "connected").length;
  const title: Segment[] = [{ text: "postdeck fleet", bold: true }, { text: `  ${live}/${rows.length} rigs live · ${rigsFile}`, tone: "muted" }];
  const problem = fleetProblem(rows[sel]);
  const bottom: Segment[] =
    prompt !== null
      ? [{ text: `:${prompt}`, bold: true }, { text: "▏" }, { text: "  Enter opens · Esc cancels", tone: "muted" }]
      : status
        ? [{ text: status.text, tone: status.err ? "err" : "info" }]
        : problem
          ? [{ text: problem, tone: "warn" }]
          : [{ text: " " }];
  // every key fits at 80 columns: the short form drops words, never a key
  const keyText = "↑↓ select · Enter open console (q there: back here) · :rig NAME · r reconnect · q quit";
  const keys: Segment[] = [{ text: keyText.length + 2 <= width ? keyText : "↑↓ select · Enter open (q: back) · :rig NAME · r reconnect · q quit", tone: "muted" }];
  const visibleRows = table.rows.slice(0, Math.max(1, height - 6));
  return (
    <Box flexDirection="column">
      <Line segs={title} width={width} />
      <Line segs={[{ text: " " }]} width={width} />
      <Line segs={[{ text: "  " }, ...table.head]} width={width} />
      {visibleRows.map((r, i) => (
        <Line key={rows[i]!.rig.name} segs={[{ text: i === sel ? "› " : "  " }, ...r]} width={width} inverse={i === sel} />
      ))}
      <Line segs={[{ text: " " }]} width={width} />
      <Line segs={bottom} width={width} />
      <Line segs={keys} width={width} />
    </Box>
  );
}
