// Subscribes to a DaemonClient and feeds a DaemonStore. Events are applied as they come;
// React renders are coalesced: at most `maxFps` per second for state changes (services,
// node, identities, ...) and at most `logFps` per second when only log lines arrived, so a
// flood of log lines costs a few frames, not one per batch. Key presses render on their own.
// Log-only frames keep within LOG_SHARE of a core and sample-only frames (hardware, CPU%/RSS, the
// node's layer: DaemonStore.isSlow) come at most every `backgroundMs` and within SAMPLE_SHARE
// (FrameBudget, fed with Ink's render time per frame): where a frame costs more, they come less often.
// An event that changes nothing, or figures whose text on screen stays the same, draws no frame.
// The daemon is asked for samples at the slow clock's pace (`sampleMs`), and after a flood of log
// lines the heap is collected once they calm down (FloodMemory).
import { useEffect, useRef, useState } from "react";
import type { DaemonClient, DaemonEvent } from "../../client/types.js";
import { DaemonStore } from "../state/daemon-store.js";
import type { LogStoreOptions } from "../state/log-buffer.js";
import type { Snapshot } from "../../protocol/model.js";
import { FrameBudget } from "../state/frame-budget.js";
import { FloodMemory } from "../state/flood-memory.js";

const LOG_SHARE = 0.1; // log lines flowing: at most 10 % of a core for drawing them
// new CPU%/RSS/hardware figures: at most 0.2 % of a core (at rest they are all the console draws:
// a sample frame of 40 ms on a busy rig comes every 20 s, one of 20 ms or less every 10 s)
const SAMPLE_SHARE = 0.002;
/** The slow clock: live figures (and uptimes, useClock) redraw at most this often by default. */
export const SLOW_MS = 10_000;
/**
 * At rest — no key for REST_AFTER_MS — the slow clock slows to RESTING_MS: a console left open in a
 * tmux pane redraws its hardware figures, CPU%/RSS and uptimes every 30 s instead of every 10 s
 * (state changes, log lines and countdowns still draw at once); the next key brings the pace back.
 */
export const REST_AFTER_MS = 60_000;
export const RESTING_MS = 30_000;

/** The slow clock's interval at `now` for a console whose last key came at `lastKeyAt` (none: never at rest). */
export function slowClockMs(now: number, base: number, lastKeyAt?: () => number): number {
  return lastKeyAt && now - lastKeyAt() >= REST_AFTER_MS ? Math.max(base, RESTING_MS) : base;
}

export interface DaemonStoreOptions extends LogStoreOptions {
  maxFps?: number; // default 12 (the console passes 4)
  logFps?: number; // default 2
  backgroundMs?: number; // hardware samples and CPU%/RSS-only changes: at most one render per this (default 10000)
  /** When the last key came: at rest (REST_AFTER_MS without one) samples draw at most every RESTING_MS. */
  lastKeyAt?: () => number;
  backfillLines?: number; // older lines fetched per source on attach (default 300)
  /**
   * The text on screen that a background event `e` can change (its figures); a sample that leaves it
   * unchanged draws no frame. null: the screen shows more of it than that text (an overlay is open), so it draws.
   * Asked at each event (the latest function passed, not the first).
   */
  figuresText?: (snap: Snapshot | null, e?: DaemonEvent) => string | null;
  /** Measures what a frame costs (fed by Ink's onRender); none: frames are taken as free. */
  budget?: FrameBudget;
  /** Gives memory back after a flood of log lines (default: a full collection once the lines calm down). */
  floodMemory?: FloodMemory;
}

export function useDaemonStore(client: DaemonClient, opts: DaemonStoreOptions = {}): DaemonStore {
  const storeRef = useRef<DaemonStore | null>(null);
  if (!storeRef.current) storeRef.current = new DaemonStore(opts);
  const store = storeRef.current;
  const [, setRendered] = useState(0);
  const stateInterval = 1000 / (opts.maxFps ?? 12);
  const logInterval = Math.max(stateInterval, 1000 / (opts.logFps ?? 2));
  const backgroundInterval = Math.max(logInterval, opts.backgroundMs ?? SLOW_MS);
  const backfillLines = opts.backfillLines ?? 300;
  const figuresRef = useRef(opts.figuresText);
  figuresRef.current = opts.figuresText;
  const lastKeyRef = useRef(opts.lastKeyAt);
  lastKeyRef.current = opts.lastKeyAt;
  const budgetRef = useRef<FrameBudget | null>(null);
  budgetRef.current ??= opts.budget ?? new FrameBudget();
  const budget = budgetRef.current;
  const floodRef = useRef<FloodMemory | null>(null);
  floodRef.current ??= opts.floodMemory ?? new FloodMemory();
  const flood = floodRef.current;
  // What the last render of any kind (a key press too) put on screen, and when.
  const rendered = useRef({ version: -1, at: 0 });
  rendered.current = { version: store.version, at: Date.now() };

  useEffect(() => {
    let timer: NodeJS.Timeout | null = null;
    let due = Infinity; // when the pending render fires
    let closed = false;
    // Intervals count from the last render of any kind: after a key press has drawn the latest
    // data, a pending log frame waits its turn again, or is not needed at all.
    const schedule = (interval: number) => {
      if (closed) return;
      const at = Math.max(Date.now(), rendered.current.at + interval);
      if (timer && due <= at) return;
      if (timer) clearTimeout(timer);
      due = at;
      timer = setTimeout(() => {
        timer = null;
        due = Infinity;
        if (store.version === rendered.current.version) return; // already on screen
        if (Date.now() < rendered.current.at + interval) return schedule(interval);
        setRendered(store.version);
      }, at - Date.now());
    };
    const unsubscribe = client.subscribe(
      (e) => {
        if (e.type === "log") flood.lines(e.data.length);
        const background = e.type !== "log" && store.isSlow(e);
        const interval =
          e.type === "log"
            ? budget.interval(logInterval, LOG_SHARE)
            : background
              ? budget.interval(slowClockMs(Date.now(), backgroundInterval, lastKeyRef.current), SAMPLE_SHARE)
              : stateInterval;
        const figuresText = background ? figuresRef.current : undefined;
        const figuresBefore = figuresText ? figuresText(store.state.snapshot, e) : null;
        const version = store.version;
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
        if (store.version === version) return; // the event brought nothing new
        if (figuresBefore !== null && figuresText!(store.state.snapshot, e) === figuresBefore) return; // the same text on screen
        schedule(interval);
      },
      (s) => {
        store.setConnection(s);
        schedule(stateInterval);
      },
      // samples are drawn at most every backgroundInterval: the daemon need not take them faster
      { sampleMs: backgroundInterval },
    );
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      flood.stop();
      unsubscribe();
    };
  }, [client, store, stateInterval, logInterval, backgroundInterval, backfillLines, budget, flood]);

  return store;
}
