// Alerts from the real daemon on the demo rig: a finding reaches a command sink (alert JSON on
// stdin), a webhook that answers 500 becomes a finding itself, and `alerts test` reports each sink.
import { chmodSync, existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientWhenUp, runCliInProcess } from "../helpers/cli.js";
import { startDemoRig } from "../helpers/demo-rig.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Finding } from "../../src/protocol/model.js";
import type { SocketClient } from "../../src/client/socket-client.js";

let dir = "";
let cfg: string[] = [];
let server: http.Server;
let hits = 0;
let got = "";
let client: SocketClient | null = null;

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
  ({ dir, cfg } = await startDemoRig({ prefix: "pd-e2e-alerts-", identities: 2, config: { alerts } }));
  client = await clientWhenUp(path.join(dir, "state"), {});
}, 120_000);

afterAll(async () => {
  client?.close();
  if (cfg.length) await runCliInProcess([...cfg, "daemon", "stop", "--stop-services", "--force"]);
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  cleanupTempDirs();
});

describe("alerts from the daemon", () => {
  it("a finding reaches the command sink; a failing webhook is a finding; alerts test reports both", { timeout: 180_000 }, async () => {
    const ids = path.join(dir, "node", "data", "identities");
    chmodSync(ids, 0o755);
    try {
      const alerts = await waitFor(
        () => {
          if (!existsSync(got)) return null;
          const all = readFileSync(got, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { event: string; finding: Finding; rig: string });
          return all.find((a) => a.finding.id === "identities-dir-permissions" && a.event === "appeared") ?? null;
        },
        { timeoutMs: 60_000, what: "the alert in the command sink" },
      );
      expect(alerts.rig).toBe("demo");
      expect(alerts.finding.fix).toContain("chmod 700");

      const sinkFailing = (fs: Finding[]) => fs.some((f) => f.id === "alert-sink-failing" && f.subject === "alerts:hook");
      // waited for over the socket; then as `doctor --json` says it
      await waitFor(async () => sinkFailing((await client!.call("doctor", {})).findings), { timeoutMs: 60_000, intervalMs: 200, what: "alert-sink-failing for the webhook" });
      expect(sinkFailing((JSON.parse((await runCliInProcess([...cfg, "doctor", "--json"])).stdout) as { findings: Finding[] }).findings)).toBe(true);
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
