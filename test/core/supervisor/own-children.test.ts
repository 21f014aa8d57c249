// A look for a post-service on a dir (right before a spawn) knows the supervisor's own children: it
// matches them on the arguments it spawned them with instead of reading their command lines from
// /proc (a start of 64 read them ~1,900 times), and still finds one of them on that dir.
import { describe, expect, it } from "vitest";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Supervisor } from "../../../src/core/supervisor/supervisor.js";
import { makeRig } from "../../helpers/rig-fixture.js";
import { trackGroup } from "../../helpers/processes.js";
import { waitFor } from "../../helpers/wait-for.js";
import { supervisorHooks } from "./supervisor-hooks.js";

const sups = supervisorHooks("file");

describe("the supervisor's look on a dir", () => {
  it("finds a child of its own there by the arguments it spawned it with, not by its /proc command line", async () => {
    // svc0's program renames itself: /proc/<pid>/cmdline no longer shows its --dir (a look that reads it cannot tell)
    const rig = makeRig({ services: 2, defaults: { autostart: false }, service: (i) => ({ threads: i + 1 }) });
    const renamed = path.join(rig.root, "renamed-post-service");
    writeFileSync(renamed, `#!${process.execPath}\nprocess.title = "renamed";\nsetInterval(() => {}, 1000);\n`);
    chmodSync(renamed, 0o755);
    const [s0, s1] = rig.config.services;
    const config = { ...rig.config, services: [{ ...s0!, binary: renamed }, s1!] };
    const sup = new Supervisor({ config, intervals: { adoptPoll: 200, operatorPoll: 300, rotate: 200 } });
    sup.on("service", (v) => trackGroup(v.pid));
    sups.push(sup);
    await sup.init();
    expect((await sup.start("svc0")).ok).toBe(true);
    const pid = sup.view("svc0")!.pid!;
    await waitFor(() => { try { return !readCmdline(pid).includes("--dir"); } catch { return false; } }, { what: "svc0 renamed" });
    // a reload moves svc0 to svc1's dir (applies at its next start: it keeps running on its old one)
    // and svc1 (other settings: not one to adopt) to svc0's
    await sup.applyServices({ ...config, services: [{ ...config.services[0]!, dir: s1!.dir }, { ...s1!, dir: s0!.dir }] });
    const r = await sup.start("svc1");
    expect(r.message).toContain(`another post-service (pid ${pid}) already runs on ${s0!.dir}`); // the old look: started a second one there
    expect(r.ok).toBe(false);
  });
});

function readCmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8");
}
