import { describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fetchOperatorStatus, parseOperatorBody } from "../../../src/core/supervisor/operator-status.js";

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
