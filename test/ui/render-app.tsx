// Renders the console with ink-testing-library at a chosen terminal size, and small helpers
// to send keys and wait for frames (polling, no fixed sleeps).
import { render } from "ink-testing-library";
import { App } from "../../src/ui/App.js";
import { FakeClient } from "./fake-client.js";
import { waitFor as poll } from "../helpers/wait-for.js";
import type { QuitSummary } from "../../src/ui/App.js";

export const KEYS = {
  up: "\x1b[A",
  down: "\x1b[B",
  right: "\x1b[C",
  left: "\x1b[D",
  enter: "\r",
  esc: "\x1b",
  tab: "\t",
  shiftTab: "\x1b[Z",
  pageUp: "\x1b[5~",
  pageDown: "\x1b[6~",
  backspace: "\x7f",
  ctrlC: "\x03",
};

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

export function setSize(stdout: { emit: (e: string) => boolean }, columns: number, rows: number): void {
  Object.defineProperty(stdout, "columns", { value: columns, configurable: true });
  Object.defineProperty(stdout, "rows", { value: rows, configurable: true });
  stdout.emit("resize");
}

/** Waits (polling every 10 ms, up to `timeout`) for a frame whose text satisfies `pred`; returns it. */
function frameWaiter(frame: () => string) {
  return async (pred: (f: string) => boolean, what = "frame", timeout = 10_000): Promise<string> => {
    const seen = await poll(() => {
      const f = frame();
      return pred(f) && { f };
    }, { what, timeoutMs: timeout, intervalMs: 10, detail: () => `last frame:\n${frame()}` });
    return seen.f;
  };
}

/** Frames, key presses and a wait on the frame text of any rendered Ink tree at a terminal size. */
export function terminal(inst: ReturnType<typeof render>, columns = 140, rows = 30) {
  setSize(inst.stdout, columns, rows);
  const frame = () => stripAnsi(inst.lastFrame() ?? "");
  const waitFor = frameWaiter(frame);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      inst.stdin.write(k);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { frame, waitFor, press };
}

export function renderApp(client: FakeClient, opts: { columns?: number; rows?: number; now?: number; noColor?: boolean } = {}) {
  const quits: QuitSummary[] = [];
  const now = opts.now ?? Date.now();
  const inst = render(
    <App client={client} now={() => now} noColor={opts.noColor ?? true} onQuit={(s) => quits.push(s)} store={{ maxFps: 1000, logFps: 1000 }} />,
  );
  setSize(inst.stdout, opts.columns ?? 100, opts.rows ?? 30);
  const frame = () => stripAnsi(inst.lastFrame() ?? "");
  const waitFor = frameWaiter(frame);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      inst.stdin.write(k);
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  return { ...inst, frame, waitFor, press, quits };
}
