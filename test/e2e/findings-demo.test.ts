// Issue 5 on the demo rig: findings appear when the rig is put into the state they describe, and
// clear when it is fixed — as `postdeck doctor` reports them. And alerts from the real daemon on the
// same rig: a finding reaches a command sink (alert JSON on stdin), a webhook that answers 500
// becomes a finding itself, and `alerts test` reports each sink.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, existsSync, readFileSync, promises as fs } from "node:fs";
import http from "node:http";
import path from "node:path";
import { clientWhenUp, runCli, runCliInProcess } from "../helpers/cli.js";
import { startDemoRig } from "../helpers/demo-rig.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Finding } from "../../src/protocol/model.js";
import type { SocketClient } from "../../src/client/socket-client.js";
import { newKeyHex } from "../core/identity/pos-fixture.js";

let dir = "";
let cfg: string[] = [];
let ids = "";
let client: SocketClient | null = null;
let server: http.Server;
let hits = 0;
let got = "";

/** `doctor --json`: its main in this process; as a program (`runCli`) where its exit code is the point. */
async function doctor(run = runCliInProcess): Promise<{ code: number; findings: Finding[] }> {
  const r = await run([...cfg, "doctor", "--json"]);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings };
}
/** The daemon's findings over its socket: what `doctor` prints, without a process per look while waiting. */
const daemonFindings = async (): Promise<Finding[]> => (await client!.call("doctor", {})).findings;
const waitFindings = (pred: (fs: Finding[]) => boolean, what: string) =>
  waitFor(async () => pred(await daemonFindings()), { timeoutMs: 40_000, intervalMs: 200, what });
const has = (id: string, subject: string) => (fs: Finding[]) => fs.some((f) => f.id === id && f.subject === subject);
const hasNot = (id: string, subject: string) => (fs: Finding[]) => !has(id, subject)(fs);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hits++;
      res.statusCode = 500;
      res.end("receiver down");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  got = path.join(tempDir("pd-e2e-alerts-got-"), "alerts.jsonl");
  // the daemon reads its alerts config at start: it is in postdeck.yaml before the daemon starts
  const alerts = {
    delayS: 0,
    sinks: [
      // a shell appending its stdin: the sink runs once per alert (a Node process each was ~0.15 s of CPU)
      { name: "script", command: ["/bin/sh", "-c", 'cat >> "$1"', "sh", got] },
      // it answers 500 at once; the timeout only has to outlast a loaded machine
      { name: "hook", webhook: `http://127.0.0.1:${port}/alert`, timeoutS: 10 },
    ],
  };
  // the node's coinbase is asked for on the slow poll (30 s by default): 1 s here; its PostStates
  // at rest every 5 × pollMs (10 s by default, before the first PROVING is seen): 2 s here
  ({ dir, cfg } = await startDemoRig({ prefix: "pd-e2e-find-", identities: 2, node: { slowPollMs: 1000, pollMs: 400 }, config: { alerts } }));
  ids = path.join(dir, "node", "data", "identities");
  client = await clientWhenUp(path.join(dir, "state"), {});
}, 120_000);

afterAll(async () => {
  client?.close();
  if (cfg.length) await runCliInProcess([...cfg, "daemon", "stop", "--stop-services", "--force"]);
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  cleanupTempDirs();
});

