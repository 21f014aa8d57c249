// Spawns of a burst take turns of the event loop: what else waits (timers, I/O, clients) runs
// between two spawns, not after all of them.
import { describe, expect, it } from "vitest";
import { spawnTurn } from "../../../src/core/supervisor/spawn-detached.js";

describe("spawnTurn", () => {
  it("gives each of a burst of callers a turn of the event loop of its own, in the order asked", async () => {
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: { who: number; turn: number }[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((who) => spawnTurn().then(() => seen.push({ who, turn }))));
    ticking = false;
    expect(seen.map((s) => s.who)).toEqual([0, 1, 2, 3, 4]);
    const turns = seen.map((s) => s.turn);
    expect(new Set(turns).size).toBe(5); // no two in the same turn
  });

});
