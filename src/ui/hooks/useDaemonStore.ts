// Subscribes to a DaemonClient and feeds a DaemonStore. Events are applied as they come;
// React renders are coalesced to at most `maxFps` per second so a flood of log lines costs
// a few frames, not one per batch.
import { useEffect, useRef, useState } from "react";
import type { DaemonClient } from "../../client/types.js";
import { DaemonStore } from "../state/daemon-store.js";
import type { LogStoreOptions } from "../state/log-buffer.js";

export interface DaemonStoreOptions extends LogStoreOptions {
  maxFps?: number; // default 12
  backfillLines?: number; // older lines fetched per source on attach (default 300)
}

export function useDaemonStore(client: DaemonClient, opts: DaemonStoreOptions = {}): DaemonStore {
  const storeRef = useRef<DaemonStore | null>(null);
  if (!storeRef.current) storeRef.current = new DaemonStore(opts);
  const store = storeRef.current;
  const [, setRendered] = useState(0);
  const interval = 1000 / (opts.maxFps ?? 12);
  const backfillLines = opts.backfillLines ?? 300;

  useEffect(() => {
    let timer: NodeJS.Timeout | null = null;
    let lastRender = 0;
    let closed = false;
    const schedule = () => {
      if (timer || closed) return;
      const wait = Math.max(0, lastRender + interval - Date.now());
      timer = setTimeout(() => {
        timer = null;
        lastRender = Date.now();
        setRendered(store.version);
      }, wait);
    };
    const unsubscribe = client.subscribe(
      (e) => {
        const backfill = store.apply(e);
        for (const source of backfill) {
          client
            .call("logs", { source, lines: backfillLines })
            .then((r) => {
              if (closed) return;
              store.logs.backfill(source, r.lines);
              store.version++;
              schedule();
            })
            .catch(() => {
              /* no older lines for this source: the live tail still works */
            });
        }
        schedule();
      },
      (s) => {
        store.setConnection(s);
        schedule();
      },
    );
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [client, store, interval, backfillLines]);

  return store;
}
