// Runs the Fleet view on the terminal until the user quits (`postdeck fleet --tui`). The caller
// makes the store (how each rig is reached); this draws it and closes it at the end.
import { render } from "ink";
import { noColorFromEnv } from "../theme.js";
import { FrameBudget, INK_MAX_FPS } from "../state/frame-budget.js";
import { capYoungGeneration } from "../state/flood-memory.js";
import { FleetConsole } from "./FleetConsole.js";
import type { FleetStore } from "./fleet-store.js";

export interface RunFleetOptions {
  rigsFile: string;
  stdout?: NodeJS.WriteStream;
  /** `fleet --tui --open RIG`: start in that rig's console. */
  openRig?: string | null;
}

export async function runFleetConsole(store: FleetStore, o: RunFleetOptions): Promise<void> {
  const stdout = o.stdout ?? process.stdout;
  const alt = stdout.isTTY === true;
  const budget = new FrameBudget();
  capYoungGeneration(); // a rig opened from here streams its logs as the console does
  if (alt) stdout.write("\x1b[?1049h\x1b[H");
  const instance = render(
    <FleetConsole store={store} rigsFile={o.rigsFile} noColor={noColorFromEnv()} consoleStore={{ maxFps: 4, budget }} openRig={o.openRig ?? null} />,
    { stdout, exitOnCtrlC: false, patchConsole: true, maxFps: INK_MAX_FPS, incrementalRendering: false, onRender: ({ renderTime }) => budget.record(renderTime) },
  );
  const stop = () => instance.unmount();
  process.once("SIGTERM", stop);
  process.once("SIGHUP", stop);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGHUP", stop);
    store.close();
    if (alt) stdout.write("\x1b[?1049l");
  }
  stdout.write("postdeck: fleet view closed; every rig's daemon and services keep running.\n");
}
