// What postdeck concludes from a real v1.7 node's log lines (both encoders), older nodes and
// captured logs (docker compose, journald): each rule of the node-signals list with the line as
// the node prints it.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { isEntry, parseNodeLog } from "../../../src/core/spacemesh/node-log-parser.js";
import { NodeLogTracker } from "../../../src/core/spacemesh/node-log-state.js";
import { joinIdentities, type KeyInput } from "../../../src/core/spacemesh/join.js";
import { computeFindings, type FindingsInput } from "../../../src/core/spacemesh/findings.js";
import { FindingSchema, type Finding } from "../../../src/protocol/model.js";
import { stepsFromSources } from "../../../src/core/history/steps.js";
import { healthyRig, NOW } from "./rig-input.js";

const FIX = path.resolve(__dirname, "../../fixtures/node-logs");
const lines = (name: string) => readFileSync(path.join(FIX, name), "utf8").replace(/\n$/, "").split("\n");
const T = (s: string) => Date.parse(`2024-10-22T${s}Z`);

const A = "a1b2c3" + "d4".repeat(29);
const B = "b0b0b0" + "e5".repeat(29);
const C1 = "c0ffee" + "11".repeat(29);
const C2 = "c0ffee" + "22".repeat(29);

/** A key file as the join sees it, with a chosen node id (short-id collisions cannot be generated). */
function keyWithId(name: string, nodeId: string): KeyInput {
  return { name, path: `/data/identities/${name}`, mode: 0o600, mtimeMs: 1000, check: { ok: true, nodeId }, appearedAt: 1000 };
}

function rigFrom(file: string, now = T("10:06:30.000"), attribute?: (at: number) => string | null): FindingsInput {
  const { input } = healthyRig();
  const t = new NodeLogTracker();
  t.ingest(lines(file), now, attribute);
  input.now = now;
  input.nodeLog = t.facts;
  input.nodeStartedAt = t.facts.startedAt;
  input.keys = [keyWithId("post1.key", A), keyWithId("post2.key", B), keyWithId("post3.key", C1), keyWithId("post4.key", C2)];
  input.posDirs = [];
  input.services = [];
  input.serviceLogs = {};
  input.postAddresses = [];
  input.postStates = [A, B, C1, C2].map((nodeId, i) => ({ nodeId, state: "IDLE" as const, name: `post${i + 1}.key` }));
  input.smesherIds = [A, B, C1, C2];
  return input;
}

function findings(input: FindingsInput): Finding[] {
  const out = computeFindings({ ...input, identities: joinIdentities(input) });
  for (const f of out) FindingSchema.parse(f);
  return out;
}