describe("findings on the demo rig", () => {
  it("node PROVING with the service stopped is an error (doctor exits 1) until the service runs again", { timeout: 180_000 }, async () => {
    // a fresh rig: the node asks every identity for its initial proof at once
    await waitFor(async () => (await client!.call("snapshot", {})).identities.find((i) => i.keyFile === "post1.key")?.postState === "PROVING",
      { timeoutMs: 30_000, intervalMs: 200, what: "post1 PROVING" });
    const stop = await runCliInProcess([...cfg, "stop", "post1", "--force"]);
    expect(stop.code, stop.stdout).toBe(0);
    await waitFindings(has("proving-service-down", "post1.key"), "proving-service-down");
    const d = await doctor(runCli);
    expect(d.code).toBe(1);
    const f = d.findings.find((x) => x.id === "proving-service-down")!;
    expect(f.severity).toBe("error");
    expect(f.fix).toMatch(/post1/);
    expect((await runCliInProcess([...cfg, "start", "post1"])).code).toBe(0);
    await waitFindings(hasNot("proving-service-down", "post1.key"), "finding cleared");
  });

  it("a key file with a trailing newline is reported in the node's words until fixed", async () => {
    const key = path.join(ids, "post2.key");
    const good = await fs.readFile(key, "utf8");
    // writeFile truncates before it writes: the daemon may first see an empty key ("invalid key size
    // 0/64") and then the full one; the finding follows the file to the node's words for the newline
    await fs.writeFile(key, good + "\n");
    const newline = (fs: Finding[]) => fs.some((f) => f.id === "key-invalid" && f.subject === "post2.key" && (f.title + f.detail).includes("encoding/hex: invalid byte: U+000A"));
    await waitFindings(newline, "key-invalid in the node's words");
    const f = (await doctor()).findings.find((x) => x.id === "key-invalid")!;
    expect(f.title + f.detail).toContain("encoding/hex: invalid byte: U+000A");
    await fs.writeFile(key, good);
    await waitFindings(hasNot("key-invalid", "post2.key"), "key-invalid cleared");
  });

  it("loose key permissions are a warning; `identity permissions --fix` clears it", async () => {
    const key = path.join(ids, "post1.key");
    await fs.chmod(key, 0o644);
    await waitFindings(has("key-permissions", "post1.key"), "key-permissions");
    const before = await runCliInProcess([...cfg, "identity", "permissions"]);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/post1\.key: mode 644, should be 600/);
    expect((await runCliInProcess([...cfg, "identity", "permissions", "--fix"])).code).toBe(0);
    expect((await fs.stat(key)).mode & 0o777).toBe(0o600);
    await waitFindings(hasNot("key-permissions", "post1.key"), "key-permissions cleared");
  });

  it("a key copied under a second name, and local.key among several keys, are errors in the node's words until removed", { timeout: 180_000 }, async () => {
    const dup = path.join(ids, "post1-copy.key");
    const local = path.join(ids, "local.key");
    await fs.copyFile(path.join(ids, "post1.key"), dup);
    await fs.writeFile(local, newKeyHex().hex, { mode: 0o600 });
    await waitFindings((fs) => fs.some((f) => f.id === "duplicate-key"), "duplicate-key");
    await waitFindings(has("local-key-in-remote", "local.key"), "local-key-in-remote");
    // local.key's name is seen as soon as the file exists; its NodeId once its contents are read (a
    // read while the test's write is under way finds it empty, and the write's change event reads it again)
    await waitFindings(has("key-without-service", "local.key"), "key-without-service");
    const fs1 = (await doctor()).findings;
    expect(fs1.find((f) => f.id === "duplicate-key")!.title).toBe("duplicate key found in identity files");
    expect(fs1.find((f) => f.id === "local-key-in-remote")!.title).toContain("Identities contain key for supervised smeshing (local.key)");
    expect(fs1.some((f) => f.id === "key-without-service" && f.subject === "local.key")).toBe(true);
    await fs.rm(dup);
    await fs.rm(local);
    await waitFindings((fs) => !fs.some((f) => ["duplicate-key", "local-key-in-remote", "key-without-service"].includes(f.id)), "key findings cleared");
    expect((await doctor()).findings.some((f) => ["duplicate-key", "local-key-in-remote", "key-without-service"].includes(f.id))).toBe(false);
  });

  it("the node's JSON config: smeshing-start true, no coinbase, a random or mismatched post listener, each found and cleared", { timeout: 300_000 }, async () => {
    const file = path.join(dir, "node", "config.json");
    const good = await fs.readFile(file, "utf8");
    const edit = async (fn: (c: Record<string, Record<string, unknown>>) => void) => {
      const c = JSON.parse(good);
      fn(c);
      await fs.writeFile(file, JSON.stringify(c, null, 2));
    };
    // (no-coinbase: the running node still has its coinbase — what it says over gRPC wins — so the
    // finding shows once the node runs with the edited config)
    const cases: [string, (c: Record<string, Record<string, unknown>>) => void, boolean][] = [
      ["smeshing-start-remote", (c) => (c.smeshing!["smeshing-start"] = true), false],
      ["post-listener-random", (c) => (c.api!["grpc-post-listener"] = "127.0.0.1:0"), false],
      ["post-listener-mismatch", (c) => (c.api!["grpc-post-listener"] = "127.0.0.1:1"), false],
      ["no-coinbase", (c) => delete c.smeshing!["smeshing-coinbase"], true],
    ];
    const restartNode = async () => expect((await runCliInProcess([...cfg, "restart", "node"])).code).toBe(0);
    try {
      for (const [id, fn, restart] of cases) {
        await edit(fn);
        if (restart) await restartNode();
        await waitFindings((fs) => fs.some((f) => f.id === id), id);
        expect((await doctor()).findings.some((f) => f.id === id)).toBe(true); // and so says `doctor`
        await fs.writeFile(file, good);
        if (restart) await restartNode();
        await waitFindings((fs) => !fs.some((f) => f.id === id), `${id} cleared`);
      }
    } finally {
      await fs.writeFile(file, good);
    }
  });
});

// the alerts of the findings above went to both sinks as well (the webhook failing each time)
describe("alerts from the daemon", () => {
  it("a finding reaches the command sink; a failing webhook is a finding; alerts test reports both", { timeout: 180_000 }, async () => {
    chmodSync(ids, 0o755);
    try {
      const alert = await waitFor(
        () => {
          if (!existsSync(got)) return null;
          const all = readFileSync(got, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { event: string; finding: Finding; rig: string });
          return all.find((a) => a.finding.id === "identities-dir-permissions" && a.event === "appeared") ?? null;
        },
        { timeoutMs: 60_000, what: "the alert in the command sink" },
      );
      expect(alert.rig).toBe("demo");
      expect(alert.finding.fix).toContain("chmod 700");

      const sinkFailing = (fs: Finding[]) => fs.some((f) => f.id === "alert-sink-failing" && f.subject === "alerts:hook");
      // waited for over the socket; then as `doctor --json` says it
      await waitFindings(sinkFailing, "alert-sink-failing for the webhook");
      expect(sinkFailing((await doctor()).findings)).toBe(true);
      expect(hits).toBeGreaterThan(0);

      const t = await runCliInProcess([...cfg, "alerts", "test", "--json"]);
      expect(t.code).toBe(1);
      const r = JSON.parse(t.stdout) as { sentBy: string; results: { sink: string; ok: boolean; error: string | null }[] };
      expect(r.sentBy).toBe("daemon");
      expect(r.results.map((x) => [x.sink, x.ok, x.error])).toEqual([
        ["script", true, null],
        ["hook", false, "HTTP 500: receiver down"],
      ]);
      expect(readFileSync(got, "utf8")).toContain('"event":"test"');
    } finally {
      chmodSync(ids, 0o700);
    }
  });
});
