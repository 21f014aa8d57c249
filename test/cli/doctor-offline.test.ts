// `doctor` and `logs` with no daemon: they read the files themselves, say which live checks they
// skipped, and doctor's exit code follows its findings. The built CLI's main, called in this process
// (npm run build first).
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { requireBuild, runCliInProcess } from "../helpers/cli.js";
import { newKeyHex, writePosMetadata } from "../helpers/pos-identity.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp-dir.js";

beforeAll(() => requireBuild());
afterEach(() => cleanupTempDirs());

function rig() {
  const root = tempDir("pd-doctor-offline-");
  const data = path.join(root, "data");
  const ids = path.join(data, "identities");
  mkdirSync(path.join(ids, "retired"), { recursive: true, mode: 0o700 });
  const k1 = newKeyHex();
  writeFileSync(path.join(ids, "post1.key"), k1.hex, { mode: 0o600 });
  writePosMetadata(path.join(root, "pos1"), k1.nodeId);
  const retired = newKeyHex();
  writeFileSync(path.join(ids, "retired", "post9.key"), retired.hex, { mode: 0o600 });
  const log = path.join(root, "node.log");
  const config = path.join(root, "postdeck.yaml");
  writeFileSync(
    config,
    [
      `stateDir: ${path.join(root, "state")}`,
      "node:",
      `  dataFolder: ${data}`,
      "  log:",
      `    file: ${log}`,
      "services:",
      "  - name: s1",
      `    dir: ${path.join(root, "pos1")}`,
      "    binary: /nonexistent/post-service",
      "",
    ].join("\n"),
  );
  return { root, config, log, retired, env: { XDG_RUNTIME_DIR: root } };
}

describe("doctor without a daemon", () => {
  it("--json prints JSON with a daemon-down finding, the file findings and the skipped live checks; exit 1", async () => {
    const r = rig();
    const out = await runCliInProcess(["doctor", "--json", "--config", r.config], r.env);
    expect(out.code).toBe(1);
    const j = JSON.parse(out.stdout) as { findings: { id: string; title: string }[]; source: string; skipped: string[] };
    expect(j.source).toBe("files");
    expect(j.skipped.join(" ")).toContain("node gRPC");
    const ids = j.findings.map((f) => f.id);
    expect(ids).toContain("daemon-down");
    expect(ids).toContain("node-log-unreadable");
    expect(ids).not.toContain("node-uses-former-key");

    // the node log appears and names the retired key: that finding appears, the log one clears
    const now = new Date().toISOString();
    appendFileSync(
      r.log,
      `${now}\tWARN\tnode.nipostBuilder\tpost service not connected - waiting for reconnection\t{"smesherID": "${r.retired.nodeId}", "error": "post service not registered"}\n`,
    );
    const again = JSON.parse((await runCliInProcess(["doctor", "--json", "--config", r.config], r.env)).stdout) as { findings: { id: string; title: string }[] };
    const ids2 = again.findings.map((f) => f.id);
    expect(ids2).not.toContain("node-log-unreadable");
    expect(again.findings.find((f) => f.id === "node-uses-former-key")?.title).toBe(
      `the node still asks for identity ${r.retired.nodeId.slice(0, 6)}, which is retired`,
    );
  });

  it("text output says the daemon is down and which live checks were skipped", async () => {
    const r = rig();
    const out = await runCliInProcess(["doctor", "--config", r.config], r.env);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain("no daemon answers: checked the files only");
    expect(out.stdout).toContain("skipped (live): node gRPC");
    expect(out.stdout).toContain("[daemon-down]");
  });

  it("--json with an invalid config still prints JSON (exit 2)", async () => {
    const r = rig();
    writeFileSync(r.config, "node: {}\n");
    const out = await runCliInProcess(["doctor", "--json", "--config", r.config], r.env);
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stdout).findings[0].id).toBe("config-invalid");
  });
});

describe("logs without a daemon", () => {
  it("prints the last lines of the node log from its file, and names an unknown source", async () => {
    const r = rig();
    writeFileSync(r.log, "line one\nline two\nline three\n");
    const out = await runCliInProcess(["logs", "node", "-n", "2", "--config", r.config], r.env);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("line two\nline three\n");
    expect(out.stderr).toContain(`reading ${r.log} directly`);
    const bad = await runCliInProcess(["logs", "nope", "--config", r.config], r.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("no log source 'nope' (known: s1, node)");
    const missing = await runCliInProcess(["logs", "s1", "--config", r.config], r.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("does not exist");
  });
});

describe("alerts test without a daemon", () => {
  it("sends from this process, reports each sink, exit 1 when one failed", async () => {
    const r = rig();
    const got = path.join(r.root, "got.json");
    appendFileSync(
      r.config,
      ["alerts:", "  sinks:", "    - name: script", `      command: ["/bin/sh", "-c", "cat > ${got}"]`, "    - name: broken", '      command: ["/bin/sh", "-c", "echo nope >&2; exit 4"]', ""].join("\n"),
    );
    const out = await runCliInProcess(["alerts", "test", "--json", "--config", r.config], r.env);
    expect(out.code).toBe(1);
    const j = JSON.parse(out.stdout) as { sentBy: string; results: { sink: string; ok: boolean; error: string | null }[] };
    expect(j.sentBy).toBe("cli");
    expect(j.results.map((x) => [x.sink, x.ok])).toEqual([["script", true], ["broken", false]]);
    expect(j.results[1]!.error).toBe("/bin/sh exited with exit code 4: nope");
    expect(JSON.parse(readFileSync(got, "utf8"))).toMatchObject({ type: "postdeck-alert", event: "test" });
  });
});
