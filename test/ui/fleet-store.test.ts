// The Fleet view's store: one filtered event stream per rig, the rows its summary makes, stale
// rigs (the last summary kept, with how long ago), reconnect, and no row change on a CPU sample.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeClient } from "./fake-client.js";
import { loadFixture } from "./fixtures.js";
import { FleetStore, FLEET_EVENT_TYPES } from "../../src/ui/fleet/fleet-store.js";
import { linkCell, fleetText } from "../../src/ui/fleet/fleet-lines.js";
import { COUNTDOWN_STEP_MS, fleetTime } from "../../src/ui/fleet/useFleet.js";
import type { Rig } from "../../src/fleet/rigs-file.js";
import type { ConnectionState, DaemonEvent, SubscribeOptions } from "../../src/client/types.js";

class RecordingClient extends FakeClient {
  asked: SubscribeOptions | undefined;
  override subscribe(onEvent: (e: DaemonEvent) => void, onState?: (s: ConnectionState) => void, o?: SubscribeOptions): () => void {
    this.asked = o;
    return super.subscribe(onEvent, onState);
  }
}

const rig = (name: string): Rig => ({ kind: "local", name, config: `/rigs/${name}/postdeck.yaml`, command: ["postdeck"], readOnly: false });

beforeEach(() => vi.useFakeTimers({ now: loadFixture().now }));
afterEach(() => vi.useRealTimers());

function fleet(connect: (r: Rig) => Promise<RecordingClient>) {
  const clients: RecordingClient[] = [];
  const store = new FleetStore([rig("a"), rig("b")], {
    connect: async (r) => {
      const c = await connect(r);
      clients.push(c);
      return c;
    },
  });
  return { store, clients };
}

describe("fleet store", () => {
  it("follows each rig's stream, asking only for the types its summary reads; a rig that cannot be asked says why", async () => {
    const { snapshot } = loadFixture();
    const { store, clients } = fleet(async (r) => {
      if (r.name === "b") throw new Error("/rigs/b/postdeck.yaml: cannot read the config file (ENOENT)");
      return new RecordingClient(snapshot);
    });
    store.start();
    expect(store.rows().map((r) => r.link.kind)).toEqual(["resolving", "resolving"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(clients[0]!.asked).toEqual({ types: FLEET_EVENT_TYPES });
    expect(FLEET_EVENT_TYPES).not.toContain("log");
    expect(FLEET_EVENT_TYPES).not.toContain("hardware");
    const [a, b] = store.rows();
    expect(a!.link.kind).toBe("connected");
    expect(a!.summary.identities).toMatchObject({ total: 4, registered: 3 });
    expect(b!.link).toEqual({ kind: "failed", error: "/rigs/b/postdeck.yaml: cannot read the config file (ENOENT)" });
    expect(b!.summary.reachable).toBe(false);
    expect(store.client("a")).toBe(clients[0]);
    expect(store.client("b")).toBeNull();
  });

  it("a rig that goes away keeps its last summary, stale since then, with the next retry; back, it is live again", async () => {
    const { snapshot } = loadFixture();
    const { store, clients } = fleet(async () => new RecordingClient(snapshot));
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    const t0 = Date.now();
    clients[0]!.emit({ type: "bye", data: { reason: "stopping" } });
    clients[0]!.setState({ kind: "disconnected", error: "the daemon stopped", retryAt: t0 + 5000 });
    await vi.advanceTimersByTimeAsync(2000);
    let a = store.rows()[0]!;
    expect(a.staleSince).toBe(t0);
    expect(a.summary.reachable).toBe(true); // the last one seen
    expect(linkCell(a, Date.now())).toEqual({ text: "◌ daemon stopped, retry 3 s", tone: "warn" });
    // the client tries again: the row stays stale (not "connecting")
    clients[0]!.setState({ kind: "connecting" });
    await vi.advanceTimersByTimeAsync(120_000);
    a = store.rows()[0]!;
    expect(a.link.kind).toBe("disconnected");
    clients[0]!.setState({ kind: "disconnected", error: "no daemon running", retryAt: null });
    expect(linkCell(store.rows()[0]!, Date.now()).text).toBe("◌ daemon stopped"); // still said: the bye stays until it is back
    clients[0]!.emit({ type: "snapshot", data: snapshot });
    a = store.rows()[0]!;
    expect(a.link.kind).toBe("connected");
    expect(a.staleSince).toBeNull();
    expect(a.bye).toBeNull();
    expect(linkCell(a, Date.now())).toEqual({ text: "● live", tone: "ok" });
  });

  it("a CPU/RSS sample changes no row and bumps no version; a service state change does", async () => {
    const { snapshot } = loadFixture();
    const { store, clients } = fleet(async () => new RecordingClient(snapshot));
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    const svc = snapshot.services[0]!;
    const v0 = store.version;
    const text0 = fleetText(store.rows(), Date.now());
    clients[0]!.emit({ type: "service", data: { ...svc, cpuPercent: (svc.cpuPercent ?? 0) + 30 } });
    expect(store.version).toBe(v0);
    expect(fleetText(store.rows(), Date.now())).toBe(text0);
    clients[0]!.emit({ type: "service", data: { ...svc, state: "failed" } });
    expect(store.version).toBeGreaterThan(v0);
    expect(store.rows()[0]!.summary.services!.failed).toBe(1);
  });

  it("reconnect drops the rig's client and connects afresh; close drops every one", async () => {
    const { snapshot } = loadFixture();
    const { store, clients } = fleet(async () => new RecordingClient(snapshot));
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    store.reconnect("a");
    expect(clients[0]!.closed).toBe(true);
    expect(clients[0]!.subscribers).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(clients).toHaveLength(3);
    expect(store.client("a")).toBe(clients[2]);
    store.close();
    expect(clients.slice(1).every((c) => c.closed && c.subscribers === 0)).toBe(true);
  });

  it("countdowns move in steps: the rows' text (what a redraw depends on) holds within a step and moves at the next", async () => {
    const { snapshot } = loadFixture();
    const { store, clients } = fleet(async () => new RecordingClient(snapshot));
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    clients[0]!.setState({ kind: "disconnected", error: "gone", retryAt: null }); // "stale 0s", counting
    const start = fleetTime(Date.now()) + COUNTDOWN_STEP_MS; // the start of the next step
    await vi.advanceTimersByTimeAsync(start - Date.now());
    const text = (t: number) => fleetText(store.rows(fleetTime(t)), fleetTime(t));
    const at0 = text(Date.now());
    await vi.advanceTimersByTimeAsync(COUNTDOWN_STEP_MS - 1);
    expect(text(Date.now())).toBe(at0);
    await vi.advanceTimersByTimeAsync(1);
    expect(text(Date.now())).not.toBe(at0);
  });
});
