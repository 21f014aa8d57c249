// Subscribes to a DaemonClient and feeds a DaemonStore. Events are applied as they come;
// React renders are coalesced: at most `maxFps` per second for state changes (services,
// node, identities, ...) and at most `logFps` per second when only log lines arrived, so a
// flood of log lines costs a few frames, not one per batch. Key presses render on their own.
import { useEffect, useRef, useState } from "react";
import type { DaemonClient } from "../../client/types.js";
import { DaemonStore } from "../state/daemon-store.js";
import type { LogStoreOptions } from "../state/log-buffer.js";
import type { Snapshot } from "../../protocol/model.js";

export interface DaemonStoreOptions extends LogStoreOptions {
  maxFps?: number; // default 12 (the console passes 4)
  logFps?: number; // default 2
  backgroundMs?: number; // hardware samples and CPU%/RSS-only changes: at most one render per this (default 5000)
  backfillLines?: number; // older lines fetched per source on attach (default 300)
  /** The text of the sampled figures on screen; a sample that leaves it unchanged draws no frame. */
  figuresText?: (snap: Snapshot | null) => string;
}

export function useDaemonStore(client: DaemonClient, opts: DaemonStoreOptions = {}): DaemonStore {
  const storeRef = useRef<DaemonStore | null>(null);
  if (!storeRef.current) storeRef.current = new DaemonStore(opts);
  const store = storeRef.current;
  const [, setRendered] = useState(0);
  const stateInterval = 1000 / (opts.maxFps ?? 12);
  const logInterval = Math.max(stateInterval, 1000 / (opts.logFps ?? 2));
  const backgroundInterval = Math.max(logInterval, opts.backgroundMs ?? 5000);
  const backfillLines = opts.backfillLines ?? 300;
  const figuresText = opts.figuresText;

  useEffect(() => {
    let timer: NodeJS.Timeout | null = null;
    let due = Infinity; // when the pending render fires
    let lastRender = 0;
    let closed = false;
    const schedule = (interval: number) => {
      if (closed) return;
      const at = Math.max(Date.now(), lastRender + interval);
      if (timer && due <= at) return;
      if (timer) clearTimeout(timer);
      due = at;
      timer = setTimeout(() => {
        timer = null;
        due = Infinity;
        lastRender = Date.now();
        setRendered(store.version);
      }, at - Date.now());
    };
    const unsubscribe = client.subscribe(
      (e) => {
        const background = e.type !== "log" && store.isBackground(e);
        const interval = e.type === "log" ? logInterval : background ? backgroundInterval : stateInterval;
        const figuresBefore = background && figuresText ? figuresText(store.state.snapshot) : null;
        const backfill = store.apply(e);
        for (const source of backfill) {
          client
            .call("logs", { source, lines: backfillLines })
            .then((r) => {
              if (closed) return;
              store.logs.backfill(source, r.lines);
              store.version++;
              schedule(stateInterval);
            })
            .catch(() => {
              /* no older lines for this source: the live tail still works */
            });
        }
        if (figuresBefore !== null && figuresText!(store.state.snapshot) === figuresBefore) return; // the same numbers on screen
        schedule(interval);
      },
      (s) => {
        store.setConnection(s);
        schedule(stateInterval);
      },
    );
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [client, store, stateInterval, logInterval, backgroundInterval, backfillLines, figuresText]);

  return store;
}
