import { describe, expect, it } from "vitest";
import { PlanSchema } from "../../../src/protocol/model.js";
import { buildPlan, type PlanIdentityInput, type PlanInput } from "../../../src/core/orchestrator/planner.js";
import { estimateK2powMs, machineK2powPace, predictProof, type ProofRecord } from "../../../src/core/orchestrator/predict.js";
import { proofPhaseOf } from "../../../src/core/orchestrator/service-lines.js";
import { leadMs } from "../../../src/core/orchestrator/decide.js";
import { formatLateness } from "../../../src/presentation/units.js";
import { budget } from "./world.js";

const MIN = 60_000;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const OPENS = Date.parse("2026-12-06T20:00:00Z");
const window = { opensAt: OPENS, closesAt: OPENS + 12 * 60 * MIN };

/** An identity whose history says: k2pow k min, read r min (at its size), 5 s overhead. */
function ident(keyFile: string, disk: string, o: { k?: number; r?: number; size?: number; state?: PlanIdentityInput["state"]; live?: Partial<PlanIdentityInput["live"]>; history?: ProofRecord[]; settings?: Partial<PlanIdentityInput["settings"]> } = {}): PlanIdentityInput {
  const size = o.size ?? 256 * GiB;
  const k = (o.k ?? 5) * MIN;
  const r = (o.r ?? 60) * MIN;
  return {
    keyFile,
    service: keyFile.replace(".key", ""),
    disk,
    settings: { sizeBytes: size, units: size / (64 * GiB), threads: 4, nonces: 128, randomxMode: "fast", ...o.settings },
    history: o.history ?? [{ at: OPENS - 14 * 24 * 60 * MIN, k2powMs: k, readMs: r, totalMs: k + r + 5000, sizeBytes: size }],
    state: o.state ?? "waiting",
    manual: false,
    waitReason: null,
    live: { startedAt: null, position: null, operatorDone: false, finishedAt: null, ...o.live },
  };
}

function input(ids: PlanIdentityInput[], o: Partial<PlanInput> = {}): PlanInput {
  const disks = [...new Set(ids.map((i) => i.disk))];
  return {
    now: OPENS - 60 * MIN,
    window,
    budget: budget(),
    cores: 16,
    lanes: disks.map((d) => ({ disk: d, devices: [d], dirs: [], readBytesPerSec: null })),
    identities: ids,
    ...o,
  };
}

describe("prediction", () => {
  it("from the identity's own history: its k2pow, and its size at its past read rate", () => {
    const h: ProofRecord[] = [{ at: 0, k2powMs: 4 * MIN, readMs: 50 * MIN, totalMs: 54 * MIN + 8000, sizeBytes: 100 * GiB }];
    const p = predictProof({ sizeBytes: 200 * GiB, units: 3200, threads: 4, nonces: 128, randomxMode: "fast" }, h, 999);
    expect(p.basis).toBe("history (1 proof)");
    expect(p.k2powMs).toBe(4 * MIN);
    expect(p.readMs).toBeCloseTo(100 * MIN, -3); // twice the data at the same rate
    expect(p.overheadMs).toBe(8000);
  });

  it("without history: size ÷ the disk's measured rate + a k2pow estimate from units, nonces, threads", () => {
    const p = predictProof({ sizeBytes: 100 * 1024 * 1024 * 1024, units: 4, threads: 1, nonces: 64, randomxMode: "fast" }, [], 200 * 1024 * 1024);
    expect(p.basis).toBe("size ÷ measured disk rate + k2pow estimate");
    expect(p.readMs).toBeCloseTo(512_000, -2);
    expect(p.k2powMs).toBeCloseTo(150_000, -2); // 4 units, 64 nonces: ~2.5 min
    expect(estimateK2powMs({ units: 4, threads: 2, nonces: 64, randomxMode: "light" })).toBeCloseTo(300_000, -2);
  });

  it("without its own k2pow: this machine's pace measured on the other identities' proofs, scaled by units and nonces", () => {
    const fast = { units: 4, threads: 1, nonces: 64, randomxMode: "fast" as const };
    const seen = { settings: { ...fast, sizeBytes: 4 * MiB }, history: [{ at: 0, k2powMs: 1000, readMs: 12_000, totalMs: 15_000, sizeBytes: 4 * MiB }] };
    const fresh = { settings: { ...fast, units: 8, sizeBytes: 8 * MiB }, history: [] };
    const pace = machineK2powPace([seen, fresh]);
    const p = predictProof(fresh.settings, fresh.history, 300_000, pace);
    expect(p.k2powMs).toBeCloseTo(2000, 0); // twice the units: twice the measured 1 s (the estimate says 5 min)
    expect(p.basis).toBe("size ÷ measured disk rate + k2pow at this machine's measured pace");
    expect(machineK2powPace([fresh])).toBeNull(); // nothing measured: the estimate stands
    expect(predictProof(fresh.settings, [], 300_000, null).k2powMs).toBeCloseTo(300_000, -2);
  });

  it("reads post-service's phase lines", () => {
    expect(proofPhaseOf("[2026-01-01T00:00:00Z INFO  post::prove] finished k2pow in 2m 5s")).toEqual({ phase: "k2pow", ms: 125_000 });
    expect(proofPhaseOf("[2026-01-01T00:00:00Z INFO  post::prove] finished reading POST data in 0m 17s")).toEqual({ phase: "read", ms: 17_000 });
    expect(proofPhaseOf("started reading POST data")).toBeNull();
  });
});

