// Plugs the Alerter into the daemon's Rig: every findings change goes to it; its sink health goes
// back through `onHealth` (to become findings). The queue lives in <stateDir>/alerts.json.
import path from "node:path";
import type { Rig, RigEvent } from "../core/rig.js";
import type { AlertSinkHealth } from "../core/spacemesh/rig-findings.js";
import { Alerter } from "../core/alerts/alerter.js";

export async function attachAlerts(rig: Rig, onHealth: (h: AlertSinkHealth[]) => void): Promise<{ alerter: Alerter; stop(): Promise<void> }> {
  const alerter = new Alerter({
    stateFile: path.join(rig.config.stateDir, "alerts.json"),
    config: () => rig.config.alerts ?? null,
    rig: () => rig.config.rig,
  });
  alerter.on("health", onHealth);
  const onEvent = (e: RigEvent) => {
    if (e.type === "findings") alerter.update(e.data);
    else if (e.type === "snapshot") alerter.update(e.data.findings);
  };
  rig.on("event", onEvent);
  await alerter.start();
  alerter.update(rig.findings());
  return {
    alerter,
    async stop() {
      rig.off("event", onEvent);
      await alerter.stop();
    },
  };
}
