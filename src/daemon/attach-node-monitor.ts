// Wires a NodeMonitor into the daemon's Rig: raw log lines in (node → ingestNodeLog, each service →
// ingestServiceLog), the supervisor's service views and supervised node in, and the monitor's node /
// identities / findings out as rig events and snapshot parts. Returns a function that unwires.
import type { Rig } from "../core/rig.js";
import type { ServiceView } from "../protocol/model.js";
import { NODE_SOURCE } from "../core/supervisor/supervisor.js";
import type { NodeMonitor } from "../core/spacemesh/node-monitor.js";
import { operatorPace } from "../core/supervisor/operator-status.js";
import { SERVICE_LOG_NEEDLES } from "../core/spacemesh/service-log-state.js";

export function attachNodeMonitor(rig: Rig, monitor: NodeMonitor, clock: () => number = Date.now): () => void {
  // of a service's log only the lines its parser acts on (the node's: every line)
  const offLines = rig.logs.onLines(
    (source, lines) => {
      if (source === NODE_SOURCE) monitor.ingestNodeLog(lines);
      else monitor.ingestServiceLog(source, lines);
    },
    { needles: (source) => (source === NODE_SOURCE ? null : SERVICE_LOG_NEEDLES) },
  );
  // a new CPU%/RSS sample changes nothing the monitor reads: no recompute for it
  const seen = new Map<string, string>();
  const pushServices = (changed?: ServiceView): void => {
    if (changed) {
      const key = JSON.stringify({ ...changed, cpuPercent: null, rssBytes: null });
      if (seen.get(changed.name) === key) return;
      seen.set(changed.name, key);
      // only the changed one, where the monitor knows it on that dir (not all 64 views per change)
      if (monitor.setService(changed)) return;
    }
    const views = rig.supervisor.views();
    monitor.setServices(views, views.map((v) => ({ name: v.name, dir: v.dir, operatorAddress: v.operatorAddress })));
  };
  let nodeStartedAt: number | null = null;
  let lastNodeState: string | null = null;
  const pushNode = (): void => {
    const n = rig.supervisor.supervisedNode();
    if (!n) return monitor.setNodeProcess(null);
    const up = n.state === "starting" || n.state === "running";
    if (up && lastNodeState !== "starting" && lastNodeState !== "running") nodeStartedAt = clock();
    lastNodeState = n.state;
    monitor.setNodeProcess({ ...n, startedAt: up ? nodeStartedAt : null });
  };
  rig.supervisor.on("service", pushServices);
  const pushAll = (): void => pushServices();
  // a service removed by a reload: the whole list; re-added later with the same view, it is news
  const onRemoved = (name: string): void => {
    seen.delete(name);
    pushAll();
  };
  rig.supervisor.on("removed", onRemoved);
  // a reload changes a service (its PoS dir) without a service event: the whole list
  rig.on("config", pushAll);
  rig.supervisor.on("node", pushNode);
  const onNode = () => rig.publish("node", monitor.node());
  const onIdentities = () => {
    rig.publish("identities", monitor.identities());
    rig.supervisor.operatorPaceChanged(); // the node says PROVING (or IDLE again) for some: their /status pace
  };
  const onFindings = () => rig.publish("findings", monitor.findings());
  monitor.on("node", onNode);
  monitor.on("identities", onIdentities);
  monitor.on("findings", onFindings);
  pushServices();
  pushNode();
  // post-services' /status is asked fast only while it can change (PROVING by the node, gap open),
  // seldom while the node says IDLE for them with the gap closed
  rig.supervisor.setOperatorUrgency(() => operatorPace({ identities: monitor.identities(), clock: monitor.node().clock, now: clock() }));
  rig.setNodeSide(monitor);
  return () => {
    offLines();
    rig.supervisor.off("service", pushServices);
    rig.supervisor.off("removed", onRemoved);
    rig.off("config", pushAll);
    rig.supervisor.off("node", pushNode);
    rig.supervisor.setOperatorUrgency(() => ({ urgent: new Set(), resting: new Set() }));
    monitor.off("node", onNode);
    monitor.off("identities", onIdentities);
    monitor.off("findings", onFindings);
  };
}
