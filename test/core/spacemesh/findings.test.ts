import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/protocol/model.js";
import { FindingSchema } from "../../../src/protocol/model.js";
import { joinIdentities } from "../../../src/core/spacemesh/join.js";
import { attachFindings, computeFindings, type FindingsInput } from "../../../src/core/spacemesh/findings.js";
import { healthyRig, keyHex, keyInput, NOW, posDir } from "./rig-input.js";

function run(input: FindingsInput): Finding[] {
  const findings = computeFindings({ ...input, identities: joinIdentities(input) });
  for (const f of findings) FindingSchema.parse(f);
  return findings;
}
const ids = (fs: Finding[]) => fs.map((f) => f.id);

/** Breaks the healthy rig with `breakIt`, expects `id` (and its subject), then fixes it and expects it gone. */
function triggersAndClears(
  id: string,
  breakIt: (input: FindingsInput, ctx: ReturnType<typeof healthyRig>) => void,
  fixIt: (input: FindingsInput, ctx: ReturnType<typeof healthyRig>) => void,
  expectSubject?: string | null,
  expectSeverity?: Finding["severity"],
): Finding {
  const ctx = healthyRig();
  expect(run(ctx.input)).toEqual([]);
  breakIt(ctx.input, ctx);
  const found = run(ctx.input).find((f) => f.id === id);
  expect(found, `finding ${id}`).toBeDefined();
  if (expectSubject !== undefined) expect(found!.subject).toBe(expectSubject);
  if (expectSeverity) expect(found!.severity).toBe(expectSeverity);
  fixIt(ctx.input, ctx);
  expect(ids(run(ctx.input))).not.toContain(id);
  return found!;
}

