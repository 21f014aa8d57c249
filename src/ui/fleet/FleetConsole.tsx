// The console over several rigs: the Fleet view, and — Enter on a rig — that rig's own console
// (the App, with the rig's client from the fleet store); quitting it comes back to the fleet, and
// `:rig NAME` there switches to another rig. `openRig` (`fleet --tui --open RIG`) opens a rig's
// console as soon as it can be asked; a rig not connected yet waits on the fleet, said so.
// The store connects every rig when this mounts and closes them when it goes.
import React, { useEffect, useState } from "react";
import { useApp } from "ink";
import { App } from "../App.js";
import { KeypressProvider } from "../input/keypress.js";
import { ThemeContext, createTheme } from "../theme.js";
import { FleetView } from "./FleetView.js";
import type { FleetStore } from "./fleet-store.js";
import type { DaemonStoreOptions } from "../hooks/useDaemonStore.js";

export interface FleetConsoleProps {
  store: FleetStore;
  rigsFile: string;
  noColor?: boolean;
  now?: () => number;
  /** Options of an opened rig's console (frame budget, fps). */
  consoleStore?: DaemonStoreOptions;
  /** Open this rig's console at once (or as soon as its daemon can be asked). */
  openRig?: string | null;
}

/** How often a rig waiting to be opened is looked at (until its client exists). */
export const OPEN_WAIT_MS = 100;

export function FleetConsole({ store, rigsFile, noColor = false, now, consoleStore, openRig = null }: FleetConsoleProps): React.JSX.Element {
  const { exit } = useApp();
  const [open, setOpen] = useState<string | null>(null);
  const [last, setLast] = useState<string | null>(openRig);
  // a rig to open once its client exists (--open, or :rig NAME to a rig not connected yet)
  const [pending, setPending] = useState<string | null>(openRig);
  useEffect(() => {
    if (pending === null) return;
    const t = setInterval(() => {
      if (!store.client(pending)) return;
      setOpen(pending);
      setPending(null);
    }, OPEN_WAIT_MS);
    return () => clearInterval(t);
  }, [pending, store]);
  const switchTo = (name: string) => {
    setLast(name);
    if (store.client(name)) return setOpen(name);
    setOpen(null);
    setPending(name);
  };
  // the rigs' streams live as long as the fleet console, a rig's console open or not
  useEffect(() => {
    store.start();
    return () => store.close();
  }, [store]);
  const client = open !== null ? store.client(open) : null;
  // One keypress provider for the fleet that stays mounted while a rig's console (with its own
  // provider inside) is open: a provider mounted anew on the way back missed the first keys.
  return (
    <ThemeContext.Provider value={createTheme(noColor)}>
      <KeypressProvider>
        {open !== null && client ? (
          <App
            key={open}
            client={client}
            noColor={noColor}
            now={now}
            store={consoleStore}
            notice={`rig ${open} — q goes back to the fleet · :rig NAME switches`}
            rigSwitch={{ names: store.names(), current: open, switchTo }}
            onLeave={() => {
              setLast(open);
              setOpen(null);
            }}
          />
        ) : (
          <FleetView
            store={store}
            now={now}
            rigsFile={rigsFile}
            selectedRig={last}
            notice={pending !== null ? `opening ${pending} as soon as it connects` : undefined}
            onQuit={() => exit()}
            onOpen={(name) => {
              if (!store.client(name)) return `${name}: not connected (yet); r reconnects`;
              setPending(null);
              setOpen(name);
              return null;
            }}
          />
        )}
      </KeypressProvider>
    </ThemeContext.Provider>
  );
}
