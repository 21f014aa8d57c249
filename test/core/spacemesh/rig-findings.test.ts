// The findings about services, node sources, former keys, the daemon and alert sinks: each appears
// from its input and clears when the input is fixed.
import { describe, expect, it } from "vitest";
import type { Finding, SourceStatus } from "../../../src/protocol/model.js";
import { FindingSchema } from "../../../src/protocol/model.js";
import { joinIdentities } from "../../../src/core/spacemesh/join.js";
import { computeFindings, type FindingsInput } from "../../../src/core/spacemesh/findings.js";
import { looksNotGrpc } from "../../../src/core/spacemesh/rig-findings.js";
import { healthyRig, keyHex, NOW } from "./rig-input.js";

function run(input: FindingsInput): Finding[] {
  const findings = computeFindings({ ...input, identities: joinIdentities(input) });
  for (const f of findings) FindingSchema.parse(f);
  return findings;
}

function appearsAndClears(
  id: string,
  breakIt: (i: FindingsInput, ctx: ReturnType<typeof healthyRig>) => void,
  fixIt: (i: FindingsInput, ctx: ReturnType<typeof healthyRig>) => void,
  expect_: { subject?: string | null; severity?: Finding["severity"] } = {},
): Finding {
  const ctx = healthyRig();
  expect(run(ctx.input)).toEqual([]);
  breakIt(ctx.input, ctx);
  const found = run(ctx.input).filter((f) => f.id === id);
  expect(found, `finding ${id}`).toHaveLength(1);
  if (expect_.subject !== undefined) expect(found[0]!.subject).toBe(expect_.subject);
  if (expect_.severity) expect(found[0]!.severity).toBe(expect_.severity);
  expect(found[0]!.fix).not.toBe("");
  expect(found[0]!.detail).not.toBe("");
  fixIt(ctx.input, ctx);
  expect(run(ctx.input).map((f) => f.id)).not.toContain(id);
  return found[0]!;
}

const src = (name: string, live: boolean, error: string | null): SourceStatus => ({ name, live, error, updatedAt: null });
const down = (state: "failed" | "backoff" | "stopped", reason: string | null) => (i: FindingsInput) => {
  i.services[0] = { ...i.services[0]!, state, pid: null, reason, lastExit: { code: 1, signal: null, at: NOW - 5000 } };
};
const up = (i: FindingsInput) => {
  i.services[0] = { ...i.services[0]!, state: "running", pid: 100, reason: null };
};

describe("service findings", () => {
  it("a failed service nobody needs right now is an error (nothing restarts it), with the supervisor's reason", () => {
    const f = appearsAndClears("service-not-running", down("failed", "spawn post-service ENOENT: binary not found"), up, { subject: "s1", severity: "error" });
    expect(f.title).toBe("post-service s1 failed and will not be restarted");
    expect(f.detail).toContain("binary not found");
    expect(f.fix).toContain("binary");
  });

  it("a crash-looping service (backoff) is a warning", () => {
    const f = appearsAndClears("service-not-running", down("backoff", "exited with exit code 1; restart 3 in 1.7 s"), up, { subject: "s1", severity: "warning" });
    expect(f.fix).toContain("postdeck logs s1");
  });

  it("a service that exited on its own is a warning; one the operator stopped is none", () => {
    appearsAndClears("service-not-running", down("stopped", "exited normally (exit code 0; restart policy on-failure)"), up, { severity: "warning" });
    const ctx = healthyRig();
    down("stopped", null)(ctx.input);
    expect(run(ctx.input).map((f) => f.id)).not.toContain("service-not-running");
  });

  it("a stopped service while the node needs it (needsService hook) is an error", () => {
    const f = appearsAndClears(
      "service-needed-down",
      (i) => {
        down("stopped", null)(i);
        i.needsService = (id) => id.keyFile === "post1.key"; // e.g. the cycle gap is open
      },
      up,
      { subject: "s1", severity: "error" },
    );
    expect(f.title).toBe("post-service s1 is stopped while the node needs it for post1.key");
    expect(f.fix).toBe("start it: postdeck start s1");
  });

  it("by default the node needs a service while its identity is PROVING; the identity finding says so once", () => {
    const ctx = healthyRig();
    ctx.input.postStates![0]!.state = "PROVING";
    for (const state of ["stopped", "failed"] as const) {
      down(state, state === "failed" ? "binary /nonexistent/post-service not found" : null)(ctx.input);
      const ids = run(ctx.input).map((f) => f.id);
      expect(ids).toContain("proving-service-down");
      expect(ids).not.toContain("service-needed-down");
      expect(ids).not.toContain("service-not-running");
    }
  });

  it("a failed service the node needs (needsService) with no identity finding about it: its cause's fix", () => {
    const ctx = healthyRig();
    down("failed", "binary /nonexistent/post-service not found")(ctx.input);
    ctx.input.needsService = (id) => id.keyFile === "post1.key"; // e.g. the cycle gap is open, PostStates still IDLE
    const f = run(ctx.input).find((x) => x.id === "service-needed-down");
    expect(f?.fix).toContain("fix its path");
  });
});

