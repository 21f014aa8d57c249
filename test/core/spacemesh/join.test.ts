import { describe, expect, it } from "vitest";
import { joinIdentities } from "../../../src/core/spacemesh/join.js";
import { healthyRig, keyInput, NODE_START, posDir } from "./rig-input.js";

describe("the per-identity join", () => {
  it("links key file, node id, PoS dir, service, post state, registration and connection", () => {
    const { input, k1 } = healthyRig();
    input.postStates![0]!.state = "PROVING";
    input.events = [
      { kind: "post_start", at: 7000, smesher: k1.nodeId, failure: false, help: "", details: {} },
      { kind: "atx_published", at: 9000, smesher: k1.nodeId, failure: false, help: "", details: {} },
      { kind: "registered_in_poet", at: 8000, smesher: "ff".repeat(32), failure: false, help: "", details: {} },
    ];
    const [id1, id2] = joinIdentities(input);
    expect(id1).toMatchObject({
      keyFile: "post1.key",
      nodeId: k1.nodeId,
      shortId: k1.nodeId.slice(0, 6),
      keyProblem: null,
      posDir: "/pos/s1",
      units: 4,
      sizeBytes: 4 * 4294967296 * 16,
      initState: "complete",
      service: "s1",
      registered: "yes",
      registeredAt: NODE_START + 10,
      postState: "PROVING",
      connected: true,
      connectedAt: 6000,
    });
    expect(id1!.events.map((e) => e.kind)).toEqual(["registered", "connected", "post_start", "atx_published"]);
    expect(id2!.events.some((e) => e.kind === "registered_in_poet")).toBe(false);
  });

  it("a stopped service means not connected, whatever the log said before", () => {
    const { input } = healthyRig();
    input.services[0] = { ...input.services[0]!, state: "stopped", lastExit: { code: 0, signal: null, at: 8000 } };
    expect(joinIdentities(input)[0]).toMatchObject({ connected: false, connectedAt: null });
  });

  it("a later `disconnected` in the service log and a `not connected` warning mean not connected", () => {
    const { input, k2 } = healthyRig();
    input.serviceLogs.s1!.disconnectedAt = 7000;
    input.serviceLogs.s1!.disconnectReason = "disconnected: Ok(())";
    input.nodeLog!.connected.delete(input.postStates![0]!.nodeId);
    input.nodeLog!.notConnected.set(k2.nodeId, 9000);
    const [a, b] = joinIdentities(input);
    expect(a!.connected).toBe(false);
    expect(b!.connected).toBe(false);
  });

  it("registration: yes from the log, restart-needed for a key added after the start, not-yet, unknown without sources", () => {
    const { input, k1 } = healthyRig();
    const added = keyInput("post3.key", (k1.hex.startsWith("00") ? "01" : "00") + k1.hex.slice(2), {}); // invalid, nodeId null
    expect(added.check.ok).toBe(false);
    // a key that appeared after the node started and that the node does not list
    input.smesherIds = null;
    input.postStates = null;
    input.nodeLog!.registered.clear();
    input.keys[0] = { ...input.keys[0]!, appearedAt: NODE_START + 500 };
    input.keys[1] = { ...input.keys[1]!, appearedAt: NODE_START - 500 };
    let [a, b] = joinIdentities(input);
    expect(a!.registered).toBe("restart-needed");
    expect(b!.registered).toBe("not-yet");
    // an empty SmesherIDs means the node is not smeshing yet (supervised, before StartSmeshing): no restart
    input.smesherIds = [];
    input.keys[0] = { ...input.keys[0], appearedAt: NODE_START - 500 };
    [a] = joinIdentities(input);
    expect(a!.registered).toBe("not-yet");
    // while the node smeshes, a key it does not list and whose arrival is unknown was not loaded
    input.smesherIds = [input.keys[1].check.ok ? input.keys[1].check.nodeId : ""];
    input.keys[0] = { ...input.keys[0], appearedAt: null };
    [a] = joinIdentities(input);
    expect(a!.registered).toBe("restart-needed");
    // nothing known about the node
    input.smesherIds = null;
    input.nodeLog = null;
    input.nodeStartedAt = null;
    [a] = joinIdentities(input);
    expect(a!.registered).toBe("unknown");
  });

  it("a key without PoS data and a PoS dir still initialising", () => {
    const { input } = healthyRig();
    input.posDirs = [{ ...posDir("s1", input.postStates![0]!.nodeId), data: { state: "initialising", bytesPresent: 1, bytesTotal: 10, filesPresent: 1, filesExpected: 2 } }];
    const [a, b] = joinIdentities(input);
    expect(a).toMatchObject({ initState: "initialising", service: "s1" });
    expect(b).toMatchObject({ posDir: null, service: null, initState: "unknown" });
  });

  it("an invalid key file has no node id and carries the node's wording", () => {
    const { input, k1 } = healthyRig();
    input.keys[0] = keyInput("post1.key", k1.hex + "\n");
    const [a] = joinIdentities(input);
    expect(a).toMatchObject({
      nodeId: null,
      shortId: null,
      keyProblem: "failed to construct identity post1.key: decoding private key in post1.key: encoding/hex: invalid byte: U+000A",
      postState: "IDLE", // matched by name when the id is unknown
    });
  });
});
