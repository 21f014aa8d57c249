import { describe, expect, it } from "vitest";
import { MIB } from "../../../src/core/orchestrator/budget.js";
import { decide, leadMs, OVERLAP_SAFETY, START_GRACE_MS, type DecideIdentity, type DecideService } from "../../../src/core/orchestrator/decide.js";
import { budget, World, type WorldIdentity } from "./world.js";

const MB = 1_000_000;
/** n identities per disk, 4 MB each (4 s to read alone at 1 MB/s), 2 s of k2pow. */
function rig(disks: string[], perDisk: number, o: Partial<WorldIdentity> = {}): WorldIdentity[] {
  const out: WorldIdentity[] = [];
  let k = 1;
  for (const d of disks) for (let j = 0; j < perDisk; j++, k++) out.push({ keyFile: `post${k}.key`, service: `post${k}`, disk: d, sizeBytes: 4 * MB, k2powMs: 2000, ...o });
  return out;
}
const bps = (disks: string[], rate = 1 * MB) => Object.fromEntries(disks.map((d) => [d, rate]));

describe("on-demand through whole epochs (fake clock)", () => {
  it("every identity proves once per gap, never more than perDisk provers on a disk, all stopped between gaps", () => {
    const w = new World(rig(["sda", "sdb"], 3), bps(["sda", "sdb"]), budget());
    for (let epoch = 0; epoch < 3; epoch++) {
      const g = w.gap(epoch);
      w.run(g.opensAt - w.now); // up to the gap: nothing runs, nothing needs a proof
      expect(w.running()).toEqual([]);
      w.run(g.closesAt - g.opensAt); // the gap
      for (const i of w.ids) {
        expect(i.postState, `${i.keyFile} in gap ${epoch}`).toBe("IDLE");
        expect(i.finishedAt).toBeGreaterThanOrEqual(g.opensAt);
        expect(i.finishedAt).toBeLessThan(g.closesAt);
      }
      w.run(5000);
      expect(w.running()).toEqual([]);
    }
    expect(Math.max(...w.maxPerDisk.values())).toBe(1);
    expect(w.stoppedWhileProving).toEqual([]);
    // three gaps × six identities: each started and stopped exactly once per gap
    expect(w.log.filter((l) => l.action.kind === "start")).toHaveLength(18);
    expect(w.log.filter((l) => l.action.kind === "stop")).toHaveLength(18);
  });

  it("perDisk 2 runs two per disk at once", () => {
    const w = new World(rig(["sda"], 4), bps(["sda"]), budget({ perDisk: 2 }));
    w.run(w.gap(0).closesAt - w.now);
    expect(w.maxPerDisk.get("sda")).toBe(2);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
  });

  it("queued services say why: the disk is busy with whom", () => {
    const w = new World(rig(["sda"], 2), bps(["sda"]), budget());
    w.run(w.gap(0).opensAt - w.now + 2000);
    const st = w.lastDecision!.services;
    const queued = Object.entries(st).find(([, s]) => s.status === "queued")!;
    expect(queued[1].reason).toMatch(/disk sda busy: post\d proving \(at most 1 per disk\)/);
  });

  it("the planner's order decides who starts first", () => {
    const w = new World(rig(["sda"], 3), bps(["sda"]), budget());
    w.order = ["post3.key", "post1.key", "post2.key"];
    w.run(w.gap(0).closesAt - w.now);
    expect(w.log.filter((l) => l.action.kind === "start").map((l) => l.action.service)).toEqual(["post3", "post1", "post2"]);
  });

  it("without an order, the largest PoS goes first", () => {
    const ids = rig(["sda"], 3);
    ids[1]!.sizeBytes = 8 * MB;
    const w = new World(ids, bps(["sda"]), budget());
    w.run(w.gap(0).opensAt - w.now + 1000);
    expect(w.log[0]!.action).toMatchObject({ kind: "start", service: "post2" });
  });
});