describe("node source findings", () => {
  it("node log missing or unreadable", () => {
    appearsAndClears(
      "node-log-unreadable",
      (i) => (i.nodeLogFile = { path: "/var/log/node.log", problem: "/var/log/node.log does not exist" }),
      (i) => (i.nodeLogFile = { path: "/var/log/node.log", problem: null }),
      { subject: null, severity: "warning" },
    );
  });

  it("node unreachable: error when services depend on it", () => {
    const f = appearsAndClears(
      "node-unreachable",
      (i) => (i.sources = [src("grpc-public", false, "14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:9092")]),
      (i) => (i.sources = [src("grpc-public", true, null)]),
      { severity: "error" },
    );
    expect(f.detail).toContain("ECONNREFUSED");
  });

  it("a node that started moments ago and does not answer yet is a note, not an error", () => {
    const ctx = healthyRig();
    ctx.input.sources = [src("grpc-public", false, "14 UNAVAILABLE: No connection established")];
    ctx.input.nodeStartedAt = NOW - 10_000;
    expect(run(ctx.input).map((f) => [f.id, f.severity])).toEqual([["node-unreachable", "info"]]);
    ctx.input.now = NOW + 120_000;
    expect(run(ctx.input).find((f) => f.id === "node-unreachable")?.severity).toBe("error");
  });

  it("a source not polled yet (no error) gives no finding", () => {
    const ctx = healthyRig();
    ctx.input.sources = [src("grpc-public", false, null)];
    expect(run(ctx.input)).toEqual([]);
  });

  it("a port that is not gRPC", () => {
    appearsAndClears(
      "node-not-grpc",
      (i) => (i.sources = [src("grpc-public", false, "13 INTERNAL: Received RST_STREAM with code 1 (Protocol error)")]),
      (i) => (i.sources = [src("grpc-public", true, null)]),
      { severity: "error" },
    );
    appearsAndClears(
      "node-not-grpc",
      (i) => (i.sources = [src("grpc-public", true, null), src("grpc-post", false, "14 UNAVAILABLE: Received HTTP status code 404")]),
      (i) => (i.sources = [src("grpc-public", true, null), src("grpc-post", true, null)]),
    );
    expect(looksNotGrpc("14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED")).toBe(false);
  });

  it("node not synced, node with few peers", () => {
    const status = { peers: 30, synced: true, syncedLayer: 100, topLayer: 100, verifiedLayer: 99 };
    appearsAndClears("node-not-synced", (i) => (i.nodeStatus = { ...status, synced: false, syncedLayer: 50 }), (i) => (i.nodeStatus = status), { severity: "warning" });
    const f = appearsAndClears("node-few-peers", (i) => (i.nodeStatus = { ...status, peers: 1 }), (i) => (i.nodeStatus = status), { severity: "warning" });
    expect(f.title).toBe("node has 1 peer(s)");
  });
});

describe("the node still uses a former key", () => {
  it("a retired key named by `post service not connected`", () => {
    const gone = keyHex();
    const f = appearsAndClears(
      "node-uses-former-key",
      (i) => {
        i.formerKeys = [{ file: "/data/identities/retired/post3.key", nodeId: gone.nodeId }];
        i.nodeLog!.notConnected.set(gone.nodeId, NOW - 20_000);
      },
      (i) => (i.now = NOW + 120_000), // restarted: the warning stopped
      { severity: "error" },
    );
    expect(f.title).toBe(`the node still asks for identity ${gone.nodeId.slice(0, 6)}, which is retired`);
    expect(f.fix).toContain("restart the node");
  });

  it("a rolled-back key, and a key that is gone altogether", () => {
    const rb = keyHex();
    const f = appearsAndClears(
      "node-uses-former-key",
      (i) => {
        i.formerKeys = [{ file: "/data/identities/retired/post3.key.rolled-back-1700000000000", nodeId: rb.nodeId }];
        i.nodeLog!.notConnected.set(rb.nodeId, NOW - 20_000);
      },
      (i) => i.nodeLog!.notConnected.delete(rb.nodeId),
    );
    expect(f.title).toContain("rolled back");
    const g = appearsAndClears("node-uses-former-key", (i) => i.nodeLog!.notConnected.set(keyHex().nodeId, NOW - 1000), (i) => i.nodeLog!.notConnected.clear());
    expect(g.title).toContain("gone");
    expect(g.fix).toContain("put its key back");
  });
});

describe("daemon and alert sinks", () => {
  it("daemon down (doctor without a daemon)", () => {
    appearsAndClears("daemon-down", (i) => (i.daemonDown = "no answer on /run/postdeck.sock"), (i) => (i.daemonDown = null), { severity: "error" });
  });
  it("a failing alert sink", () => {
    const f = appearsAndClears(
      "alert-sink-failing",
      (i) => (i.alertSinks = [{ name: "phone", failingSince: NOW - 60_000, failures: 3, lastError: "HTTP 500", queued: 2, dropped: 0 }]),
      (i) => (i.alertSinks = []),
      { subject: "alerts:phone", severity: "warning" },
    );
    expect(f.detail).toContain("HTTP 500");
  });
});

describe("PoS volume nearly full", () => {
  it("warning under 1 GiB free, error under 64 MiB, cleared when space is freed", () => {
    const f = appearsAndClears(
      "pos-volume-nearly-full",
      (i) => (i.disk[1] = { path: "/pos", freeBytes: 500 * 1024 ** 2, totalBytes: 4000 * 1024 ** 3 }),
      (i) => (i.disk[1] = { path: "/pos", freeBytes: 20 * 1024 ** 3, totalBytes: 4000 * 1024 ** 3 }),
      { severity: "warning" },
    );
    expect(f.title).toBe("PoS volume nearly full: 500 MiB free on /pos");
    appearsAndClears(
      "pos-volume-nearly-full",
      (i) => (i.disk[1] = { path: "/pos", freeBytes: 10 * 1024 ** 2, totalBytes: 4000 * 1024 ** 3 }),
      (i) => (i.disk[1] = { path: "/pos", freeBytes: 20 * 1024 ** 3, totalBytes: 4000 * 1024 ** 3 }),
      { severity: "error" },
    );
  });
});
