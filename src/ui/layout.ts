// Where each pane goes for a terminal size. Pure: the App renders what this returns.
// Full layout needs 80x24; below that one pane at a time is shown (Tab cycles).
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
  mode: "full" | "single";
  /** Rows the whole console uses: one less than the terminal (writing the last row makes terminals scroll). */
  height: number;
  bodyHeight: number;
  columns: LayoutColumn[];
}

export interface LayoutNeeds {
  identities: number; // data rows wanted
  services: number;
  hardware: number; // content lines of the full hardware view
}

export const HEADER_ROWS = 1;
export const FOOTER_ROWS = 2;

export function computeLayout(columns: number, rows: number, needs: LayoutNeeds, focus: PaneId): Layout {
  const cols = Math.min(Math.max(columns, 20), 250);
  const height = Math.max(Math.min(rows, 70) - 1, 6);
  const bodyHeight = height - HEADER_ROWS - FOOTER_ROWS;
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return { mode: "single", height, bodyHeight, columns: [{ width: cols, panes: [{ id: focus, height: bodyHeight }] }] };
  }
  const table = (n: number, cap: number) => Math.max(3, Math.min(2 + n, cap));
  if (cols >= SPLIT_COLUMNS) {
    const left = Math.floor(cols * 0.55);
    const cap = Math.max(3, Math.floor(bodyHeight * 0.4));
    let ids = table(needs.identities, cap);
    let svc = table(needs.services, cap);
    const hwWant = 1 + Math.max(1, needs.hardware);
    let hw = Math.max(2, Math.min(hwWant, bodyHeight - ids - svc));
    // Give spare rows back to the tables (they may have more rows than the cap).
    let spare = bodyHeight - ids - svc - hw;
    const growIds = Math.min(spare, Math.max(0, 2 + needs.identities - ids));
    ids += growIds;
    spare -= growIds;
    const growSvc = Math.min(spare, Math.max(0, 2 + needs.services - svc));
    svc += growSvc;
    spare -= growSvc;
    hw += spare;
    return {
      mode: "full",
      height,
      bodyHeight,
      columns: [
        { width: left - 1, panes: [{ id: "identities", height: ids }, { id: "services", height: svc }, { id: "hardware", height: hw }] },
        { width: 1, panes: [] },
        { width: cols - left, panes: [{ id: "logs", height: bodyHeight }] },
      ],
    };
  }
  const cap = Math.max(3, Math.floor(bodyHeight * 0.3));
  let ids = table(needs.identities, cap);
  let svc = table(needs.services, cap);
  const hw = bodyHeight < 30 ? 2 : Math.min(1 + Math.max(1, needs.hardware), 9);
  let logs = bodyHeight - ids - svc - hw;
  while (logs < 4 && (ids > 3 || svc > 3)) {
    if (ids >= svc && ids > 3) ids--;
    else svc--;
    logs++;
  }
  return {
    mode: "full",
    height,
    bodyHeight,
    columns: [
      {
        width: cols,
        panes: [
          { id: "identities", height: ids },
          { id: "services", height: svc },
          { id: "logs", height: logs },
          { id: "hardware", height: hw },
        ],
      },
    ],
  };
}
