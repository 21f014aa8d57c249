// Where each pane goes for a terminal size. Pure: the App renders what this returns.
// Full layout needs 80x24; below that one pane at a time is shown (Tab cycles); `z` zooms one.
import type { PaneId } from "./keymap.js";

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
export const SPLIT_COLUMNS = 160; // from here the log pane gets its own column

export interface PaneBox {
  id: PaneId;
  height: number; // rows including the title row
}
export interface LayoutColumn {
  width: number;
  panes: PaneBox[];
}
export interface Layout {
  mode: "full" | "single" | "zoom";
  /** Rows the whole console uses: one less than the terminal (writing the last row makes terminals scroll). */
  height: number;
  bodyHeight: number;
  columns: LayoutColumn[];
}

export interface LayoutNeeds {
  fleet: number; // data rows wanted by the identities table (one more when a failure reason shows)
  hardware: number; // content lines of the full hardware view
}

export const HEADER_ROWS = 1;
export const FOOTER_ROWS = 2; // key hints + status line; one more hint row from HINT_ROWS_FROM terminal rows
export const HINT_ROWS_FROM = 30;
/** Rows of key hints for a terminal height: two when there is room. */
export const hintRows = (rows: number): number => (rows >= HINT_ROWS_FROM ? 2 : 1);
const MIN_LOGS = 4; // title + 3 lines: enough to see that something is being logged

/**
 * Where each pane goes. The identities table comes first and takes the rows it needs (64
 * identities at 80x24 scroll inside it); the logs get what is left (at least 3 lines) and, from
 * SPLIT_COLUMNS on, a column of their own; the hardware pane shrinks to one summary row on short
 * terminals. `zoom` gives the focused pane the whole body.
 */
export function computeLayout(columns: number, rows: number, needs: LayoutNeeds, focus: PaneId, zoom = false): Layout {
  const cols = Math.min(Math.max(columns, 20), 250);
  const height = Math.max(Math.min(rows, 70) - 1, 6);
  const bodyHeight = height - HEADER_ROWS - FOOTER_ROWS - (hintRows(rows) - 1);
  if (zoom || columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return { mode: zoom && columns >= MIN_COLUMNS && rows >= MIN_ROWS ? "zoom" : "single", height, bodyHeight, columns: [{ width: cols, panes: [{ id: focus, height: bodyHeight }] }] };
  }
  const fleetWant = 2 + Math.max(1, needs.fleet);
  if (cols >= SPLIT_COLUMNS) {
    const left = Math.max(80, Math.min(Math.floor(cols * 0.5), 130));
    const hwWant = 1 + Math.max(1, needs.hardware);
    const hw = Math.max(2, Math.min(hwWant, bodyHeight - Math.min(fleetWant, bodyHeight - 2)));
    return {
      mode: "full",
      height,
      bodyHeight,
      columns: [
        { width: left, panes: [{ id: "identities", height: bodyHeight - hw }, { id: "hardware", height: hw }] },
        { width: 1, panes: [] },
        { width: cols - left - 1, panes: [{ id: "logs", height: bodyHeight }] },
      ],
    };
  }
  const hw = bodyHeight < 30 ? 1 : Math.min(1 + Math.max(1, needs.hardware), 9);
  const fleet = Math.max(3, Math.min(fleetWant, bodyHeight - hw - MIN_LOGS));
  const logs = bodyHeight - hw - fleet;
  return {
    mode: "full",
    height,
    bodyHeight,
    columns: [
      {
        width: cols,
        panes: [
          { id: "identities", height: fleet },
          { id: "logs", height: logs },
          { id: "hardware", height: hw },
        ],
      },
    ],
  };
}