for (const file of ["v17-console.txt", "v17-json.txt"]) {
  describe(`a v1.7 node log (${file})`, () => {
    it("keeps every line, the ones it does not understand included", () => {
      const raw = lines(file);
      const parsed = parseNodeLog(raw);
      expect(parsed).toHaveLength(raw.length);
      expect(parsed.filter((l) => !isEntry(l)).map((l) => ("unparsed" in l ? l.unparsed : ""))).toEqual([
        "panic: unable to decode loggers into map[string]string",
        "",
        "goroutine 1 [running]:",
        "main.main()",
        "\t/src/go-spacemesh/cmd/root.go:42 +0x1c5",
        "Error: start grpc server: listen tcp 127.0.0.1:9094: bind: address already in use",
      ]);
    });

    it("starts the run at the banner and reads the version", () => {
      const t = new NodeLogTracker();
      t.ingest(lines(file), 0);
      expect(t.facts.startedAt).toBe(T("10:00:00.000"));
      expect(t.facts.version).toBe("v1.7.6");
      expect(t.facts.loaded.map((l) => l.filename)).toEqual(["post1.key", "post2.key", "post3.key", "post4.key"]);
    });

    it("credits an ATX named by a short id, joining `atx published` through its atx_id", () => {
      const ids = joinIdentities(rigFrom(file));
      const a = ids.find((i) => i.keyFile === "post1.key")!;
      expect(a.events.filter((e) => e.kind.startsWith("atx")).map((e) => [e.kind, e.at])).toEqual([
        ["atx_broadcast", T("10:05:13.000")],
        ["atx_published", T("10:05:13.200")],
      ]);
      expect(a.registered).toBe("yes");
    });

    it("does not credit either of two keys that share a short id, and says so", () => {
      const input = rigFrom(file);
      const ids = joinIdentities(input);
      for (const name of ["post3.key", "post4.key"]) {
        expect(ids.find((i) => i.keyFile === name)!.events.some((e) => e.kind.startsWith("atx"))).toBe(false);
      }
      const f = findings(input).find((x) => x.id === "short-id-ambiguous");
      expect(f?.title).toContain("post3.key and post4.key share the short id c0ffee");
    });

    it("keeps `starting/finished post execution` at rig level unless evidence names the identity", () => {
      const t = new NodeLogTracker();
      t.ingest(lines(file), 0);
      expect(t.facts.postRuns.map((r) => [r.kind, r.nodeId, r.durationMs])).toEqual([
        ["start", null, null],
        ["finish", null, 252_345],
      ]);
      // with PostStates showing exactly one identity PROVING at that moment, the lines are its own
      const t2 = new NodeLogTracker();
      t2.ingest(lines(file), 0, (at) => (at >= T("10:01:00.000") && at <= T("10:05:13.000") ? B : null));
      expect(t2.facts.postRuns.map((r) => r.nodeId)).toEqual([B, B]);
      const steps = stepsFromSources({ nodeId: B, shortIdShared: false, nodeLog: t2.facts, events: [], serviceProofs: [], timing: null });
      expect(steps.find((s) => s.kind === "post-finish")).toMatchObject({ source: "log", durationMs: 252_345 });
    });

    it("attributes an unnamed finish through the AdminService event of the same moment", () => {
      const t = new NodeLogTracker();
      t.ingest(lines(file), 0);
      const events = [{ kind: "post_complete", at: T("10:05:12.300"), smesher: A, failure: false, help: "", details: {} }];
      const forA = stepsFromSources({ nodeId: A, shortIdShared: false, nodeLog: t.facts, events, serviceProofs: [], timing: null });
      const forB = stepsFromSources({ nodeId: B, shortIdShared: false, nodeLog: t.facts, events, serviceProofs: [], timing: null });
      expect(forA.filter((s) => s.kind === "post-finish" && s.source === "log").map((s) => s.durationMs)).toEqual([252_345]);
      expect(forB.some((s) => s.kind === "post-finish")).toBe(false);
    });

    it("turns each failure the node logs into a finding with the line as evidence", () => {
      const input = rigFrom(file);
      const fs = findings(input);
      const byId = (id: string) => fs.find((x) => x.id === id);
      expect(byId("atx-publish-failed")).toMatchObject({ subject: "post2.key", severity: "error" });
      expect(byId("atx-publish-failed")!.detail).toContain("failed to publish atx");
      expect(byId("initial-post-invalid")).toMatchObject({ subject: "post2.key" });
      expect(byId("initial-post-invalid")!.detail).toContain("initial POST is invalid");
      expect(byId("initial-proof-failed")!.title).toContain("GEN_PROOF_STATUS_ERROR");
      expect(byId("post-verification-failed")).toMatchObject({ subject: "post2.key" });
      expect(byId("post-verification-failed")!.detail).toContain("failed proof verification");
      expect(byId("node-fatal")!.detail).toContain("unable to decode loggers");
    });

    it("a node that exits says why (cobra's Error line), while it is down", () => {
      const input = rigFrom(file);
      input.nodeReachable = false;
      input.nodeStatus = null;
      expect(findings(input).find((x) => x.id === "node-exited")?.title).toBe(
        "the node exited: start grpc server: listen tcp 127.0.0.1:9094: bind: address already in use",
      );
    });
  });
}

describe("not smeshing is not `restart the node`", () => {
  it("an empty SmesherIDs or `smeshing not started` asks to start smeshing, never a restart", () => {
    const input = rigFrom("v17-console.txt");
    input.smesherIds = [];
    input.postStates = [];
    input.nodeLog!.registered.clear();
    const fs = findings(input);
    expect(fs.map((x) => x.id)).not.toContain("node-restart-needed");
    const f = fs.find((x) => x.id === "node-not-smeshing")!;
    expect(f.detail).toContain("smeshing not started, waiting to be triggered via smesher api");
    expect(f.fix).toContain("smeshing-coinbase");
    // once smeshing (SmesherIDs lists the keys), the finding is gone
    input.smesherIds = [A, B, C1, C2];
    input.nodeLog!.smeshingNotStartedAt = null;
    expect(findings(input).map((x) => x.id)).not.toContain("node-not-smeshing");
  });

  it("a supervised node (one local.key) that waits for StartSmeshing is told how to start", () => {
    const { input } = healthyRig();
    const k = input.keys[0]!;
    input.keys = [{ ...k, name: "local.key" }];
    input.posDirs = [];
    input.services = [];
    input.postAddresses = [];
    input.smesherIds = [];
    input.postStates = [];
    input.isSmeshing = false;
    const f = findings(input).find((x) => x.id === "node-not-smeshing")!;
    expect(f.detail).toBe("SmesherService.IsSmeshing answers false");
    expect(f.fix).toContain('"smeshing-start": true');
  });
});

