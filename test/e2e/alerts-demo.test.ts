// Alerts from the real daemon on the demo rig: a finding reaches a command sink (alert JSON on
// stdin), a webhook that answers 500 becomes a finding itself, and `alerts test` reports each sink.
import { appendFileSync, chmodSync, existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuild, runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp-dir.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Finding } from "../../src/protocol/model.js";

let dir = "";
let cfg: string[] = [];
let server: http.Server;
let hits = 0;

beforeAll(async () => {
  requireBuild();
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hits++;
      res.statusCode = 500;
      res.end("receiver down");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  dir = tempDir("pd-e2e-alerts-");
  const r = await runCli(["demo", "--dir", dir, "--identities", "2", "--no-console"]);
  expect(r.code, r.stderr).toBe(0);
  cfg = ["--config", path.join(dir, "postdeck.yaml")];
}, 120_000);

afterAll(async () => {
  if (cfg.length) await runCli([...cfg, "daemon", "stop", "--stop-services", "--force"]);
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  cleanupTempDirs();
});

describe("alerts from the daemon", () => {
  it("a finding reaches the command sink; a failing webhook is a finding; alerts test reports both", { timeout: 180_000 }, async () => {
    const got = path.join(dir, "alerts.jsonl");
    const port = (server.address() as { port: number }).port;
    // the daemon reads alerts: at its start (services keep running meanwhile)
    expect((await runCli([...cfg, "daemon", "stop"])).code).toBe(0);
    appendFileSync(
      path.join(dir, "postdeck.yaml"),
      [
        "alerts:",
        "  delayS: 0",
        "  sinks:",
        "    - name: script",
        `      command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(`require("fs").appendFileSync(${JSON.stringify(got)}, require("fs").readFileSync(0))`)}]`,
        "    - name: hook",
        `      webhook: http://127.0.0.1:${port}/alert`,
        "      timeoutS: 2",
        "",
      ].join("\n"),
    );
    expect((await runCli([...cfg, "daemon", "start"])).code).toBe(0);
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

      await waitFor(
        async () => {
          const d = JSON.parse((await runCli([...cfg, "doctor", "--json"])).stdout) as { findings: Finding[] };
          return d.findings.find((f) => f.id === "alert-sink-failing" && f.subject === "alerts:hook");
        },
        { timeoutMs: 60_000, what: "alert-sink-failing for the webhook" },
      );
      expect(hits).toBeGreaterThan(0);

      const t = await runCli([...cfg, "alerts", "test", "--json"]);
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
