// The size guard's backstop: a worker thread whose only job is to stat the guarded log files and
// truncate one that outgrew a hard limit, so that a log flood stays bounded while the daemon's main
// thread is busy or starved of CPU. Traced under load (issue 11): when a child floods from its
// first write, the daemon's main thread is busy with the same event (the start, the follower
// reading the flood, a console's snapshot and event stream) and on a loaded machine gets a third
// of a core; the size guard's 5 ms check is a timer behind that work and came 300 ms late: the
// live file went from 0 to 96 MB at 300 MB/s before its first cut. A worker has its own event
// loop and its own heap (no main-thread GC pause), its only work is a stat every few ms, and the
// scheduler gives a thread that mostly sleeps the CPU soon after it wakes.
//
// On demand (issue 17): a worker is an isolate of its own: 9.3 MB of the daemon's RSS once up (7.5
// MB anonymous: its 2 MB young generation and the 3.5 MB its bootstrap leaves in the old one), 7 MB
// after V8's memory reducer ran (~5 s in), and 3.6-3.9 MB stays once it ended (pages of node's
// binary its start touched, its malloc arena). It runs while a flood can begin unseen or goes on:
// `arm()` starts it (if it is not running) and holds it for `holdMs` (default 3 s) — the guard arms
// it when it is given new files (a service about to start: the traced worst case, a flood from the
// first write while the daemon is busy starting), when the supervisor spawns a service (each spawn
// of a start, a restart), and at every check that finds a file growing floodBytes a second or
// faster or cut in a flood (the rest of a flood, whose own work keeps the main thread busy). The
// hold is what a start burst needs: 64 services started at load 14-24 on 2 cores (spawns 0.2-0.9 s
// apart over 13-19 s) kept the main thread's timers 200-600 ms late until 1.3-2.8 s after the last
// spawn (16 services: 0.1-1.8 s), under 100 ms from then on as at any time at that load. A hold
// check that runs BUSY_LATE_MS late (the main thread still busy) holds it as an arm does, and it
// decides after that turn's I/O: cut reports that came in while the main thread was busy past the
// hold arm it again (ended first, they were dropped, their bytes not said). Held 15 s, it ran
// through most of bench phase 1's window (16 services: peak RSS 1.07-1.08x pm2's, 0.97-1.02x with
// the 3 s hold, of which 2-3 MB is what a thread that ran leaves; every burst woke a second
// thread). Past its hold the thread ends; at rest (idle or chatty services, far below that rate)
// there is none. What that gives up: a flood that begins mid-run, not at a spawn, is first seen by
// the guard on the main thread (its watch or its next poll), and the thread is started from there;
// until that check it grows unchecked. Its resourceLimits: a smaller young generation saved
// nothing measurable, an old generation below 6 MB ~0.5-0.9 MB but at the edge of what its
// bootstrap uses (3.5 MB: past the limit the thread dies).
//
// What it does, per file: watched (inotify) while idle, like the guard; polled every hotMs while it
// grows fast (maxBytes a second or faster, then for hotHoldMs), else as its rate needs (at most
// every 200 ms, all such files on one timer; a file woken QUIET_WAKE_MS or more after its last
// wake — a burst now and then — keeps its watch, as in the guard); truncated to 0 past floodBytes
// + FLOOD_SLACK in a flood, maxBytes + SLACK
// otherwise — above what the guard lets a file reach, so the guard's rotations (copies of the
// newest lines, cut markers) go on as before and the backstop cuts only what the guard did not in
// time. Each cut is reported (the guard adds it to the next rotated file's marker). The truncation
// is synchronous (this thread has nothing else to do) through an fd kept open while the file is
// polled: a truncate by path closes its fd, and on ext4 the close after a truncation to 0 starts
// writeback of what the child wrote since (auto_da_alloc), which the next truncation then waits
// for (folio_wait_writeback, and the freed blocks' discard on a `discard` mount: seen in the trace).
//
// Not chosen (issue 11): RLIMIT_FSIZE on the child would be a hard bound, but it applies to every
// file the child writes (a node's database, postcli's PoS files) and drops every line written while
// the daemon is down; lowering a flooding child's CPU priority made truncation wait seconds (the
// child is preempted inside write() holding the inode lock that ftruncate needs).
//
// The thread's code is one self-contained function (`cutterThread`, no imports: it is given fs and
// its port) run with `eval`, so that it works the same from dist/, from the bundle (no separate
// entry file) and under vitest.
import { Worker } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";