describe("findings: each triggered by its input and cleared when fixed", () => {
  it("a healthy rig has none", () => {
    expect(run(healthyRig().input)).toEqual([]);
  });

  it("node PROVING while the identity's service is stopped", () => {
    const f = triggersAndClears(
      "proving-service-down",
      (i) => {
        i.postStates![0]!.state = "PROVING";
        i.services[0] = { ...i.services[0]!, state: "stopped" };
      },
      (i) => {
        i.services[0] = { ...i.services[0]!, state: "running", startedAt: 5000 };
      },
      "post1.key",
      "error",
    );
    expect(f.title).toBe("node is PROVING for post1.key but its post-service s1 is stopped");
    expect(f.fix).toContain("postdeck start s1");
  });

  it("proving on demand: a service the orchestrator holds back for its disk is no fault; when it fails it is", () => {
    const ctx = healthyRig();
    const i = ctx.input;
    i.postStates![0]!.state = "PROVING";
    i.services[0] = { ...i.services[0]!, state: "stopped" };
    i.nodeLog!.notConnected.set(ctx.k1.nodeId, NOW - 5_000); // the node's warnings while it waits are expected
    i.provingQueue = new Map([["post1.key", "disk sda busy: post2.key proving"]]);
    expect(run(i)).toEqual([]);
    i.services[0] = { ...i.services[0], state: "failed", reason: "binary not found" };
    expect(ids(run(i))).toContain("proving-service-down");
  });

  it("the proving plan's predicted misses are warnings on their identity, gone when the plan fits", () => {
    const f = triggersAndClears(
      "proof-predicted-miss",
      (i) => {
        i.predictedMisses = [{ keyFile: "post2.key", missByMs: 4 * 60_000, reason: "disk sda has 8 proofs to run", fix: "move post2.key to disk sdb" }];
      },
      (i) => {
        i.predictedMisses = [];
      },
      "post2.key",
      "warning",
    );
    expect(f.title).toBe("post2.key's proof would finish about 4m after the cycle gap closes");
    expect(f.fix).toBe("move post2.key to disk sdb");
  });

  it("node PROVING while the service runs but is not connected", () => {
    triggersAndClears(
      "proving-service-down",
      (i, { k1 }) => {
        i.postStates![0]!.state = "PROVING";
        i.serviceLogs.s1!.disconnectedAt = 7000;
        i.nodeLog!.connected.delete(k1.nodeId);
      },
      (i) => {
        i.serviceLogs.s1!.connectedAt = 8000;
      },
      "post1.key",
    );
  });

  it("`post service not connected` seen recently in the node log", () => {
    triggersAndClears(
      "proving-service-down",
      (i, { k2 }) => {
        i.nodeLog!.notConnected.set(k2.nodeId, NOW - 10_000);
      },
      (i) => {
        i.now = NOW + 120_000; // the warning stopped: the service reconnected
      },
      "post2.key",
    );
  });

  it("a key added after the node started: restart needed", () => {
    const f = triggersAndClears(
      "node-restart-needed",
      (i) => {
        const k = keyHex();
        i.keys.push(keyInput("post3.key", k.hex, { appearedAt: NOW - 1000 }));
        i.posDirs.push(posDir("s3", k.nodeId));
        i.postAddresses.push({ service: "s3", address: "127.0.0.1:9094" });
      },
      (i) => {
        // node restarted and registered it
        const k3 = i.keys[2]!;
        if (k3.check.ok) {
          i.smesherIds!.push(k3.check.nodeId);
          i.nodeLog!.registered.set(k3.check.nodeId.slice(0, 6), NOW - 10);
        }
      },
      "post3.key",
      "warning",
    );
    expect(f.fix).toContain("registered signing key");
  });

  it("a service whose PoS NodeId has no key", () => {
    triggersAndClears(
      "pos-without-key",
      (i) => {
        i.posDirs.push(posDir("s3", keyHex().nodeId));
      },
      (i) => {
        i.posDirs.pop();
      },
      "s3",
      "error",
    );
  });

  it("a key with no PoS dir or no service", () => {
    triggersAndClears(
      "key-without-service",
      (i) => {
        i.posDirs.pop();
      },
      (i, { k2 }) => {
        i.posDirs.push(posDir("s2", k2.nodeId));
      },
      "post2.key",
      "warning",
    );
  });

  it("two keys with one public key", () => {
    const f = triggersAndClears(
      "duplicate-key",
      (i, { k1 }) => {
        i.keys.push(keyInput("copy.key", k1.hex));
      },
      (i) => {
        i.keys.pop();
      },
      "copy.key",
      "error",
    );
    expect(f.title).toBe("duplicate key found in identity files");
  });

  it("local.key among several keys", () => {
    const f = triggersAndClears(
      "local-key-in-remote",
      (i) => {
        i.keys.push(keyInput("local.key", keyHex().hex));
      },
      (i) => {
        i.keys.pop();
      },
      "local.key",
    );
    expect(f.title).toBe("Identities contain key for supervised smeshing (local.key). This is not supported in remote smeshing.");
  });

  it("smeshing-start true with remote services", () => {
    triggersAndClears(
      "smeshing-start-remote",
      (i) => {
        i.nodeConfig!.smeshingStart = true;
      },
      (i) => {
        i.nodeConfig!.smeshingStart = false;
      },
      null,
      "error",
    );
  });

  it("no coinbase (from gRPC, or from the node config when gRPC is down)", () => {
    triggersAndClears(
      "no-coinbase",
      (i) => {
        i.coinbase = "";
      },
      (i) => {
        i.coinbase = "sm1qqqq";
      },
    );
    triggersAndClears(
      "no-coinbase",
      (i) => {
        i.coinbase = null;
        i.nodeConfig!.coinbase = null;
      },
      (i) => {
        i.nodeConfig!.coinbase = "sm1qqqq";
      },
    );
  });

  it("post listener unset or on a random port", () => {
    triggersAndClears(
      "post-listener-random",
      (i) => {
        i.nodeConfig!.listeners.post = null;
      },
      (i) => {
        i.nodeConfig!.listeners.post = "127.0.0.1:9094";
      },
    );
    triggersAndClears(
      "post-listener-random",
      (i) => {
        i.nodeConfig!.listeners.post = "127.0.0.1:0";
      },
      (i) => {
        i.nodeConfig!.listeners.post = "0.0.0.0:9094";
        i.nodeConfig!.listeners.tls = "0.0.0.0:9095";
      },
    );
  });

  it("post listener not matching the services' --address", () => {
    triggersAndClears(
      "post-listener-mismatch",
      (i) => {
        i.nodeConfig!.listeners.post = "127.0.0.1:9099";
      },
      (i) => {
        i.postAddresses = i.postAddresses.map((a) => ({ ...a, address: "http://localhost:9099" }));
      },
      "s1",
    );
  });

  it("post listener on a non-loopback address without TLS", () => {
    triggersAndClears(
      "post-listener-no-tls",
      (i) => {
        i.nodeConfig!.listeners.post = "0.0.0.0:9094";
      },
      (i) => {
        i.nodeConfig!.listeners.post = "127.0.0.1:9094";
      },
      null,
      "warning",
    );
  });

  it("a service stuck in DoneProving after the node went IDLE", () => {
    const f = triggersAndClears(
      "service-stuck-done",
      (i) => {
        i.services[1] = { ...i.services[1]!, operator: { kind: "done" } };
        i.doneSince = { s2: NOW - 60_000 };
        i.serviceLogs.s2!.proofFailure = "failed to generate proof: oops";
      },
      (i) => {
        i.services[1] = { ...i.services[1]!, operator: { kind: "idle" } };
        i.doneSince = {};
      },
      "s2",
      "error",
    );
    expect(f.fix).toContain("postdeck restart s2");
    expect(f.detail).toContain("failed to generate proof: oops");
  });

  it("DoneProving for a moment is not a finding yet", () => {
    const { input } = healthyRig();
    input.services[1] = { ...input.services[1]!, operator: { kind: "done" } };
    input.doneSince = { s2: NOW - 1000 };
    expect(ids(run(input))).not.toContain("service-stuck-done");
  });

  it("key file with a trailing newline, CRLF or a wrong length, in the node's wording", () => {
    const lf = triggersAndClears(
      "key-invalid",
      (i, { k1 }) => {
        i.keys[0] = keyInput("post1.key", k1.hex + "\n");
      },
      (i, { k1 }) => {
        i.keys[0] = keyInput("post1.key", k1.hex);
      },
      "post1.key",
      "error",
    );
    expect(lf.title).toBe("failed to construct identity post1.key: decoding private key in post1.key: encoding/hex: invalid byte: U+000A");
    expect(lf.fix).toContain("truncate -s 128 /data/identities/post1.key");
    const crlf = triggersAndClears(
      "key-invalid",
      (i, { k1 }) => {
        i.keys[0] = keyInput("post1.key", k1.hex + "\r\n");
      },
      (i, { k1 }) => {
        i.keys[0] = keyInput("post1.key", k1.hex);
      },
    );
    expect(crlf.title).toBe("failed to construct identity post1.key: invalid key size 65/64 for post1.key");
    const short = triggersAndClears(
      "key-invalid",
      (i, { k1 }) => {
        i.keys[0] = keyInput("post1.key", k1.hex.slice(0, 100));
      },
      (i, { k1 }) => {
        i.keys[0] = keyInput("post1.key", k1.hex);
      },
    );
    expect(short.title).toBe("failed to construct identity post1.key: invalid key size 50/64 for post1.key");
  });

  it("key file with loose permissions", () => {
    const f = triggersAndClears(
      "key-permissions",
      (i) => {
        i.keys[1] = { ...i.keys[1]!, mode: 0o644 };
      },
      (i) => {
        i.keys[1] = { ...i.keys[1]!, mode: 0o600 };
      },
      "post2.key",
      "warning",
    );
    expect(f.fix).toBe("chmod 600 /data/identities/post2.key");
  });

  it("identities dir looser than 0700", () => {
    const f = triggersAndClears(
      "identities-dir-permissions",
      (i) => {
        i.identitiesDirMode = 0o755;
      },
      (i) => {
        i.identitiesDirMode = 0o700;
      },
    );
    expect(f.fix).toBe("chmod 700 /data/identities");
  });

  it("PoS data still initialising", () => {
    triggersAndClears(
      "pos-initialising",
      (i) => {
        i.posDirs[0] = { ...i.posDirs[0]!, data: { state: "initialising", bytesPresent: 50, bytesTotal: 100, filesPresent: 1, filesExpected: 2 } };
      },
      (i) => {
        i.posDirs[0] = { ...i.posDirs[0]!, data: { state: "complete", bytesPresent: 100, bytesTotal: 100, filesPresent: 2, filesExpected: 2 } };
      },
      "s1",
    );
  });

  it("disk nearly full on the node volume or too small to finish a PoS init", () => {
    triggersAndClears(
      "disk-nearly-full",
      (i) => {
        i.disk[0] = { path: "/data", freeBytes: 1024 ** 3, totalBytes: 1000 * 1024 ** 3 };
      },
      (i) => {
        i.disk[0] = { path: "/data", freeBytes: 500 * 1024 ** 3, totalBytes: 1000 * 1024 ** 3 };
      },
      null,
      "error",
    );
    triggersAndClears(
      "disk-nearly-full",
      (i) => {
        i.posDirs[0] = { ...i.posDirs[0]!, data: { state: "initialising", bytesPresent: 0, bytesTotal: 100 * 1024 ** 3, filesPresent: 0, filesExpected: 2 } };
      },
      (i) => {
        i.disk[1] = { path: "/pos", freeBytes: 200 * 1024 ** 3, totalBytes: 4000 * 1024 ** 3 };
      },
      "s1",
    );
  });

  it("a startup error in the node log while the node is down; cleared when it runs", () => {
    triggersAndClears(
      "node-startup-error",
      (i) => {
        i.nodeReachable = false;
        i.nodeLog!.startupErrors.push({ code: "file-lock", message: "getting exclusive file lock: only one spacemesh instance should be running", at: NOW - 5 });
      },
      (i) => {
        i.nodeReachable = true;
      },
    );
  });

  it("the findings about an identity are listed on it", () => {
    const { input, k1 } = healthyRig();
    input.keys[1] = { ...input.keys[1]!, mode: 0o644 };
    input.postStates![0]!.state = "PROVING";
    input.services[0] = { ...input.services[0]!, state: "failed" };
    void k1;
    const joined = joinIdentities(input);
    const findings = computeFindings({ ...input, identities: joined });
    const withIds = attachFindings(joined, findings);
    expect(withIds[0]!.findings).toEqual(["proving-service-down"]);
    expect(withIds[1]!.findings).toEqual(["key-permissions"]);
    expect(findings[0]!.severity).toBe("error");
  });
});