describe("the key the node loaded against the key file", () => {
  it("says when the file now holds another key, and stops when they match", () => {
    const input = rigFrom("v17-console.txt");
    input.keys[1] = keyWithId("post2.key", "99" + B.slice(2));
    const f = findings(input).find((x) => x.id === "loaded-key-mismatch");
    expect(f).toMatchObject({ subject: "post2.key", severity: "error" });
    expect(f!.detail).toContain("public key b0b0b");
    input.keys[1] = keyWithId("post2.key", B);
    expect(findings(input).map((x) => x.id)).not.toContain("loaded-key-mismatch");
  });
});

describe("log levels that hide the signals", () => {
  it("logging.atxBuilder at warn hides `registered signing key`: doctor says so", () => {
    const { input } = healthyRig();
    input.nodeConfig = { ...input.nodeConfig!, logLevels: { atxBuilder: "warn" } };
    const f = findings(input).find((x) => x.id === "node-log-level-hides")!;
    expect(f.title).toContain("registered signing key");
    expect(f.fix).toContain('"atxBuilder": "info"');
    input.nodeConfig = { ...input.nodeConfig, logLevels: { atxBuilder: "info", nipostBuilder: "debug" } };
    expect(findings(input).map((x) => x.id)).not.toContain("node-log-level-hides");
  });
});

describe("older nodes and captured logs", () => {
  it("reads v1.3 identity lines, `<5hex>.<module>` loggers, docker compose and journald prefixes", () => {
    const raw = lines("older-and-captured.txt");
    const parsed = parseNodeLog(raw);
    expect(parsed).toHaveLength(raw.length);
    const t = new NodeLogTracker();
    t.ingest(raw, 0);
    expect(t.facts.loaded).toContainEqual({ filename: "", publicKey: A, at: Date.parse("2023-08-01T10:00:00.000Z") });
    expect(t.facts.postRuns.map((r) => r.durationMs)).toEqual([null, 240_000]);
    expect([...t.facts.registered.keys()]).toEqual(["a1b2c3", "b0b0b0"]);
    expect(t.facts.events.get("a1b2c3")?.map((e) => e.kind)).toContain("atx_broadcast");
    expect(t.facts.startupErrors.map((e) => e.code)).toEqual(["duplicate-key"]);
    // the systemd line is kept as it came
    const last = parsed[parsed.length - 1]!;
    expect("unparsed" in last && last.unparsed).toBe(raw[raw.length - 1]);
  });

  it("a v1.3 node's loaded key is compared with its single key file", () => {
    const { input } = healthyRig();
    const t = new NodeLogTracker();
    t.ingest(lines("older-and-captured.txt").slice(0, 1), 0);
    input.nodeLog = t.facts;
    input.keys = [keyWithId("key.key", "ee" + A.slice(2))];
    input.posDirs = [];
    input.services = [];
    input.postAddresses = [];
    input.now = NOW;
    expect(findings(input).map((x) => x.id)).toContain("loaded-key-mismatch");
  });
});

describe("a supervised node that exits while starting", () => {
  it("is a finding with the last error line as evidence, and none once it runs", () => {
    const { input } = healthyRig();
    const t = new NodeLogTracker();
    t.ingest(["2024-10-22T10:00:00.000+0000\tINFO\tnode\tWelcome to Spacemesh. Spacemesh full node is starting...", "2024-10-22T10:00:01.000+0000\tERROR\tnode.atxBuilder\tfailed to publish atx\t{\"error\": \"x\"}"], 0);
    input.nodeLog = t.facts;
    input.nodeReachable = false;
    input.nodeProcess = { state: "backoff", restarts: 3, startedAt: 1 };
    const f = findings(input).find((x) => x.id === "node-exits-at-start")!;
    expect(f.title).toBe("the node exits while starting (backoff, 3 restart(s))");
    expect(f.detail).toContain("failed to publish atx");
    input.nodeProcess = { state: "running", restarts: 3, startedAt: 1 };
    input.nodeReachable = true;
    expect(findings(input).map((x) => x.id)).not.toContain("node-exits-at-start");
  });
});