/** What a file may exceed the guard's own limits by before the backstop cuts it. */
export const SLACK_BYTES = 16 << 20;
export const FLOOD_SLACK_BYTES = 4 << 20;
/**
 * A file whose watch fires this long or longer after it last fired keeps its watch through that
 * wake's check, unless the check finds a flood or a cut (the guard's and the cutter's rule): a
 * service writing a burst a second was polled about six times a second by each (a hotMs check,
 * then quiet checks until five saw no growth).
 */
export const QUIET_WAKE_MS = 500;

export interface CutterLimits {
  maxBytes: number;
  floodBytes: number;
  hotMs: number;
  hotHoldMs: number;
}

export interface CutterConfig extends CutterLimits {
  slack: number;
  floodSlack: number;
  quietWakeMs: number;
}

type ToCutter = { files: string[] } | { limits: CutterConfig } | { close: true };
export interface CutReport {
  file: string;
  bytes: number;
}
/** After each list of files, once its files are watched or polled. */
interface Ready {
  ready: number;
}

/** How long an armed thread runs after the last arm() (FloodCutter's default): see the header. */
export const BACKSTOP_HOLD_MS = 3_000;
/**
 * A hold check that ran this much later than due found the main thread busy (its timers late: the
 * guard's checks too): the thread is held as by an arm().
 */
export const BUSY_LATE_MS = 50;

/** A handle on the backstop thread: the files and limits it is to guard, the thread while armed. */
export class FloodCutter {
  private worker: Worker | null = null;
  private files: string[] = [];
  private limits: CutterConfig;
  private closed = false;
  /** Lists of files posted to the running thread, and how many of them it took. */
  private lists = 0;
  private readyLists = 0;
  private waiting: (() => void)[] = [];
  private armedAt = -Infinity;
  /** The running thread took its first list of files (until then its hold does not run out). */
  private up = false;
  private holdTimer: NodeJS.Timeout | null = null;
  private readonly holdMs: number;
  private readonly now: () => number;

  constructor(
    limits: CutterLimits,
    private readonly onCut: (r: CutReport) => void,
    private readonly onError?: (err: Error) => void,
    o: { holdMs?: number; now?: () => number } = {},
  ) {
    this.limits = config(limits);
    this.holdMs = o.holdMs ?? BACKSTOP_HOLD_MS;
    this.now = o.now ?? Date.now;
  }

  /** Starts the thread unless it runs, and keeps it for holdMs from now. */
  arm(): void {
    if (this.closed) return;
    this.armedAt = this.now();
    if (!this.worker) this.boot();
    this.holdTimer ??= this.holdFor(this.holdMs);
  }

  /** Whether the thread runs now. */
  running(): boolean {
    return this.worker !== null;
  }

  setFiles(files: string[]): void {
    this.files = files;
    if (this.worker) this.postFiles();
  }

  /** Resolves once the running thread took the last list of files (at once if none runs; or once it is gone). */
  ready(): Promise<void> {
    return !this.worker || this.readyLists >= this.lists ? Promise.resolve() : new Promise((r) => this.waiting.push(r));
  }

  setLimits(limits: CutterLimits): void {
    this.limits = config(limits);
    this.worker?.postMessage({ limits: this.limits } satisfies ToCutter);
  }

  close(): void {
    this.closed = true;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.end();
  }

  private boot(): void {
    const src = `const { parentPort, workerData } = require("node:worker_threads");\n(${cutterThread.toString()})(require("node:fs"), parentPort, workerData);`;
    const w = new Worker(src, { eval: true, workerData: this.limits, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } });
    this.worker = w;
    this.up = false;
    this.lists = 0;
    this.readyLists = 0;
    w.on("message", (m: CutReport | Ready) => {
      if (this.worker !== w) return;
      if ("ready" in m) {
        this.readyLists = m.ready;
        // held from when it is up: a boot slower than the hold (a loaded machine) does not end it
        // before it took its files
        this.up = true;
        this.armedAt = Math.max(this.armedAt, this.now());
        this.holdTimer ??= this.holdFor(this.holdMs);
        if (this.readyLists >= this.lists) this.release();
      } else this.onCut(m);
    });
    w.on("error", (err) => this.onError?.(err));
    // gone (an error, its memory limit): nobody waits for it; the next arm() starts another
    w.on("exit", () => {
      if (this.worker !== w) return; // one ended before (end())
      this.worker = null;
      this.release();
    });
    w.unref();
    this.postFiles();
  }

  private postFiles(): void {
    this.lists++;
    this.worker!.postMessage({ files: this.files } satisfies ToCutter);
  }

  /**
   * Checks again when the hold may end: the thread ends holdMs after the last arm() (or after it
   * took its files, if later). A thread still booting is left to its first ready, which checks again.
   * The check decides after what came in meanwhile (setImmediate: after this turn's I/O): a main
   * thread busy past the hold has the thread's cut reports and the guard's watch events queued, and
   * each arms again (ended first, the thread's reports were dropped: bytes cut but not said). A
   * check that ran BUSY_LATE_MS or more late holds it as an arm does: the main thread is still busy.
   */
  private holdFor(ms: number): NodeJS.Timeout {
    const due = this.now() + ms;
    const t = setTimeout(() => {
      const late = this.now() - due;
      setImmediate(() => {
        this.holdTimer = null;
        if (this.closed || (this.worker && !this.up)) return;
        if (late >= BUSY_LATE_MS) this.armedAt = Math.max(this.armedAt, this.now());
        const left = this.armedAt + this.holdMs - this.now();
        if (left > 0) this.holdTimer = this.holdFor(left);
        else this.end();
      });
    }, ms);
    t.unref();
    return t;
  }

  private end(): void {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    w.postMessage({ close: true } satisfies ToCutter);
    void w.terminate();
    this.release();
  }

  private release(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}

