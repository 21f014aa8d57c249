import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { isEntry, parseNodeLog, parseNodeLogLine } from "../../../src/core/spacemesh/node-log-parser.js";
import { NodeLogRecogniser } from "../../../src/core/spacemesh/node-log-events.js";
import { NodeLogTracker } from "../../../src/core/spacemesh/node-log-state.js";

const FIX = path.resolve(__dirname, "../../fixtures/node-logs");
const A = "a1b2c3" + "d4".repeat(29);
const B = "b0b0b0" + "e5".repeat(29);
const lines = (name: string) => readFileSync(path.join(FIX, name), "utf8").replace(/\n$/, "").split("\n");

describe("node log lines, both encoders", () => {
  it("parses the console encoder's columns and its fields object", () => {
    const l = parseNodeLogLine('2024-10-22T10:00:00.000+0000\tINFO\tnode.atxBuilder\tregistered signing key\t{"id": "a1b2c3"}');
    expect(l).toMatchObject({
      time: Date.parse("2024-10-22T10:00:00.000Z"),
      level: "INFO",
      logger: "node.atxBuilder",
      message: "registered signing key",
      fields: { id: "a1b2c3" },
    });
  });
  it("parses the JSON encoder with the same result", () => {
    const l = parseNodeLogLine('{"L":"INFO","T":"2024-10-22T10:00:00.000Z","N":"node.atxBuilder","M":"registered signing key","id":"a1b2c3"}');
    expect(l).toMatchObject({ time: Date.parse("2024-10-22T10:00:00.000Z"), level: "INFO", logger: "node.atxBuilder", message: "registered signing key", fields: { id: "a1b2c3" } });
  });
  it("reads a non-UTC zone offset", () => {
    const l = parseNodeLogLine("2024-10-22T12:00:00.000+0200\tWARN\tnode\tsomething");
    expect(l).toMatchObject({ time: Date.parse("2024-10-22T10:00:00.000Z"), level: "WARN", logger: "node", message: "something", fields: {} });
  });
  it("keeps lines it does not understand", () => {
    expect(parseNodeLogLine("\t/src/go-spacemesh/cmd/root.go:42")).toEqual({ unparsed: "\t/src/go-spacemesh/cmd/root.go:42" });
    expect(parseNodeLogLine('{"not":"zap"}')).toEqual({ unparsed: '{"not":"zap"}' });
  });
  for (const file of ["console.txt", "json.txt"]) {
    it(`keeps every line of ${file}, continuation lines included`, () => {
      const raw = lines(file);
      const parsed = parseNodeLog(raw);
      expect(parsed).toHaveLength(raw.length);
      const unparsed = parsed.filter((l) => !isEntry(l)).map((l) => ("unparsed" in l ? l.unparsed : ""));
      expect(unparsed).toEqual([
        "main.main",
        "\t/src/go-spacemesh/cmd/root.go:42",
        "Caused by: something odd",
        "this line is not a log line at all",
        "Error: loading identities: duplicate key found in identity files",
      ]);
    });
  }
});

describe("recognised node log events", () => {
  for (const file of ["console.txt", "json.txt"]) {
    it(`finds the same events in ${file}, by logger name`, () => {
      const events = new NodeLogRecogniser().recognise(parseNodeLog(lines(file)));
      const kinds = events.map((e) => e.kind);
      expect(kinds.filter((k) => k === "node-start")).toHaveLength(1);
      // registered signing key from proposalBuilder/atxHandler/hare/beacon does not count
      expect(events.filter((e) => e.kind === "registered").map((e) => ("shortId" in e ? e.shortId : ""))).toEqual(["a1b2c3", "b0b0b0"]);
      expect(events).toContainEqual({ kind: "post-connected", at: Date.parse("2024-10-22T10:00:05.000Z"), nodeId: A });
      expect(events).toContainEqual({
        kind: "post-not-connected",
        at: Date.parse("2024-10-22T10:00:07.000Z"),
        nodeId: B,
        error: "post service not registered",
      });
      expect(kinds).toContain("post-start");
      expect(kinds).toContain("atx-broadcast");
      expect(kinds).toContain("atx-published");
      expect(kinds).toContain("initial-proof-failed");
      expect(kinds).toContain("coinbase-not-set");
      expect(events.filter((e) => e.kind === "identity-loaded")).toHaveLength(2);
      expect(events).toContainEqual({ kind: "identities-loaded", at: Date.parse("2024-10-22T10:00:00.002Z"), count: 2 });
      expect(events).toContainEqual({ kind: "startup-error", at: null, code: "duplicate-key", message: "loading identities: duplicate key found in identity files" });
    });
  }

  it("a supervised post-service line re-logged by the node is just a line", () => {
    const ev = new NodeLogRecogniser().recognise(
      parseNodeLog(['2024-10-22T10:00:10.000+0000\tINFO\tnode\t[2024-10-22T10:00:10Z INFO  post_service::client] obtained metadata: x\t{"smesherID": "a1b2c3"}']),
    );
    expect(ev).toEqual([]);
  });

  it("recognises the startup errors of the node", () => {
    const ev = new NodeLogRecogniser().recognise(
      parseNodeLog([
        "2024-10-22T10:00:00.000+0000\tERROR\tnode\tIdentities contain key for supervised smeshing (local.key). This is not supported in remote smeshing.",
        "Error: getting exclusive file lock: only one spacemesh instance should be running (locking file /tmp/spacemesh.lock)",
      ]),
    );
    expect(ev.map((e) => (e.kind === "startup-error" ? e.code : e.kind))).toEqual(["supervised-key-remote", "file-lock"]);
  });

  it("a restart clears registrations and connections of the previous run", () => {
    const t = new NodeLogTracker();
    t.ingest(lines("console.txt"), 0);
    expect([...t.facts.registered.keys()]).toEqual(["a1b2c3", "b0b0b0"]);
    expect(t.facts.connected.get(A)).toBe(Date.parse("2024-10-22T10:00:05.000Z"));
    // the run starts at its banner (`Welcome to Spacemesh…`), before the identity lines
    expect(t.facts.startedAt).toBe(Date.parse("2024-10-22T09:59:58.000Z"));
    // the ATX published line names no smesher: it is attributed through the broadcast's atx_id
    expect(t.facts.events.get(A)?.map((e) => e.kind)).toEqual(["connected", "atx_broadcast", "atx_published"]);
    t.ingest(
      [
        "2024-10-22T11:00:00.000+0000\tINFO\tnode\tstarting spacemesh",
        '2024-10-22T11:00:01.000+0000\tINFO\tnode\tLoaded existing identity\t{"filename": "post1.key", "public_key": "a1b2c", "name": ""}',
        '2024-10-22T11:00:02.000+0000\tINFO\tnode.atxBuilder\tregistered signing key\t{"id": "a1b2c3"}',
      ],
      0,
    );
    expect(t.facts.startedAt).toBe(Date.parse("2024-10-22T11:00:01.000Z"));
    expect([...t.facts.registered.keys()]).toEqual(["a1b2c3"]);
    expect(t.facts.connected.size).toBe(0);
  });

  it("a start block split over two batches counts once", () => {
    const t = new NodeLogTracker();
    const raw = lines("json.txt");
    t.ingest(raw.slice(0, 2), 0);
    t.ingest(raw.slice(2, 12), 0);
    expect(t.facts.registered.size).toBe(2);
    expect(t.facts.startedAt).toBe(Date.parse("2024-10-22T09:59:58.000Z"));
  });
});
