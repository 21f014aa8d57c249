// Rig: snapshot composition, injection points, the supervised node, and --force for proving services.
import { afterEach, describe, expect, it } from "vitest";
import { Rig, emptyNodeView, type RigEvent } from "../../src/core/rig.js";
import { SnapshotSchema } from "../../src/protocol/model.js";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";
import { isAlive, killTrackedGroups, trackGroup } from "../helpers/processes.js";
import { waitFor } from "../helpers/wait-for.js";

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.stop({ stopServices: true });
  killTrackedGroups();
  cleanupTempDirs();
});

function rigOf(fx: ReturnType<typeof makeRig>) {
  const r = new Rig({ config: fx.config, intervals: { operatorPoll: 200 }, logPollMs: 50, logBatchMs: 50 });
  r.supervisor.on("service", (v) => trackGroup(v.pid));
  r.supervisor.on("node", (v) => trackGroup(v?.pid));
  rigs.push(r);
  return r;
}

describe("rig", () => {
  it("supervises the node when node.log.command is set, and hands its raw log lines to a listener", async () => {
    const fx = makeRig({
      services: 0,
      node: { log: { command: ["/bin/sh", "-c", "printf '2024-10-22T10:00:00.000Z\\tINFO\\tnode\\tstarting spacemesh\\n'; exec sleep 600"] } },
    });
    const rig = rigOf(fx);
    const raw: string[] = [];
    rig.logs.onLines((src, lines) => src === "node" && raw.push(...lines));
    const events: RigEvent[] = [];
    rig.on("event", (e: RigEvent) => events.push(e));
    rig.logs.watch(); // log events come only while a client watches (an event stream does)
    await rig.start();
    const sup = await waitFor(() => rig.snapshot().node.supervised?.state === "running" && rig.snapshot().node.supervised);
    expect(isAlive(sup.pid!)).toBe(true);
    await waitFor(() => raw.includes("2024-10-22T10:00:00.000Z\tINFO\tnode\tstarting spacemesh"), { what: "raw node line" });
    const logEvent = await waitFor(() => events.find((e) => e.type === "log"));
    expect(logEvent.type === "log" && logEvent.data[0]).toMatchObject({ source: "node", level: "INFO" });
    expect(events.some((e) => e.type === "node" && e.data.supervised?.state === "running")).toBe(true);
  });

  it("with a node side plugged in, a supervised node's change is one node event: the node side's view", () => {
    const fx = makeRig({ services: 0 });
    const rig = rigOf(fx);
    const view = { ...emptyNodeView(), supervised: { state: "running" as const, pid: 7, restarts: 0 } };
    rig.setNodeSide({ node: () => view, identities: () => [], findings: () => [] });
    const events: RigEvent[] = [];
    rig.on("event", (e: RigEvent) => events.push(e));
    rig.supervisor.emit("node", view.supervised); // the supervisor's change; the node side is told of it too
    rig.publish("node", view); // ... and publishes its view once
    expect(events).toEqual([{ type: "node", data: view }]);
    expect(rig.snapshot().node).toEqual(view);
  });

  it("takes node/identity/finding views and published events into its snapshot", async () => {
    const fx = makeRig({ services: 1 });
    const rig = rigOf(fx);
    await rig.start();
    const snap0 = SnapshotSchema.parse(rig.snapshot());
    expect(snap0.node).toEqual(emptyNodeView());
    expect(snap0.identities).toEqual([]);
    expect(snap0.hardware).toBeNull();
    const events: RigEvent[] = [];
    rig.on("event", (e: RigEvent) => events.push(e));
    const finding = { id: "x", severity: "warning" as const, subject: null, title: "t", detail: "d", fix: "f" };
    rig.setNodeSide({ node: () => ({ ...emptyNodeView(), reachable: true, peers: 5 }), identities: () => [], findings: () => [finding] });
    expect(events.map((e) => e.type)).toEqual(["node", "identities", "findings"]);
    const task = { id: "t1", kind: "identity-add" as const, name: "n", state: "running" as const, startedAt: 1, bytesDone: 0, bytesTotal: 10, rateBytesPerSec: null, etaSeconds: null, message: "m" };
    rig.setTaskSource(() => [task]); // the tasks' one owner (the IdentityManager in the daemon)
    rig.publish("task", task);
    expect(events.at(-1)).toEqual({ type: "task", data: task });
    const snap = SnapshotSchema.parse(rig.snapshot());
    expect(snap.node.peers).toBe(5);
    expect(snap.findings).toEqual([finding]);
    expect(snap.tasks.map((t) => t.id)).toEqual(["t1"]);
  });

  it("an operator's start is told (act) before the service shows starting: the orchestrator never takes it for its own", async () => {
    const fx = makeRig({ services: 1 });
    const rig = rigOf(fx);
    const seen: string[] = [];
    rig.on("act", (kind: string, names: string[]) => seen.push(`act ${kind} ${names.join(",")}`));
    rig.on("event", (e: RigEvent) => e.type === "service" && e.data.state !== "stopped" && seen.push(`service ${e.data.state}`));
    await rig.start();
    await rig.supervisor.stop("svc0"); // the fixture's service starts with the rig
    seen.length = 0;
    const r = await rig.act("start", { names: ["svc0", "nosuch"], all: false, force: false });
    expect(r.results.map((x) => x.ok)).toEqual([true, false]);
    expect(seen[0]).toBe("act start svc0");
    expect(seen).toContain("service running");
    expect(seen.filter((x) => x.startsWith("act"))).toEqual(["act start svc0"]); // an unknown name is nobody's
  });

  it("refuses to stop a proving service without force", async () => {
    const fx = makeRig({ defaults: { env: { FAKE_STATUS: JSON.stringify({ Proving: { nonces: { start: 0, end: 128 }, position: 32768 } }) } } });
    const rig = rigOf(fx);
    await rig.start();
    const v = await waitFor(() => { const x = rig.supervisor.view("svc0"); return x?.operator.kind === "proving" && x; }, { what: "proving" });
    expect(v.operator).toMatchObject({ kind: "proving", pass: 1, percent: 50 }); // 4 units × 1024 labels × 16 B = 64 KiB
    const r = await rig.act("stop", { names: ["svc0"], all: false, force: false });
    expect(r.results[0]).toMatchObject({ ok: false });
    expect(r.results[0]!.message).toContain("--force");
    expect(rig.supervisor.view("svc0")!.state).toBe("running");
    const f = await rig.act("stop", { names: ["svc0"], all: false, force: true });
    expect(f.results[0]!.ok).toBe(true);
    expect(isAlive(v.pid!)).toBe(false);
  });
});