function config(l: CutterLimits): CutterConfig {
  return { ...l, slack: SLACK_BYTES, floodSlack: FLOOD_SLACK_BYTES, quietWakeMs: QUIET_WAKE_MS };
}

/**
 * The thread: self-contained (run from its source text: no imports, no outer names), given `fs` and
 * its port. Exported for tests, which run it on the test's own thread (fake timers).
 */
export function cutterThread(fs: typeof import("node:fs"), port: Pick<MessagePort, "on" | "postMessage">, initial: CutterConfig): void {
  let lists = 0;
  interface F {
    file: string;
    fd: number;
    ino: number;
    size: number;
    at: number;
    fastUntil: number;
    idle: number;
    /** When its watch last fired. */
    wokeAt: number;
    timer: NodeJS.Timeout | null;
    watcher: import("node:fs").FSWatcher | null;
    /** Read-only, open while the watch is: a wake's stat through it (fstat), not by path (~60 µs more a burst). */
    rfd: number;
    /** Its link count when the watch was set: another one means the path may name another file now. */
    links: number;
  }
  let c = initial;
  const files = new Map<string, F>();
  const now = () => Date.now();
  const closeFd = (f: F) => {
    if (f.fd >= 0) fs.closeSync(f.fd);
    f.fd = -1;
  };
  const unwatch = (f: F) => {
    f.watcher?.close();
    f.watcher = null;
    if (f.rfd >= 0) fs.closeSync(f.rfd);
    f.rfd = -1;
  };
  // while watched, the path names the file watched until a rename (the watch says "rename": off).
  // Its links changed: removed, or replaced by a rename over it (sed -i, mv); the descriptor holds
  // that inode, so no "rename" comes and the watch would stay on a file no one writes: watch and
  // descriptor off, the path looked at (the file there watched when the check ends)
  const lookAt = (f: F) => {
    if (f.rfd >= 0) {
      const st = fs.fstatSync(f.rfd);
      if (st.nlink === f.links) return st;
      unwatch(f);
    }
    return fs.statSync(f.file);
  };
  // files due for a check 200 ms from now (slow writers) are checked together, on one timer: a
  // timer per file woke this thread five times a second per service logging a line at a time
  const QUIET_MS = 200;
  const round = new Set<F>();
  let roundTimer: NodeJS.Timeout | null = null;
  const cancel = (f: F) => {
    if (f.timer) clearTimeout(f.timer);
    f.timer = null;
    round.delete(f);
  };
  const drop = (f: F) => {
    files.delete(f.file);
    cancel(f);
    unwatch(f);
    closeFd(f);
  };
  const schedule = (f: F, ms: number) => {
    if (files.get(f.file) !== f) return;
    cancel(f);
    unwatch(f);
    f.timer = setTimeout(() => {
      f.timer = null;
      check(f);
    }, ms);
  };
  /** In the next quiet round: within QUIET_MS, never later. */
  const joinRound = (f: F) => {
    if (files.get(f.file) !== f) return;
    cancel(f);
    unwatch(f);
    round.add(f);
    roundTimer ??= setTimeout(() => {
      roundTimer = null;
      const due = [...round];
      round.clear();
      for (const g of due) check(g);
    }, QUIET_MS);
  };
  /**
   * Idle: the fd closed, the next write (an inotify event) brings a check. Written since the check
   * (a writer at work now, like a flood that was going on when this thread took the file): checked
   * again hotMs later, where its rate shows, not in the next quiet round. True: its next check is
   * arranged; false: it cannot be watched.
   */
  const watchIdle = (f: F): boolean => {
    if (f.watcher) {
      // still on since a quiet wake: a write after that wake's stat brings an event
      closeFd(f);
      return true;
    }
    try {
      f.watcher = fs.watch(f.file, { persistent: false }, (event) => {
        // the rate is taken since the last check, not since this wake (a burst is all there at
        // once and would look like a flood, held hot for hotHoldMs); a flood shows at the next
        // check, hotMs later — or, after a quiet wake, at the next wake, which comes at once
        const t = now();
        const quiet = t - f.wokeAt >= c.quietWakeMs;
        f.wokeAt = t;
        // off at once (a flood makes an event per write), but for a write after a quiet while:
        // its check may leave the watch on; a rename: the watch is on the file that went
        if (!quiet || event !== "change") unwatch(f);
        check(f, true, quiet);
      });
      f.watcher.on("error", () => {
        unwatch(f);
        schedule(f, 200);
      });
      f.rfd = fs.openSync(f.file, "r");
      const st = fs.fstatSync(f.rfd);
      f.links = st.nlink;
      if (st.size !== f.size) {
        schedule(f, c.hotMs);
        return true;
      }
    } catch {
      unwatch(f);
      return false;
    }
    closeFd(f);
    return true;
  };
  const makeEmpty = (file: string): boolean => {
    try {
      try {
        fs.mkdirSync(file.slice(0, file.lastIndexOf("/")), { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      fs.closeSync(fs.openSync(file, "a", 0o600));
      return true;
    } catch {
      return false;
    }
  };
  const check = (f: F, woke = false, quietWake = false) => {
    if (files.get(f.file) !== f) return;
    const t = now();
    let next = QUIET_MS;
    try {
      const st = lookAt(f);
      const grew = st.size > f.size;
      const rate = (st.size - f.size) / Math.max(1, t - f.at); // bytes per ms since the last check
      if (grew && rate * 1000 >= c.maxBytes) f.fastUntil = t + c.hotHoldMs;
      const flood = t < f.fastUntil;
      const limit = flood ? c.floodBytes + c.floodSlack : c.maxBytes + c.slack;
      f.size = st.size;
      f.at = t;
      const cut = st.size > limit;
      if (cut) {
        if (f.fd >= 0 && f.ino !== st.ino) closeFd(f); // the file was replaced
        if (f.fd < 0) {
          f.fd = fs.openSync(f.file, "r+");
          f.ino = fs.fstatSync(f.fd).ino;
        }
        const size = fs.fstatSync(f.fd).size;
        fs.ftruncateSync(f.fd, 0);
        f.size = 0;
        port.postMessage({ file: f.file, bytes: size });
      }
      f.idle = grew ? 0 : f.idle + 1;
      // woken after a quiet while (a burst now and then), no flood, nothing cut: its watch stays on
      // (a flood going on wakes it again at once, and that wake is not a quiet one)
      if (woke && quietWake && !flood && !cut && watchIdle(f)) return;
      // a flood, or just woken (its rate not known yet): every hotMs; growing: half the time its
      // rate needs to reach the limit, within hotMs and 200 ms; idle for 5 checks: watched
      if (flood || woke) next = c.hotMs;
      else if (grew) next = Math.min(QUIET_MS, Math.max(c.hotMs, (limit - f.size) / rate / 2));
      else if (f.idle >= 5 && watchIdle(f)) return;
    } catch {
      // not there yet: made empty and watched as the guard does (a child started later is seen at
      // its first write); its state dir gone: polled. A watch kept from a wake is on a file that went
      unwatch(f);
      if (makeEmpty(f.file) && watchIdle(f)) return;
      next = 1000;
    }
    if (next === QUIET_MS) joinRound(f);
    else schedule(f, Math.max(0, next - (now() - t)));
  };
  port.on("message", (m: ToCutter) => {
    if ("close" in m) {
      for (const f of [...files.values()]) drop(f);
      if (roundTimer) clearTimeout(roundTimer);
      roundTimer = null;
      return;
    }
    if ("limits" in m) {
      c = m.limits;
      return;
    }
    const want = new Set(m.files);
    for (const f of [...files.values()]) if (!want.has(f.file)) drop(f);
    for (const file of want) {
      if (files.has(file)) continue;
      // idle until it grows: watched after the first check
      const f: F = { file, fd: -1, ino: -1, size: 0, at: now(), fastUntil: 0, idle: 5, wokeAt: -Infinity, timer: null, watcher: null, rfd: -1, links: 0 };
      files.set(file, f);
      try {
        f.size = fs.statSync(file).size;
      } catch {
        /* made by the guard, or later */
      }
      check(f);
    }
    port.postMessage({ ready: ++lists });
  });
}
