// The daemon's alerter is given findings only while an alert sink is configured: without one it
// decides, queues and saves nothing (it wrote alerts.json every 15 s on an idle rig); a reload that
// adds a sink hands it the current findings (refresh).
import { afterEach, describe, expect, it } from "vitest";
import { EventEmitter } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { AlertsSchema, type AlertsConfig } from "../../src/config/schema.js";
import type { Rig } from "../../src/core/rig.js";
import { attachAlerts } from "../../src/daemon/attach-alerts.js";
import type { Finding } from "../../src/protocol/model.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp-dir.js";

afterEach(() => cleanupTempDirs());

/** The rig's "event" emitter, untyped: the test sends the shapes it needs. */
const send = (rig: Rig, e: unknown) => (rig as unknown as EventEmitter).emit("event", e);

const finding: Finding = { id: "service-not-running", severity: "error", subject: "s1", title: "t", detail: "d", fix: "x" };

describe("attachAlerts", () => {
  it("no sink: findings are not handed to the alerter and nothing is saved; a sink added later gets them", async () => {
    const stateDir = tempDir("pd-alerts-");
    const config: { stateDir: string; rig: string; alerts?: AlertsConfig } = { stateDir, rig: "r" };
    const rig = Object.assign(new EventEmitter(), { config, findings: () => [finding] }) as unknown as Rig;
    const a = await attachAlerts(rig, () => undefined);
    const given: Finding[][] = [];
    const update = a.alerter.update.bind(a.alerter);
    a.alerter.update = (f: Finding[]) => {
      given.push(f);
      update(f);
    };
    send(rig, { type: "findings", data: [finding] });
    expect(given).toEqual([[]]);
    // a reload adds a sink: the current findings go to the alerter at once (decided, saved)
    config.alerts = AlertsSchema.parse({ sinks: [{ name: "pager", command: ["true"] }] });
    a.refresh();
    expect(given.at(-1)).toEqual([finding]);
    send(rig, { type: "findings", data: [finding] });
    expect(given.at(-1)).toEqual([finding]);
    await a.stop();
    const file = path.join(stateDir, "alerts.json");
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, "utf8")).toContain("service-not-running");
  });

  it("no sink from the start: nothing is written at all", async () => {
    const stateDir = tempDir("pd-alerts-");
    const rig = Object.assign(new EventEmitter(), { config: { stateDir, rig: "r" }, findings: () => [finding] }) as unknown as Rig;
    const a = await attachAlerts(rig, () => undefined);
    send(rig, { type: "findings", data: [finding] });
    send(rig, { type: "snapshot", data: { findings: [finding] } });
    await a.stop();
    expect(existsSync(path.join(stateDir, "alerts.json"))).toBe(false);
  });
});
