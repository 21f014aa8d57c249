// Runs the console on the terminal until the user quits, then says what keeps running.
// The caller owns the client (obtaining it, i.e. starting or finding the daemon, is not the
// console's business) and closes it afterwards.
import { appendFileSync } from "node:fs";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { render } from "ink";
import type { DaemonClient } from "../client/types.js";
import { App } from "./App.js";
import { closingMessage, type QuitSummary } from "./quit-summary.js";
export { closingMessage } from "./quit-summary.js";
import { noColorFromEnv } from "./theme.js";
import { FrameBudget, INK_MAX_FPS } from "./state/frame-budget.js";
import { capYoungGeneration } from "./state/flood-memory.js";

export interface RunConsoleOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  noColor?: boolean; // default: from NO_COLOR
  /** Use the terminal's alternate screen (restored on exit). Default: when stdout is a TTY. */
  altScreen?: boolean;
  notice?: string; // first status-line message, e.g. that the daemon was just started
  reattach?: string; // the command that reattaches, said when the console closes (default `postdeck`)
  startDaemon?: () => Promise<string>; // starts a detached daemon, says which (palette: "start the daemon")
  maxFps?: number; // daemon state changes rendered per second at most (default 4); log floods 2/s; keys at once
}

export interface ConsoleResult {
  summary: QuitSummary | null;
  message: string;
}

/**
 * With POSTDECK_RENDER_LOG=<file>, every render Ink makes is appended to the file as
 * `<epoch ms> <render ms> <monotonic µs>` (the bench counts renders, drawn or not, and their cost).
 */
function renderRecorder(file: string | undefined): ((renderMs: number) => void) | undefined {
  if (!file) return undefined;
  return (ms) => appendFileSync(file, `${Date.now()} ${ms.toFixed(2)} ${process.hrtime.bigint() / 1000n}\n`);
}

/**
 * With POSTDECK_RENDER_LOG=<file>, also `<file>.events`: `key <epoch ms> <monotonic µs>` when the
 * terminal's input is ready to read (the second clock is the one of V8's CPU profiles) and `gc <epoch ms> <ms> <kind>` for each collection (where a key's time goes
 * before its frame is drawn: the bench reads both). Returns what ends the trace.
 */
export function traceEvents(file: string | undefined, stdin: NodeJS.ReadStream): () => void {
  if (!file) return () => undefined;
  const onReadable = () => appendFileSync(file, `key ${Date.now()} ${process.hrtime.bigint() / 1000n}\n`);
  stdin.on("readable", onReadable);
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? "?";
      appendFileSync(file, `gc ${Math.round(performance.timeOrigin + e.startTime)} ${e.duration.toFixed(2)} ${kind}\n`);
    }
  });
  gcs.observe({ entryTypes: ["gc"] });
  return () => {
    stdin.off("readable", onReadable);
    gcs.disconnect();
  };
}

export async function runConsole(client: DaemonClient, opts: RunConsoleOptions = {}): Promise<ConsoleResult> {
  const stdout = opts.stdout ?? process.stdout;
  const alt = opts.altScreen ?? stdout.isTTY === true;
  let summary: QuitSummary | null = null;
  const budget = new FrameBudget();
  const record = renderRecorder(process.env["POSTDECK_RENDER_LOG"]);
  capYoungGeneration(); // the console's memory after a flood of log lines
  const untrace = traceEvents(process.env["POSTDECK_RENDER_LOG"] && `${process.env["POSTDECK_RENDER_LOG"]}.events`, opts.stdin ?? process.stdin);
  if (alt) stdout.write("\x1b[?1049h\x1b[H");
  const instance = render(
    <App
      client={client}
      noColor={opts.noColor ?? noColorFromEnv()}
      onQuit={(s) => {
        summary = s;
      }}
      store={{ maxFps: opts.maxFps ?? 4, budget }}
      notice={opts.notice}
      startDaemon={opts.startDaemon}
    />,
    {
      stdout,
      stdin: opts.stdin ?? process.stdin,
      stderr: opts.stderr ?? process.stderr,
      exitOnCtrlC: false, // the App quits on Ctrl-C itself, with the closing message
      patchConsole: true,
      maxFps: INK_MAX_FPS,
      incrementalRendering: false, // true garbles the first frames in tmux (Ink 6.8)
      onRender: ({ renderTime }) => {
        budget.record(renderTime);
        record?.(renderTime);
      },
    },
  );
  // Without a TTY there are no keys: end cleanly on signals instead.
  const stop = () => instance.unmount();
  process.once("SIGTERM", stop);
  process.once("SIGHUP", stop);
  if (!(opts.stdin ?? process.stdin).isTTY) process.once("SIGINT", stop);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGHUP", stop);
    process.off("SIGINT", stop);
    untrace();
    if (alt) stdout.write("\x1b[?1049l");
  }
  const message = closingMessage(summary, opts.reattach);
  stdout.write(message + "\n");
  return { summary, message };
}