describe("more findings", () => {
  it("PoS metadata missing in a service's dir", () => {
    const f = triggersAndClears(
      "pos-metadata-unreadable",
      (i) => {
        i.posDirs.push({ service: "s3", dir: "/pos/s3", metadata: { ok: false, missing: true, problem: "postdata_metadata.json not found in /pos/s3" }, data: null });
      },
      (i) => {
        i.posDirs.pop();
      },
      "s3",
      "error",
    );
    expect(f.detail).toBe("postdata_metadata.json not found in /pos/s3");
  });

  it("two services on one identity's PoS data", () => {
    triggersAndClears(
      "duplicate-service",
      (i, { k1 }) => {
        i.posDirs.push(posDir("s1-copy", k1.nodeId));
      },
      (i) => {
        i.posDirs.pop();
      },
      "s1-copy",
    );
  });

  it("a node config that cannot be used", () => {
    triggersAndClears(
      "node-config-problem",
      (i) => {
        i.nodeConfigProblems = ["/etc/node.json: not valid JSON (Unexpected token)"];
      },
      (i) => {
        i.nodeConfigProblems = [];
      },
      null,
      "warning",
    );
  });

  it("a recent `failed to generate initial proof` in the node log", () => {
    triggersAndClears(
      "initial-proof-failed",
      (i) => {
        i.nodeLog!.initialProofFailed = { at: NOW - 60_000, error: "post execution: error generating proof: status:GEN_PROOF_STATUS_ERROR", nodeId: null };
      },
      (i) => {
        i.now = NOW + 60 * 60_000; // no new failure for an hour: it went through
      },
    );
  });

  it("a malfeasance event for one of our identities", () => {
    triggersAndClears(
      "malfeasance",
      (i, { k2 }) => {
        i.events = [{ kind: "malfeasance", at: NOW - 5, smesher: k2.nodeId, failure: false, help: "", details: {} }];
      },
      (i) => {
        i.events = [];
      },
      "post2.key",
    );
  });

  it("the PROVING finding cites the node's log line only when it was seen", () => {
    const { input, k1 } = healthyRig();
    input.postStates![0]!.state = "PROVING";
    input.services[0] = { ...input.services[0]!, state: "stopped" };
    expect(run(input).find((f) => f.id === "proving-service-down")!.detail).toBe("PostStates: post1.key is PROVING (the node wants its proof now; it waits for the post-service and retries)");
    input.nodeLog!.notConnected.set(k1.nodeId, NOW - 1000);
    expect(run(input).find((f) => f.id === "proving-service-down")!.detail).toContain("post service not connected - waiting for reconnection");
  });
});

