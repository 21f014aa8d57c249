// A new CPU%/RSS sample of a service must not make the node monitor recompute every identity and
// finding (64 services sampled every 2 s did): only changes it reads are handed on, and only the
// changed service's view (a start of 64 services made all 64 views for each of its changes).
import { EventEmitter } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { attachNodeMonitor } from "../../src/daemon/attach-node-monitor.js";
import type { NodeMonitor } from "../../src/core/spacemesh/node-monitor.js";
import type { Rig } from "../../src/core/rig.js";
import type { ServiceView } from "../../src/protocol/model.js";

function view(o: Partial<ServiceView> = {}): ServiceView {
  return {
    name: "svc0", dir: "/pos/0", state: "running", pid: 10, startedAt: 1, restarts: 0, cpuPercent: 1, rssBytes: 1 << 20,
    operatorAddress: "127.0.0.1:1", operator: { kind: "idle" }, lastExit: null, reason: null, nextRestartAt: null,
    autostart: true, restartPolicy: "on-failure", argv: [], logFile: "/logs/svc0.log", adopted: false, orchestration: null, ...o,
  };
}

describe("node monitor wiring", () => {
  function wired(known = true) {
    let current = view();
    const views = vi.fn(() => [current]);
    const supervisor = Object.assign(new EventEmitter(), { views, supervisedNode: () => null, setOperatorUrgency: vi.fn() });
    const rig = Object.assign(new EventEmitter(), {
      supervisor, logs: { onLines: () => () => undefined }, setNodeSide: vi.fn(), publish: vi.fn(),
    }) as unknown as Rig;
    const setServices = vi.fn();
    const setService = vi.fn((_v: ServiceView) => known);
    const monitor = Object.assign(new EventEmitter(), {
      setServices, setService, setNodeProcess: vi.fn(), identities: () => [], node: () => ({ clock: null }),
    }) as unknown as NodeMonitor;
    attachNodeMonitor(rig, monitor);
    setServices.mockClear();
    views.mockClear();
    const emit = (o: Partial<ServiceView>) => supervisor.emit("service", (current = view(o)));
    // a reload: the supervisor's views change without a service event (applyServices emits none for a changed service)
    const reload = (o: Partial<ServiceView>) => {
      current = view(o);
      rig.emit("config", {} as never);
    };
    return { supervisor, views, setServices, setService, emit, reload };
  }

  it("hands a service change on to the monitor, but not a new CPU/RSS sample alone", () => {
    const { setService, emit } = wired();
    emit({ state: "backoff" });
    expect(setService).toHaveBeenCalledTimes(1);
    emit({ state: "backoff", cpuPercent: 7, rssBytes: 9 << 20 });
    expect(setService).toHaveBeenCalledTimes(1); // a sample: nothing the monitor reads changed
    emit({ state: "running", cpuPercent: 7, rssBytes: 9 << 20 });
    expect(setService).toHaveBeenCalledTimes(2);
    expect(setService.mock.calls[1]![0]).toMatchObject({ name: "svc0", state: "running" });
  });

  it("hands on the changed service alone (not every service's view per change); the whole list for one the monitor does not know, or a removal", () => {
    const known = wired();
    known.emit({ state: "starting" });
    known.emit({ state: "running" });
    expect(known.views).not.toHaveBeenCalled(); // was all 64 views for each of a start's ~200 changes
    expect(known.setServices).not.toHaveBeenCalled();
    known.supervisor.emit("removed", "svc1");
    expect(known.setServices).toHaveBeenCalledTimes(1);

    const unknown = wired(false); // a new service, or one whose dir changed
    unknown.emit({ state: "starting", dir: "/pos/elsewhere" });
    expect(unknown.setServices).toHaveBeenCalledTimes(1);
    expect(unknown.setServices.mock.calls[0]![1]).toEqual([{ name: "svc0", dir: "/pos/elsewhere", operatorAddress: "127.0.0.1:1" }]);
  });

  it("hands the monitor the whole list after a reload (a service's new PoS dir)", () => {
    const moved = wired();
    moved.emit({ state: "running" });
    moved.reload({ state: "running", dir: "/pos/new" });
    // was none: the monitor kept the old dir until that service's own next change
    expect(moved.setServices).toHaveBeenCalledTimes(1);
    expect(moved.setServices.mock.calls[0]![1]).toEqual([{ name: "svc0", dir: "/pos/new", operatorAddress: "127.0.0.1:1" }]);
  });

  it("hands on a service removed and added again with the same view as before", () => {
    const back = wired();
    back.emit({ state: "running" });
    back.supervisor.emit("removed", "svc0");
    back.setService.mockClear();
    back.emit({ state: "running" }); // added again, the same view as before its removal
    expect(back.setService).toHaveBeenCalledTimes(1); // was dropped as already seen
  });
});