describe("faults", () => {
  it("a crash mid-proof: the supervisor restarts it, the disk stays its own meanwhile, the proof completes", () => {
    const w = new World(rig(["sda"], 2), bps(["sda"]), budget());
    w.crashDuringRead("post1", 2 * MB);
    w.run(w.gap(0).closesAt - w.now);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
    expect(w.maxPerDisk.get("sda")).toBe(1);
    // post2 was not started while post1 was in backoff (post1 was started once: restarts are the supervisor's)
    const starts = w.log.filter((l) => l.action.kind === "start").map((l) => l.action.service);
    expect(starts).toEqual(["post1", "post2"]);
    expect(w.stoppedWhileProving).toEqual([]);
  });

  it("a failed service (gave up restarting) is not restarted; the next one on its disk goes", () => {
    const w = new World(rig(["sda"], 2), bps(["sda"]), budget());
    w.run(w.gap(0).opensAt - w.now + 3000);
    const first = w.log[0]!.action.service;
    const s = w.svcs.get(first)!;
    s.state = "failed";
    s.operator = "idle";
    w.run(3000);
    const other = first === "post1" ? "post2" : "post1";
    expect(w.svcs.get(other)!.state).toBe("running");
    expect(w.lastDecision!.services[first]!.status).toBe("failed");
    expect(w.log.filter((l) => l.action.service === first && l.action.kind === "start")).toHaveLength(1);
  });

  it("the node restarting in the gap: nothing is started or stopped while its states are unknown", () => {
    const w = new World(rig(["sda", "sdb"], 2), bps(["sda", "sdb"]), budget());
    const g = w.gap(0);
    w.run(g.opensAt - w.now + 4000);
    const before = w.log.length;
    const running = w.running();
    w.nodeDownUntil = w.now + 10_000;
    w.run(9000);
    expect(w.log.length).toBe(before);
    expect(w.running()).toEqual(running);
    expect(Object.values(w.lastDecision!.services).filter((s) => s.status === "held").length).toBeGreaterThan(0);
    w.run(g.closesAt - w.now);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
    expect(Math.max(...w.maxPerDisk.values())).toBe(1);
  });

  it("a disk that slows down: its queue waits longer but never doubles up", () => {
    const w = new World(rig(["sda", "sdb"], 2), bps(["sda", "sdb"]), budget());
    const g = w.gap(0);
    w.run(g.opensAt - w.now + 3000);
    w.diskBps["sdb"] = 0.25 * MB;
    w.run(g.closesAt - w.now + 30_000);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
    expect(w.maxPerDisk.get("sdb")).toBe(1);
    const sdaLast = Math.max(...w.ids.filter((i) => i.disk === "sda").map((i) => i.finishedAt!));
    const sdbLast = Math.max(...w.ids.filter((i) => i.disk === "sdb").map((i) => i.finishedAt!));
    expect(sdbLast).toBeGreaterThan(sdaLast);
  });

  it("never stops a service mid-proof, even when the node says IDLE", () => {
    const d = decide(
      0,
      [{ keyFile: "a.key", service: "a", postState: "IDLE", sizeBytes: 1 }],
      [{ name: "a", state: "running", operator: "proving", randomxMode: "fast", manual: false, startedAt: 0 }],
      { a: "sda" },
      budget(),
      null,
    );
    expect(d.actions).toEqual([]);
  });

  it("DoneProving frees the disk: the next one starts while the node fetches the proof; the done one is not restarted", () => {
    const ids = [
      { keyFile: "a.key", service: "a", postState: "PROVING" as const, sizeBytes: 1 },
      { keyFile: "b.key", service: "b", postState: "PROVING" as const, sizeBytes: 1 },
    ];
    const svcs = [
      { name: "a", state: "running" as const, operator: "done" as const, randomxMode: "fast" as const, manual: false, startedAt: 0 },
      { name: "b", state: "stopped" as const, operator: "none" as const, randomxMode: "fast" as const, manual: false, startedAt: null },
    ];
    const d = decide(50_000, ids, svcs, { a: "sda", b: "sda" }, budget(), null);
    expect(d.actions).toEqual([{ kind: "start", service: "b", reason: expect.any(String) }]);
    expect(d.services["a"]).toEqual({ status: "proving", reason: "proof done: the node is fetching it" });
  });

  it("DoneProving that the node never takes (a stale challenge) is restarted after a minute, then started again", () => {
    const ids = [{ keyFile: "a.key", service: "a", postState: "PROVING" as const, sizeBytes: 1 }];
    const svc = { name: "a", state: "running" as const, operator: "done" as const, randomxMode: "fast" as const, manual: false, startedAt: 0, doneSince: 10_000 };
    expect(decide(69_000, ids, [svc], { a: "sda" }, budget(), null).actions).toEqual([]);
    expect(decide(70_000, ids, [svc], { a: "sda" }, budget(), null).actions).toEqual([{ kind: "stop", service: "a", reason: expect.stringMatching(/DoneProving for 60 s/) }]);
    const stopped = { ...svc, state: "stopped" as const, operator: "none" as const, startedAt: null, doneSince: null };
    expect(decide(72_000, ids, [stopped], { a: "sda" }, budget(), null).actions).toEqual([{ kind: "start", service: "a", reason: expect.any(String) }]);
  });

  it("a service just started is not stopped before its first /status answer", () => {
    const ids = [{ keyFile: "a.key", service: "a", postState: "IDLE" as const, sizeBytes: 1 }];
    const svc = { name: "a", state: "running" as const, operator: "none" as const, randomxMode: "fast" as const, manual: false, startedAt: 10_000 };
    expect(decide(12_000, ids, [svc], { a: "sda" }, budget(), null).actions).toEqual([]);
    expect(decide(12_000, ids, [{ ...svc, operator: "idle" }], { a: "sda" }, budget(), null).actions).toEqual([{ kind: "stop", service: "a", reason: expect.stringMatching(/IDLE/) }]);
    expect(decide(40_000, ids, [svc], { a: "sda" }, budget(), null).actions).toHaveLength(1);
  });

  it("a refused first /status ask is no answer: the service is not stopped before its grace is over", () => {
    const ids = [{ keyFile: "a.key", service: "a", postState: "IDLE" as const, sizeBytes: 1 }];
    const refused = { name: "a", state: "running" as const, operator: "unreachable" as const, randomxMode: "fast" as const, manual: false, startedAt: 10_000 };
    expect(decide(12_000, ids, [refused], { a: "sda" }, budget(), null).actions).toEqual([]); // was stopped: "proof done"
    expect(decide(12_000, ids, [refused], { a: "sda" }, budget(), null).services.a).toEqual({ status: "idle", reason: null });
    expect(decide(10_000 + START_GRACE_MS, ids, [refused], { a: "sda" }, budget(), null).actions).toEqual([{ kind: "stop", service: "a", reason: expect.stringMatching(/IDLE/) }]);
  });
});