describe("proving-service-down edge cases", () => {
  it("a reconnection after the warning clears it at once", () => {
    const { input, k1 } = healthyRig();
    input.nodeLog!.connected.delete(k1.nodeId);
    input.nodeLog!.notConnected.set(k1.nodeId, NOW - 5000);
    expect(ids(run(input))).toContain("proving-service-down");
    input.serviceLogs.s1!.connectedAt = NOW - 1000; // obtained metadata after the warning
    expect(ids(run(input))).not.toContain("proving-service-down");
  });
  it("PROVING with no service postdeck knows of and no connection signal is a warning, not an error", () => {
    const { input } = healthyRig();
    input.postStates![1]!.state = "PROVING";
    input.posDirs.pop();
    input.nodeLog!.connected.clear();
    const f = run(input).find((x) => x.id === "proving-service-down")!;
    expect(f).toMatchObject({ subject: "post2.key", severity: "warning" });
  });
});

describe("post listener and key restart advice", () => {
  it("the node answers on its public listener but not on the post listener the services dial", () => {
    triggersAndClears(
      "post-listener-unreachable",
      (i) => {
        i.postListenerProblem = "PostInfoService.PostStates on 127.0.0.1:9094: No connection established";
      },
      (i) => {
        i.postListenerProblem = null;
      },
      null,
      "error",
    );
  });
  it("an invalid key added after the start asks to fix the file, not to restart first", () => {
    const { input, k1 } = healthyRig();
    input.keys.push(keyInput("post3.key", k1.hex.slice(0, 64) + "\n", { appearedAt: NOW - 10 }));
    const found = ids(run(input));
    expect(found).toContain("key-invalid");
    expect(found).not.toContain("node-restart-needed");
  });
});

