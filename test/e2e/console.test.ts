// The console end to end: the real binary in a pseudo-terminal on the demo rig. Wait for the
// four identities, stop and start a service with keys, open help, search the log, quit, and
// check with `postdeck status --json` that the services still run under the daemon.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { PtyTerminal } from "./terminal.js";
import { runCliInProcess, requireBuild } from "../helpers/cli.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { DEMO_TEST_ENV } from "../helpers/demo-rig.js";
import type { Snapshot } from "../../src/protocol/model.js";

let cfg: string[] = [];
let term: PtyTerminal | null = null;

beforeAll(async () => {
  requireBuild();
  const dir = tempDir("pd-e2e-ui-");
  // k2pow burns 100 ms of CPU per proof (1.5 s by default): the console is under test, not the proofs
  const r = await runCliInProcess(["demo", "--dir", dir, "--identities", "4", "--no-console"], DEMO_TEST_ENV);
  expect(r.code, r.stderr).toBe(0);
  cfg = ["--config", path.join(dir, "postdeck.yaml")];
});

afterAll(async () => {
  term?.kill();
  if (cfg.length) await runCliInProcess([...cfg, "daemon", "stop", "--stop-services", "--force"]);
  cleanupTempDirs();
});

// `!N` marks findings (the column widens to 3 cells from 10 findings on)
export const row = (screen: string, name: string) => screen.split("\n").find((l) => new RegExp(`^[›↑↓ ] *(!\\d+)? +${name}\\s`).test(l)) ?? "";

describe("console on the demo rig", () => {
  it("drives services with keys, shows help and log search, and quits leaving the services running", { timeout: 240_000 }, async () => {
    term = new PtyTerminal(cfg, { cols: 120, rows: 40 });
    const t = term;
    await t.waitFor((s) => s.includes("Identities · 4") && row(s, "post4") !== "", 60_000);

    // stop post4 (confirming if it is proving), then start it again; on demand (the demo rig's mode)
    // the orchestrator leaves a service taken by hand alone: "by hand" instead of stopped / running
    t.write("G");
    await t.waitFor((s) => row(s, "post4").startsWith("›"), 30_000);
    t.write("x");
    const s1 = await t.waitFor((s) => s.includes("Confirm stop") || /✔ stop post4/.test(s), 30_000);
    if (s1.includes("Confirm stop")) t.write("y");
    await t.waitFor((s) => row(s, "post4").startsWith("›") && /○ (stopped|by hand)/.test(row(s, "post4")), 30_000);
    t.write("s");
    await t.waitFor((s) => row(s, "post4").startsWith("›") && /● (running|by hand)/.test(row(s, "post4")), 30_000);

    t.write("?");
    await t.waitFor("Help: every key", 30_000);
    t.write("\x1b");
    await t.waitFor((s) => !s.includes("Help: every key"), 30_000);

    t.write("\t"); // Logs
    await t.waitFor("▶ Logs", 30_000);
    t.write("/");
    await new Promise((r) => setTimeout(r, 200));
    t.write("proof");
    await new Promise((r) => setTimeout(r, 200));
    t.write("\r");
    await t.waitFor('search "proof"', 30_000);

    t.write("q");
    await t.waitForExit(30_000);
    // always mode counts the services that keep running; on demand (services stop between proofs)
    // it says the daemon keeps proving on demand, and how many run now
    const raw = t.raw().replace(/\s+/g, " ");
    const always = /postdeck: console closed; (\d+) services? keeps? running under the daemon \(pid \d+\)\. Reattach with `(node \S*postdeck\.js|postdeck) --config [^`]+postdeck\.yaml`\./.exec(raw);
    const onDemand = /postdeck: console closed; the daemon \(pid \d+\) keeps proving on demand for 4 identities, starting each post-service when its proof is due(?:; (\d+) services? runs? now)?\. Reattach with `(node \S*postdeck\.js|postdeck) --config [^`]+postdeck\.yaml`\./.exec(raw);
    expect(always ?? onDemand, raw.slice(-400)).not.toBeNull();
    expect(raw).not.toMatch(/console closed; 0 services keep running/);

    const st = await runCliInProcess([...cfg, "status", "--json"]);
    const snap = JSON.parse(st.stdout) as Snapshot;
    // (a proof may start or end in between: on demand the count is what ran at quit)
    if (always) expect(snap.services.filter((s) => s.state === "running").length).toBe(Number(always[1]));
  });
});