describe("by hand", () => {
  it("a hand-started service is left running and counts on its disk; a hand-stopped one is not restarted", () => {
    const w = new World(rig(["sda"], 3), bps(["sda"]), budget());
    w.byHand("post1", "start"); // before the gap, identity IDLE: the orchestrator would have stopped it
    w.byHand("post3", "stop");
    w.run(w.gap(0).opensAt - w.now);
    expect(w.svcs.get("post1")!.state).toBe("running");
    expect(w.lastDecision!.services["post1"]!.status).toBe("manual");
    expect(w.lastDecision!.services["post1"]!.reason).toMatch(/by hand/);
    w.run(w.gap(0).closesAt - w.now);
    // post1 proved (it was running when the node asked); post2 waited for it; post3 never started
    expect(w.id("post1").postState).toBe("IDLE");
    expect(w.id("post2").postState).toBe("IDLE");
    expect(w.id("post3").postState).toBe("PROVING");
    expect(w.svcs.get("post3")!.state).toBe("stopped");
    expect(w.maxPerDisk.get("sda")).toBe(1);
    expect(w.svcs.get("post1")!.state).toBe("running"); // still the operator's
    // handed back: the orchestrator takes it over
    w.svcs.get("post1")!.manual = false;
    w.svcs.get("post3")!.manual = false;
    w.run(20_000);
    expect(w.svcs.get("post1")!.state).toBe("stopped");
    expect(w.id("post3").postState).toBe("IDLE");
  });
});

