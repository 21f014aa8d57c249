import { describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fetchOperatorStatus, OPERATOR_POLL, operatorPollDue, parseOperatorBody, urgentServices } from "../../../src/core/supervisor/operator-status.js";
import { MAINNET_TIMING, gapOf } from "../../../src/clock/epoch-clock.js";

describe("operator /status", () => {
  it("parses exactly the bodies post-service sends", () => {
    const basis = { posBytes: 4 * 1024 * 16 };
    expect(parseOperatorBody("Idle", basis)).toEqual({ kind: "idle" });
    expect(parseOperatorBody("DoneProving", basis)).toEqual({ kind: "done" });
    expect(parseOperatorBody({ Proving: { nonces: { start: 128, end: 256 }, position: 16384 } }, basis)).toEqual({
      kind: "proving", nonces: { start: 128, end: 256 }, position: 16384, pass: 2, percent: 25,
    });
    expect(parseOperatorBody({ Proving: { nonces: { start: 0, end: 128 }, position: 0 } }, { posBytes: null })).toMatchObject({ pass: 1, percent: null });
    expect(parseOperatorBody("Sleeping", basis).kind).toBe("unreachable");
  });
  it("reports refused connections and timeouts as unreachable", async () => {
    const srv = http.createServer(() => undefined); // never answers: RandomX initialising
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as AddressInfo).port;
    const s = await fetchOperatorStatus(`127.0.0.1:${port}`, { posBytes: null }, 300);
    expect(s).toMatchObject({ kind: "unreachable" });
    expect(s.kind === "unreachable" && s.error).toContain("no answer");
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
    const refused = await fetchOperatorStatus(`127.0.0.1:${port}`, { posBytes: null }, 300);
    expect(refused.kind === "unreachable" && refused.error).toContain("connection refused");
  });
});

describe("when /status is asked", () => {
  const t0 = 1_000_000;
  const idle = { kind: "idle" } as const;
  const at = (o: Partial<Parameters<typeof operatorPollDue>[0]>) => operatorPollDue({ now: t0, polledAt: t0 - 2000, startedAt: t0 - 3_600_000, status: idle, urgent: false, ...o });

  it("asks an idle service slowly while nothing can change it, fast while the node says PROVING or the gap is open", () => {
    expect(at({})).toBe(false); // idle, asked 2 s ago, not urgent: no request this tick
    expect(at({ polledAt: t0 - OPERATOR_POLL.slowMs })).toBe(true);
    expect(at({ urgent: true })).toBe(true);
    expect(at({ urgent: true, polledAt: t0 - 500 })).toBe(false);
  });
  it("asks a proving service fast (its progress moves), a new run at once, and a starting one fast until it answers", () => {
    expect(at({ status: { kind: "proving", nonces: { start: 0, end: 128 }, position: 1, pass: 1, percent: 1 } })).toBe(true);
    expect(at({ polledAt: null })).toBe(true);
    expect(at({ status: { kind: "unreachable", error: "connection refused" }, startedAt: t0 - 10_000 })).toBe(true);
    // unreachable for long after its start (a stuck API): no longer every tick
    expect(at({ status: { kind: "unreachable", error: "connection refused" }, startedAt: t0 - 3_600_000 })).toBe(false);
  });
  it("names the services to watch: the node's PROVING identities, or all while the cycle gap is open", () => {
    const identities = [
      { service: "a", postState: "PROVING" as const },
      { service: "b", postState: "IDLE" as const },
      { service: null, postState: "PROVING" as const },
    ];
    const gap = gapOf(MAINNET_TIMING, 60);
    expect(urgentServices({ identities, clock: MAINNET_TIMING, now: gap.opensAt - 60_000 })).toEqual(new Set(["a"]));
    expect(urgentServices({ identities, clock: MAINNET_TIMING, now: gap.opensAt + 60_000 })).toBe("all");
    expect(urgentServices({ identities, clock: null, now: gap.opensAt + 60_000 })).toEqual(new Set(["a"])); // no clock: the node's word only
  });
});
