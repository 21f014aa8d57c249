// After a flood of log lines (services printing thousands of lines a second) the console's heap
// stays as large as the flood made it: V8 keeps its young generation grown and the old lines'
// garbage until its memory reducer runs, some seconds later or not at all (a million lines at
// 20,000/s left the console at ~200 MB; the log buffers hold ~13 MB of them). Once lines calm down
// after at least `floodLines` of them, the console asks V8 for a full collection at once; and its
// young generation does not grow at all (capYoungGeneration).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface FloodMemoryOptions {
  /** Lines since the last release that make a flood (default 50,000). */
  floodLines?: number;
  /** Fewer lines than this in a second: the flood is over (default 100). */
  calmPerS?: number;
}

export class FloodMemory {
  private count = 0;
  private recent = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly floodLines: number;
  private readonly calmPerS: number;

  constructor(
    private readonly release: () => void = releaseMemory,
    o: FloodMemoryOptions = {},
  ) {
    this.floodLines = o.floodLines ?? 50_000;
    this.calmPerS = o.calmPerS ?? 100;
  }

  /** `n` log lines arrived. A timer runs only while a flood is on (a second's count at a time). */
  lines(n: number): void {
    this.count += n;
    this.recent += n;
    if (this.count < this.floodLines || this.timer) return;
    this.recent = 0;
    this.timer = setInterval(() => {
      if (this.recent < this.calmPerS) {
        this.stop();
        this.count = 0;
        this.release();
      }
      this.recent = 0;
    }, 1000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

let gc: (() => void) | null = null;

/**
 * A full collection: the old lines' garbage goes and V8 gives the freed pages back. `gc` is made
 * available at run time (the console starts without V8 flags, as every command does). Called
 * without options: Node 20's V8 took `gc({ type: "major", ... })` as a no-op.
 */
export function releaseMemory(): void {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}

/**
 * Keeps V8's young generation at its starting size (1 MB semi-spaces) in this process, scavenged
 * on the main thread. V8 doubles it each time the objects surviving scavenges since its last
 * growth add up to its size, up to 16 MB semi-spaces (32 MB of new space, committed), which a flood of log lines always reaches
 * whatever the console keeps of them (a console keeping no line grew it the same); it shrinks it
 * again only at a collection after ~5 s of little allocation, so the 32 MB stayed for as long as
 * the console ran (1M lines at 20,000/s: ~134 MB RSS after in-process, ~103 MB with the cap).
 * The growth factor is read at each growth, so it acts when set at run time (a maximum size is
 * read at start only, and as a start-up flag it would slow every command's start).
 */
export function capYoungGeneration(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
  // A scavenge of 1 MB is short on the main thread alone; in parallel it waits for V8's worker
  // threads, which a busy machine leaves unscheduled: at load ~37 on 2 cores scavenges took 81 ms
  // of wall time on average with helpers, 18 ms without; at load ~9 about 2.4-3.2 ms either way,
  // with a quarter less CPU without. The console's scavenges (one or more per key's frame with
  // 1 MB semi-spaces) were in every slow key press.
  setFlagsFromString("--no-parallel-scavenge");
}
