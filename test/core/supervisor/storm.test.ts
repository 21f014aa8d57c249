// One post-service per PoS dir under a storm of concurrent commands on one service.
import { describe, expect, it } from "vitest";
import { Supervisor } from "../../../src/core/supervisor/supervisor.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { trackGroup } from "../../helpers/processes.js";
import { waitFor } from "../../helpers/wait-for.js";
import { supervisorHooks } from "./supervisor-hooks.js";
import { pidsOnDir } from "../../chaos/count.js";

const sups = supervisorHooks();

describe("supervisor under a command storm", () => {
  it("a stop followed at once by concurrent starts and restarts leaves exactly one process on the dir, and a stop leaves none", async () => {
    const rig = makeRig();
    const dir = rig.config.services[0]!.dir;
    const sup = new Supervisor({ config: rig.config, intervals: { adoptPoll: 200, operatorPoll: 5000 } });
    sups.push(sup);
    sup.on("service", (v) => trackGroup(v.pid));
    await sup.init();
    await waitFor(() => sup.view("svc0")?.state === "running", { what: "running" });
    for (let round = 0; round < 3; round++) {
      const ops = [sup.stop("svc0"), ...Array.from({ length: 10 }, (_, i) => (i % 2 ? sup.restart("svc0") : sup.start("svc0")))];
      const results = await Promise.all(ops);
      expect(results.every((r) => r.ok)).toBe(true);
      const v = sup.view("svc0")!;
      expect(v.state).toBe("running");
      // never two; the one just spawned may not show its argv in /proc for a moment (fork before exec)
      expect(pidsOnDir(dir).length).toBeLessThanOrEqual(1);
      await waitFor(() => JSON.stringify(pidsOnDir(dir)) === JSON.stringify([v.pid]), { what: `only ${v.pid} on the dir`, timeoutMs: 10_000 });
    }
    expect((await sup.stop("svc0")).ok).toBe(true);
    expect(pidsOnDir(dir)).toEqual([]);
  });
});
