// A new CPU%/RSS sample of a service must not make the node monitor recompute every identity and
// finding (64 services sampled every 2 s did): only changes it reads are handed on.
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
  it("hands a service change on to the monitor, but not a new CPU/RSS sample alone", () => {
    let current = view();
    const supervisor = Object.assign(new EventEmitter(), { views: () => [current], supervisedNode: () => null, setOperatorUrgency: vi.fn() });
    const rig = { supervisor, logs: { onLines: () => () => undefined }, setNodeSide: vi.fn(), publish: vi.fn() } as unknown as Rig;
    const setServices = vi.fn();
    const monitor = Object.assign(new EventEmitter(), {
      setServices, setNodeProcess: vi.fn(), identities: () => [], node: () => ({ clock: null }),
    }) as unknown as NodeMonitor;
    attachNodeMonitor(rig, monitor);
    setServices.mockClear();

    supervisor.emit("service", (current = view({ state: "backoff" })));
    expect(setServices).toHaveBeenCalledTimes(1);
    supervisor.emit("service", (current = view({ state: "backoff", cpuPercent: 7, rssBytes: 9 << 20 })));
    expect(setServices).toHaveBeenCalledTimes(1); // a sample: nothing the monitor reads changed
    supervisor.emit("service", (current = view({ state: "running", cpuPercent: 7, rssBytes: 9 << 20 })));
    expect(setServices).toHaveBeenCalledTimes(2);
  });
});