describe("the plan before the gap", () => {
  it("lays each disk's proofs end to end from the gap's opening; the JSON has window and identities", () => {
    const r = buildPlan(input([ident("a.key", "sda", { r: 60 }), ident("b.key", "sda", { r: 120 }), ident("c.key", "sdb", { r: 30 })]));
    expect(PlanSchema.parse(r.plan)).toBeTruthy();
    expect(r.plan.window).toEqual(window);
    const e = Object.fromEntries(r.plan.identities.map((x) => [x.keyFile, x]));
    // longest first on a disk; both lanes start at the opening. A slot: start-up (half the 5 s
    // overhead), k2pow, read, hand-over. The second on a disk starts while the first still reads,
    // so that its start-up and k2pow (counted short by the safety margin) end as that read ends
    const pre = 2500 + 5 * MIN;
    const bReadEnd = OPENS + pre + 120 * MIN;
    expect(e["b.key"]!.predictedStart).toBe(OPENS);
    expect(e["b.key"]!.predictedFinish).toBe(bReadEnd + 2500);
    expect(e["a.key"]!.predictedStart).toBe(bReadEnd - leadMs(pre));
    expect(e["a.key"]!.predictedFinish).toBe(bReadEnd - leadMs(pre) + pre + 60 * MIN + 2500);
    expect(e["c.key"]!.predictedStart).toBe(OPENS);
    expect(r.plan.identities.every((x) => x.fits)).toBe(true);
    expect(r.order.slice(0, 2).sort()).toEqual(["b.key", "c.key"]);
  });

  it("says which identity would miss, by how much, why, and that another disk has room", () => {
    const ids = [ident("a.key", "sda", { r: 300 }), ident("b.key", "sda", { r: 300 }), ident("c.key", "sda", { r: 200 }), ident("d.key", "sdb", { r: 60 })];
    const r = buildPlan(input(ids));
    const miss = r.plan.identities.filter((x) => !x.fits);
    expect(miss).toHaveLength(1);
    expect(miss[0]!.disk).toBe("sda");
    expect(miss[0]!.missByMs).toBeGreaterThan(0);
    expect(miss[0]!.missByMs).toBe(miss[0]!.predictedFinish! - window.closesAt);
    expect(miss[0]!.reason).toMatch(/disk sda has 3 proof\(s\).*after the gap closes/);
    // the reason and the finding's title say the same lateness, rounded up
    expect(miss[0]!.reason).toContain(`, ${formatLateness(miss[0]!.missByMs!)} after the gap closes`);
    expect(miss[0]!.fix).toMatch(/move its PoS data to disk sdb/);
  });

  it("a lane that cannot fit all goes shortest first, so as many as possible fit", () => {
    // 12 h gap: 400 + 300 + 100 + 100 min of reading on one disk
    const ids = [ident("big.key", "sda", { r: 400 }), ident("mid.key", "sda", { r: 300 }), ident("s1.key", "sda", { r: 100 }), ident("s2.key", "sda", { r: 100 })];
    const r = buildPlan(input(ids));
    expect(r.plan.identities.filter((x) => !x.fits).map((x) => x.keyFile)).toEqual(["big.key"]);
  });

  it("orders lanes by the work they have left when the limits make them compete (the set fits; shortest-first would not)", () => {
    // at most 2 provers at once over 3 disks; A: one 60-min proof, B and C: three 20-min proofs each
    const short = (k: string, d: string) => ident(k, d, { k: 0, r: 20, history: [{ at: 0, k2powMs: 0, readMs: 20 * MIN, totalMs: 20 * MIN, sizeBytes: 256 * GiB }] });
    const ids = [ident("a.key", "A", { k: 0, r: 60, history: [{ at: 0, k2powMs: 0, readMs: 60 * MIN, totalMs: 60 * MIN, sizeBytes: 256 * GiB }] }), short("b1.key", "B"), short("b2.key", "B"), short("b3.key", "B"), short("c1.key", "C"), short("c2.key", "C"), short("c3.key", "C")];
    const w = { opensAt: OPENS, closesAt: OPENS + 110 * MIN };
    const r = buildPlan(input(ids, { window: w, budget: budget({ maxConcurrent: 2 }) }));
    const last = Math.max(...r.plan.identities.map((x) => x.predictedFinish!));
    expect(last).toBe(OPENS + 100 * MIN);
    expect(r.plan.identities.every((x) => x.fits)).toBe(true);
  });

  it("suggests fewer nonces when k2pow is what makes it miss", () => {
    const ids = [ident("a.key", "sda", { k: 680, r: 100 })];
    const r = buildPlan(input(ids, { lanes: [{ disk: "sda", devices: ["sda"], dirs: [], readBytesPerSec: null }] }));
    const miss = r.plan.identities.find((x) => !x.fits)!;
    expect(miss.fix).toMatch(/lower nonces from 128 to 64/);
  });

  it("suggests light → fast RandomX when the RAM budget allows", () => {
    const ids = [ident("a.key", "sda", { k: 650, r: 100, settings: { randomxMode: "light", nonces: 16, threads: 16 } })];
    const r = buildPlan(input(ids, { budget: budget({ memoryBytes: 8 * GiB }) }));
    expect(r.plan.identities[0]!.fix).toMatch(/switch randomxMode from light to fast/);
  });

  it("always mode: provers on one disk share it, so all finish late together", () => {
    const ids = [ident("a.key", "sda", { k: 0, r: 60 }), ident("b.key", "sda", { k: 0, r: 60 })];
    const r = buildPlan(input(ids, { budget: budget({ mode: "always" }) }));
    for (const e of r.plan.identities) expect(e.predictedFinish).toBeGreaterThanOrEqual(OPENS + 120 * MIN);
  });

  it("no clock: scheduled from now, nothing judged a miss", () => {
    const r = buildPlan(input([ident("a.key", "sda", { r: 2000 })], { window: null }));
    expect(r.plan.window).toBeNull();
    expect(r.plan.identities[0]).toMatchObject({ fits: true, missByMs: null, predictedStart: OPENS - 60 * MIN });
  });
});

