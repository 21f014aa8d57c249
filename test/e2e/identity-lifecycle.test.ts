// Issue 6 end to end on the demo rig: add an identity with the simulated postcli, restart the
// simulated node, see it registered and proving; import a PoS dir made for another node (refused
// while that node's post-service still reads it), then roll the import back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { clientWhenUp, runCli, runCliInProcess } from "../helpers/cli.js";
import { startDemoRig } from "../helpers/demo-rig.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import { sim, simRun, killAll } from "../sim/sim-process.js";
import type { Snapshot } from "../../src/protocol/model.js";
import type { SocketClient } from "../../src/client/socket-client.js";

let dir = "";
let cfg: string[] = [];
let client: SocketClient | null = null;

async function snapshot(): Promise<Snapshot> {
  const r = await runCliInProcess([...cfg, "status", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Snapshot;
}
/** The same snapshot over the daemon's socket: for waiting, without a CLI process per look. */
const live = async (): Promise<Snapshot> => client!.call("snapshot", {});

beforeAll(async () => {
  // the node's Status/PostStates at rest every 5 × pollMs (10 s by default, until a proof may start):
  // 2 s here; the daemon's postcli writes at full speed (2 MiB/s by default)
  ({ dir, cfg } = await startDemoRig({ prefix: "pd-e2e-id-", identities: 1, node: { pollMs: 400 }, env: { POSTDECK_SIM_INIT_BPS: "0" } }));
  client = await clientWhenUp(path.join(dir, "state"), {});
  await waitFor(async () => {
    const s = await live();
    return s.node.reachable && s.identities.some((i) => i.registered === "yes");
  }, { timeoutMs: 40_000, intervalMs: 200, what: "node reachable and post1 registered" });
  expect((await snapshot()).identities.some((i) => i.registered === "yes")).toBe(true); // as `status --json` shows it
}, 120_000);

afterAll(async () => {
  client?.close();
  if (cfg.length) await runCliInProcess([...cfg, "daemon", "stop", "--stop-services", "--force"]);
  killAll();
  cleanupTempDirs();
});

describe("identity lifecycle on the demo rig", () => {
  it("adds an identity: postcli init in the daemon, key placed, service added, registered and proving after a node restart", async () => {
    const add = await runCliInProcess([...cfg, "identity", "add", "fresh", "--dir", path.join(dir, "pos", "fresh"), "--units", "4", "--labels-per-unit", "65536", "--max-file-size", "1048576"]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toMatch(/placed as fresh\.key; restart the node/);
    const key = await fs.stat(path.join(dir, "node", "data", "identities", "fresh.key"));
    expect(key.mode & 0o777).toBe(0o600);

    // the daemon reloads its config once the add's task is done, after the command has seen it done
    // (src/core/identity/manager.ts): the service is there a moment later
    let s = await waitFor(async () => {
      const x = await live(); // (as `status --json` shows it: checked in beforeAll)
      return x.services.some((v) => v.name === "fresh") && x;
    }, { timeoutMs: 10_000, what: "service fresh added" });
    expect(s.identities.find((i) => i.keyFile === "fresh.key")?.registered).toBe("restart-needed");
    expect(s.findings.map((f) => f.id)).toContain("node-restart-needed");

    const restart = await runCliInProcess([...cfg, "restart", "node"]);
    expect(restart.code, restart.stdout + restart.stderr).toBe(0);
    s = await waitFor(
      async () => {
        const x = await live();
        const i = x.identities.find((v) => v.keyFile === "fresh.key");
        return i?.registered === "yes" && (i.postState === "PROVING" || i.events.some((e) => e.kind === "post_start")) ? x : null;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: "fresh registered and proving" },
    );
    expect(s.findings.map((f) => f.id)).not.toContain("node-restart-needed");
  });

  it("imports a PoS dir from another node only once its post-service is gone, then rolls it back exactly", async () => {
    const other = path.join(tempDir("pd-e2e-other-"), "pos-a");
    const init = await simRun(["postcli", "-provider", "4294967295", "-numUnits", "4", "-labelsPerUnit", "65536", "-maxFileSize", "1048576",
      "-commitmentAtxId", "00".repeat(32), "-datadir", other, "-yes"], { env: { POSTDECK_SIM_INIT_BPS: "0" } });
    expect(init.code, init.stderr).toBe(0);
    const identitiesBefore = (await fs.readdir(path.join(dir, "node", "data", "identities"))).sort();

    // the old node's post-service still reads the data: refused
    const old = sim(["post-service", "--address", "http://127.0.0.1:1", "--dir", other, "--threads", "1", "--nonces", "16"]);
    await waitFor(() => old.stderr().includes("POST proving settings"), { what: "old post-service up" });
    const busy = await runCliInProcess([...cfg, "identity", "import", other, "--dry-run"]);
    expect(busy.code).toBe(1);
    expect(busy.stdout).toMatch(/still uses .*stop the old node's post-service first/);
    old.child.kill("SIGKILL");
    await old.exit;

    const plan = await runCliInProcess([...cfg, "identity", "import", other, "--dry-run", "--json"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    const item = JSON.parse(plan.stdout).items[0];
    expect(item).toMatchObject({ ok: true, keyName: "pos-a.key", serviceName: "pos-a" });

    const noConfirm = await runCli([...cfg, "identity", "import", other]); // the program, its stdin a pipe
    expect(noConfirm.code).toBe(2); // no TTY to type the short id on
    expect(noConfirm.stderr).toMatch(/--confirm/);

    const wrong = await runCliInProcess([...cfg, "identity", "import", other, "--confirm", "ffffff"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/equivocation/);

    const done = await runCliInProcess([...cfg, "identity", "import", other, "--confirm", item.shortId]);
    expect(done.code, done.stderr).toBe(0);
    expect(await fs.readFile(path.join(dir, "node", "data", "identities", "pos-a.key"), "utf8")).toBe(await fs.readFile(path.join(other, "identity.key"), "utf8"));
    await waitFor(async () => (await live()).services.some((v) => v.name === "pos-a"), { intervalMs: 200, what: "service pos-a added" });

    const again = await runCliInProcess([...cfg, "identity", "import", other, "--dry-run"]);
    expect(again.stdout).toMatch(/already in .* as pos-a\.key/);

    const rb = await runCliInProcess([...cfg, "identity", "rollback"]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stdout).toMatch(/pos-a\.key: removed copy/);
    expect((await fs.readdir(path.join(dir, "node", "data", "identities"))).sort()).toEqual(identitiesBefore);
    await waitFor(async () => !(await live()).services.some((v) => v.name === "pos-a"), { intervalMs: 200, what: "service pos-a removed" });
    expect(await fs.readFile(path.join(other, "identity.key"), "utf8")).toMatch(/^[0-9a-f]{128}$/);
  });
});