describe("RAM budget", () => {
  it("fast RandomX (2080 MiB each): a 5000 MiB budget holds two provers at once, whatever the disks", () => {
    const w = new World(rig(["sda", "sdb", "sdc", "sdd"], 1), bps(["sda", "sdb", "sdc", "sdd"]), budget({ memoryBytes: 5000 * MIB }));
    w.run(w.gap(0).closesAt - w.now);
    expect(w.peakMemory).toBe(2 * 2080 * MIB);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
    const queued = w.log.length; // every identity started and stopped once
    expect(queued).toBe(8);
  });

  it("light RandomX (256 MiB each) lets all four prove at once within the same budget", () => {
    const w = new World(rig(["sda", "sdb", "sdc", "sdd"], 1, { randomxMode: "light" }), bps(["sda", "sdb", "sdc", "sdd"]), budget({ memoryBytes: 5000 * MIB }));
    w.run(w.gap(0).opensAt - w.now + 3000);
    expect(w.peakMemory).toBe(4 * 256 * MIB);
  });

  it("a budget below one prover still lets one run at a time (never a dead queue)", () => {
    const w = new World(rig(["sda", "sdb"], 1), bps(["sda", "sdb"]), budget({ memoryBytes: 1000 * MIB }));
    w.run(w.gap(0).closesAt - w.now);
    expect(w.peakMemory).toBe(2080 * MIB);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
  });

  it("the queue reason names the RAM budget", () => {
    const w = new World(rig(["sda", "sdb"], 1), bps(["sda", "sdb"]), budget({ memoryBytes: 3000 * MIB }));
    w.run(w.gap(0).opensAt - w.now + 2000);
    const q = Object.values(w.lastDecision!.services).find((s) => s.status === "queued")!;
    expect(q.reason).toMatch(/RAM budget: 2080 MiB held by 1 prover\(s\) \+ 2080 MiB \(RandomX fast\) > 3000 MiB/);
  });

  it("maxConcurrent caps provers over all disks", () => {
    const w = new World(rig(["sda", "sdb", "sdc"], 2), bps(["sda", "sdb", "sdc"]), budget({ maxConcurrent: 2 }));
    w.run(w.gap(0).closesAt - w.now + 20_000);
    expect(w.peakMemory).toBe(2 * 2080 * MIB);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
  });
});

describe("always", () => {
  it("takes no action: every service runs as configured and they all prove at once", () => {
    const w = new World(rig(["sda"], 3), bps(["sda"]), budget({ mode: "always" }));
    w.run(w.gap(0).closesAt - w.now);
    expect(w.log).toEqual([]);
    expect(w.maxPerDisk.get("sda")).toBe(3);
  });
});