describe("re-planning during the gap", () => {
  it("a proof under way ends after the rest of its read (operator /status position); the queue follows it", () => {
    const now = OPENS + 30 * MIN;
    const a = ident("a.key", "sda", { r: 60, state: "proving", live: { startedAt: OPENS, position: 128 * GiB } });
    const b = ident("b.key", "sda", { r: 60, state: "queued" });
    const r = buildPlan(input([a, b], { now }));
    const e = Object.fromEntries(r.plan.identities.map((x) => [x.keyFile, x]));
    expect(e["a.key"]!.predictedFinish).toBe(now + 30 * MIN + 2500); // half of 60 min left, then the hand-over
    // b's start-up and k2pow (from its history) run while a still reads
    expect(e["b.key"]!.predictedStart).toBe(now + 30 * MIN - leadMs(2500 + 5 * MIN));
  });

  it("without a k2pow from history the next one starts when the read before it ends (no overlap)", () => {
    const now = OPENS + 30 * MIN;
    const a = ident("a.key", "sda", { r: 60, state: "proving", live: { startedAt: OPENS, position: 128 * GiB } });
    const b = ident("b.key", "sda", { state: "queued", history: [] });
    const r = buildPlan(input([a, b], { now }));
    const e = Object.fromEntries(r.plan.identities.map((x) => [x.keyFile, x]));
    expect(e["b.key"]!.predictedStart).toBe(now + 30 * MIN);
  });

  it("starts laid out as the orchestrator times them: by the time to its read it is given (its start-up to the node), history or not", () => {
    const now = OPENS + 30 * MIN;
    const a = ident("a.key", "sda", { r: 60, state: "proving", live: { startedAt: OPENS, position: 128 * GiB } });
    const fresh = ident("b.key", "sda", { state: "queued", history: [] });
    const e1 = Object.fromEntries(buildPlan(input([a, { ...fresh, toReadMs: 3000 }], { now })).plan.identities.map((x) => [x.keyFile, x]));
    expect(e1["b.key"]!.predictedStart).toBe(now + 30 * MIN - leadMs(3000));
    const known = ident("b.key", "sda", { r: 60, state: "queued" });
    const e2 = Object.fromEntries(buildPlan(input([a, { ...known, toReadMs: 4 * MIN }], { now })).plan.identities.map((x) => [x.keyFile, x]));
    expect(e2["b.key"]!.predictedStart).toBe(now + 30 * MIN - leadMs(4 * MIN));
  });

  it("a disk that slows down moves the prediction (rate from the proof's own recent history)", () => {
    const slow: ProofRecord = { at: 1, k2powMs: 5 * MIN, readMs: 400 * MIN, totalMs: 405 * MIN, sizeBytes: 256 * GiB };
    const base = ident("a.key", "sda", { r: 60 });
    const r = buildPlan(input([{ ...base, history: [...base.history, slow, slow] }, ident("b.key", "sda", { r: 330 })]));
    expect(r.plan.identities.some((x) => !x.fits)).toBe(true);
  });

  it("a finished identity is shown done with its real times", () => {
    const r = buildPlan(input([ident("a.key", "sda", { state: "done", live: { startedAt: OPENS, finishedAt: OPENS + 70 * MIN } })], { now: OPENS + 80 * MIN }));
    expect(r.plan.identities[0]).toMatchObject({ state: "done", predictedStart: OPENS, predictedFinish: OPENS + 70 * MIN, fits: true });
    expect(r.order).toEqual([]);
  });
});