describe("findings that depend on time alone say when they change (expires)", () => {
  /** Runs at `now` and returns the earliest time told to expires (Infinity: none). */
  function expiry(input: FindingsInput): number {
    let at = Infinity;
    run({ ...input, expires: (t) => void (at = Math.min(at, t)) });
    return at;
  }

  it("a healthy rig: none; each time-dependent input: the moment its finding changes, and the finding does change then", () => {
    expect(expiry(healthyRig().input)).toBe(Infinity);
    const cases: { id: string; set: (i: FindingsInput, k2: { nodeId: string }) => void; at: number }[] = [
      // `post service not connected` 10 s ago counts for NOT_CONNECTED_RECENT_MS (90 s)
      { id: "proving-service-down", set: (i, k2) => void i.nodeLog!.notConnected.set(k2.nodeId, NOW - 10_000), at: NOW + 80_001 },
      // DoneProving 1 s ago while the node is IDLE: stuck once STUCK_DONE_MS (30 s) have passed
      {
        id: "service-stuck-done",
        set: (i) => {
          i.services[1] = { ...i.services[1]!, operator: { kind: "done" } };
          i.doneSince = { s2: NOW - 1000 };
        },
        at: NOW + 29_000,
      },
      // `failed to generate initial proof` a minute ago counts for 15 min
      { id: "initial-proof-failed", set: (i) => void (i.nodeLog!.initialProofFailed = { at: NOW - 60_000, error: "oops", nodeId: null }), at: NOW + 14 * 60_000 + 1 },
    ];
    for (const c of cases) {
      const { input, k2 } = healthyRig();
      c.set(input, k2);
      expect(expiry(input), c.id).toBe(c.at);
      const has = ids(run(input)).includes(c.id);
      input.now = c.at - 1;
      expect(ids(run(input)).includes(c.id), `${c.id} just before`).toBe(has);
      input.now = c.at;
      expect(ids(run(input)).includes(c.id), `${c.id} at the time told`).toBe(!has);
    }
  });
});
