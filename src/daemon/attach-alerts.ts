// Plugs the Alerter into the daemon's Rig: every findings change goes to it; its sink health goes
// back through `onHealth` (to become findings). The queue lives in <stateDir>/alerts.json.
import path from "node:path";
import type { Rig, RigEvent } from "../core/rig.js";
import type { AlertSinkHealth } from "../core/spacemesh/rig-findings.js";
import type { Finding } from "../protocol/model.js";
import { Alerter } from "../core/alerts/alerter.js";

export async function attachAlerts(rig: Rig, onHealth: (h: AlertSinkHealth[]) => void): Promise<{ alerter: Alerter; refresh(): void; stop(): Promise<void> }> {
  const alerter = new Alerter({
    stateFile: path.join(rig.config.stateDir, "alerts.json"),
    config: () => rig.config.alerts ?? null,
    rig: () => rig.config.rig,
  });
  alerter.on("health", onHealth);
  // no sink configured: the alerter is given no findings, so it decides, queues and saves nothing
  // (it wrote alerts.json every 15 s on an idle rig); a reload that adds sinks calls refresh()
  const feed = (findings: Finding[]) => alerter.update((rig.config.alerts?.sinks.length ?? 0) > 0 ? findings : []);
  const onEvent = (e: RigEvent) => {
    if (e.type === "findings") feed(e.data);
    else if (e.type === "snapshot") feed(e.data.findings);
  };
  rig.on("event", onEvent);
  await alerter.start();
  feed(rig.findings());
  return {
    alerter,
    refresh: () => feed(rig.findings()),
    async stop() {
      rig.off("event", onEvent);
      await alerter.stop();
    },
  };
}
