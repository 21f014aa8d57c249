// A reload's changed `restart:` settings govern the running service at once, and the reload's
// message says which changes applied now and which wait for the next start.
import { describe, expect, it } from "vitest";
import { Supervisor } from "../../../src/core/supervisor/supervisor.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { trackGroup } from "../../helpers/processes.js";
import { waitFor } from "../../helpers/wait-for.js";
import { supervisorHooks } from "./supervisor-hooks.js";

const sups = supervisorHooks();

describe("reload", () => {
  it("applies a changed restart policy to the running service (a crash after the reload follows the new policy)", async () => {
    const rig = makeRig({ defaults: { restart: { policy: "always", initialDelayMs: 100, maxDelayMs: 200, maxRestarts: 5, resetAfterS: 30 } } });
    const sup = new Supervisor({ config: rig.config, intervals: { adoptPoll: 200, operatorPoll: 5000 } });
    sups.push(sup);
    sup.on("service", (v) => trackGroup(v.pid));
    await sup.init();
    const v = await waitFor(() => { const x = sup.view("svc0"); return x?.state === "running" && x; }, { what: "running" });
    const svc = rig.config.services[0]!;
    const next = { ...rig.config, services: [{ ...svc, threads: svc.threads + 1, restart: { ...svc.restart, policy: "never" as const } }] };
    const r = await sup.applyServices(next);
    expect(r.changed).toEqual(["svc0"]);
    expect(r.changedHow).toContain("restart applied now");
    expect(r.changedHow).toContain("threads apply when it is next started");
    expect(sup.view("svc0")!.restartPolicy).toBe("never");
    process.kill(v.pid!, "SIGKILL");
    const after = await waitFor(() => { const x = sup.view("svc0"); return (x?.state === "failed" || x?.state === "backoff" || (x?.state === "running" && x.pid !== v.pid)) && x; }, { what: "crash handled" });
    expect(after.state).toBe("failed");
    expect(after.reason).toContain("restart policy: never");
  });
});