describe("overlapped hand-overs (k2pow while the one before still reads)", () => {
  /** One disk, four identities of 4 MB (4 s to read alone), 6 s of k2pow each. */
  const overlapRig = () => rig(["sda"], 4, { k2powMs: 6000 });
  const lastFinish = (w: World) => Math.max(...w.ids.map((i) => i.finishedAt!));

  it("the next one starts while the disk is still read, so the disk idles less; never two readers", () => {
    const plain = new World(overlapRig(), bps(["sda"]), budget());
    plain.run(plain.gap(0).opensAt - plain.now + 90_000);
    const w = new World(overlapRig(), bps(["sda"]), budget());
    w.overlap = { k2powError: 1 };
    w.run(w.gap(0).opensAt - w.now + 90_000);
    for (const x of [plain, w]) expect(x.ids.every((i) => i.postState === "IDLE")).toBe(true);
    expect(w.maxReadersPerDisk.get("sda")).toBe(1);
    expect(w.maxPerDisk.get("sda")).toBe(2); // one reading, one in k2pow
    // without overlap each hand-over idles the disk for start-up + k2pow (7 s); with it the first
    // proof's (8 s: the gap seen, start-up, k2pow) and then the safety margins only (≤ 2 s each)
    expect(plain.diskIdleMs.get("sda")).toBeGreaterThanOrEqual(4 * 7000);
    expect(w.diskIdleMs.get("sda")).toBeLessThanOrEqual(8000 + 3 * 2000);
    expect(lastFinish(w)).toBeLessThan(lastFinish(plain) - 10_000);
    expect(w.stoppedWhileProving).toEqual([]);
  });

  it("a start-up + k2pow predicted up to the safety share too long still never doubles the readers", () => {
    const w = new World(overlapRig(), bps(["sda"]), budget());
    w.overlap = { k2powError: 1 + OVERLAP_SAFETY };
    w.run(w.gap(0).opensAt - w.now + 90_000);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
    expect(w.maxReadersPerDisk.get("sda")).toBe(1);
  });

  it("a start-up + k2pow predicted too short only costs idle time: the next one starts later, never alongside", () => {
    const w = new World(overlapRig(), bps(["sda"]), budget());
    w.overlap = { k2powError: 0.5 };
    w.run(w.gap(0).opensAt - w.now + 90_000);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
    expect(w.maxReadersPerDisk.get("sda")).toBe(1);
  });

  it("perDisk 2: two read at once, two more in k2pow at most", () => {
    const w = new World(rig(["sda"], 6, { k2powMs: 6000 }), bps(["sda"]), budget({ perDisk: 2 }));
    w.overlap = { k2powError: 1 };
    w.run(w.gap(0).opensAt - w.now + 90_000);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
    expect(w.maxReadersPerDisk.get("sda")).toBe(2);
    expect(w.maxPerDisk.get("sda")).toBeLessThanOrEqual(4);
  });

  it("a prover in k2pow holds its RandomX memory: a budget for one fast prover allows no overlap", () => {
    const w = new World(overlapRig(), bps(["sda"]), budget({ memoryBytes: 3000 * MIB }));
    w.overlap = { k2powError: 1 };
    w.run(w.gap(0).opensAt - w.now + 90_000);
    expect(w.ids.every((i) => i.postState === "IDLE")).toBe(true);
    expect(w.maxPerDisk.get("sda")).toBe(1);
    expect(w.peakMemory).toBeLessThanOrEqual(3000 * MIB);
  });

  const id = (k: number, o: Partial<DecideIdentity> = {}): DecideIdentity => ({ keyFile: `post${k}.key`, service: `post${k}`, postState: "PROVING", sizeBytes: 4 * MB, ...o });
  const svc = (k: number, o: Partial<DecideService> = {}): DecideService => ({ name: `post${k}`, state: "stopped", operator: "none", randomxMode: "fast", manual: false, startedAt: null, ...o });
  const reading = (endsInMs: number): Partial<DecideService> => ({ state: "running", operator: "proving", startedAt: 0, proof: { phase: "read", readStartsInMs: 0, readEndsInMs: endsInMs } });
  const disks = { post1: "sda", post2: "sda", post3: "sda" };

  it("times the start: queued until the read before it ends within its k2pow, and says when to decide again", () => {
    const now = 1_000_000;
    const k2 = 5000;
    const lead = leadMs(k2);
    const ids = [id(1), id(2, { predicted: { toReadMs: k2, readMs: 4000 } })];
    const early = decide(now, ids, [svc(1, reading(lead + 3000)), svc(2)], disks, budget(), null);
    expect(early.actions).toEqual([]);
    expect(early.services.post2!.status).toBe("queued");
    expect(early.services.post2!.reason).toMatch(/disk sda busy: post1 proving .*starts 3 s before disk sda is free/);
    expect(early.wakeAt).toBe(now + 3000);
    const due = decide(now + 3000, ids, [svc(1, reading(lead)), svc(2)], disks, budget(), null);
    expect(due.actions).toEqual([expect.objectContaining({ kind: "start", service: "post2" })]);
    expect(due.actions[0]!.reason).toMatch(/its k2pow runs while post1 reads disk sda/);
  });

  it("no overlap when a holder's phase is unknown or the candidate has no prediction", () => {
    const p = { predicted: { toReadMs: 60_000, readMs: 4000 } };
    const unknown = decide(0, [id(1), id(2, p)], [svc(1, { ...reading(1000), proof: null }), svc(2)], disks, budget(), null);
    expect(unknown.actions).toEqual([]);
    const unpredicted = decide(0, [id(1), id(2)], [svc(1, reading(1000)), svc(2)], disks, budget(), null);
    expect(unpredicted.actions).toEqual([]);
    expect(unpredicted.wakeAt).toBeNull();
  });

  it("a read over frees its disk: the next starts without a prediction, before /status says DoneProving", () => {
    const d = decide(0, [id(1), id(2)], [svc(1, reading(0)), svc(2)], disks, budget(), null);
    expect(d.actions).toEqual([expect.objectContaining({ kind: "start", service: "post2" })]);
  });

  it("a read over (its line seen) frees its RAM too, while /status still says Proving or already Idle and the node PROVING", () => {
    // RAM for two fast provers, on two disks: post1 (sda) and post3 (sdb) hold it; post2 waits for post1
    const twoDisks = { post1: "sda", post2: "sda", post3: "sdb" };
    const ram = budget({ memoryBytes: 4500 * MIB });
    const ids = [id(1), id(2), id(3)];
    const held = decide(0, ids, [svc(1, reading(0)), svc(2), svc(3, reading(9000))], twoDisks, ram, null);
    expect(held.services.post2!.reason).toMatch(/RAM budget/);
    for (const operator of ["proving", "idle"] as const) {
      const d = decide(0, ids, [svc(1, { ...reading(0), operator, readOver: true }), svc(2), svc(3, reading(9000))], twoDisks, ram, null);
      expect(d.actions, operator).toEqual([expect.objectContaining({ kind: "start", service: "post2" })]);
    }
  });

  it("a staged prover whose read time is not known yet holds its slot: no wake at infinity", () => {
    const ids = [id(1), id(2, { predicted: { toReadMs: 1000, readMs: Infinity } }), id(3, { predicted: { toReadMs: 1000, readMs: Infinity } })];
    const d = decide(0, ids, [svc(1), svc(2), svc(3)], { post1: "sda", post2: "sda", post3: "sdb" }, budget(), ["post1.key", "post2.key", "post3.key"]);
    expect(d.actions.map((a) => a.service)).toEqual(["post1", "post3"]);
    expect(d.services.post2!.status).toBe("queued");
    expect(d.wakeAt).toBeNull();
  });

  it("keeps the planner's order on a disk: a later one with a longer k2pow does not jump the queue", () => {
    const ids = [id(1), id(2, { predicted: { toReadMs: 2000, readMs: 4000 } }), id(3, { predicted: { toReadMs: 60_000, readMs: 4000 } })];
    const d = decide(0, ids, [svc(1, reading(10_000)), svc(2), svc(3)], disks, budget(), ["post2.key", "post3.key"]);
    expect(d.actions).toEqual([]);
    expect(d.services.post3!.reason).toMatch(/post2 goes first/);
  });

  it("stages one per read slot: a third is not started while one reads and one is in k2pow", () => {
    const ids = [id(1), id(2), id(3, { predicted: { toReadMs: 600_000, readMs: 4000 } })];
    const k2 = { state: "running" as const, operator: "proving" as const, startedAt: 0, proof: { phase: "k2pow" as const, readStartsInMs: 1000, readEndsInMs: 5000 } };
    const d = decide(0, ids, [svc(1, reading(1000)), svc(2, k2), svc(3)], disks, budget(), null);
    expect(d.actions).toEqual([]);
    expect(d.services.post3!.status).toBe("queued");
  });
});
