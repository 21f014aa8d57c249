import { describe, expect, it } from "vitest";
import { OperatorStatusSchema, ServiceViewSchema } from "../../src/protocol/model.js";

describe("protocol model", () => {
  it("rejects a service view whose state is not one of the state machine's states", () => {
    const r = ServiceViewSchema.safeParse({ name: "a", state: "sleeping" });
    expect(r.success).toBe(false);
  });
  it("accepts a proving operator status with pass and percent", () => {
    const r = OperatorStatusSchema.parse({ kind: "proving", nonces: { start: 128, end: 256 }, position: 10, pass: 2, percent: 37.5 });
    expect(r.kind).toBe("proving");
  });
});
