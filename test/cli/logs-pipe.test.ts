// `postdeck logs X -f | head`: when the reader goes away the command ends quietly (exit 0),
// without an EPIPE stack trace.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { makeRig } from "../helpers/rig-fixture.js";
import { cleanupTempDirs } from "../helpers/temp-dir.js";
import { killTrackedGroups } from "../helpers/processes.js";
import { BIN, clientWhenUp, requireBuild, spawnDaemon } from "../helpers/cli.js";

beforeAll(() => requireBuild());
afterEach(() => {
  killTrackedGroups();
  cleanupTempDirs();
});

describe("logs into a pipe that closes", () => {
  it("exits 0 with nothing on stderr once head has its lines", async () => {
    const rig = makeRig({ services: 1, service: () => ({ env: { FAKE_CHATTY_BYTES_PER_TICK: "300" } }) });
    spawnDaemon(rig.configPath, {});
    (await clientWhenUp(rig.stateDir, {})).close();
    for (const follow of [["-f"], []]) {
      const script = `'${process.execPath}' '${BIN}' logs svc0 -n 150 ${follow.join(" ")} --config '${rig.configPath}' 2>"$ERR" | head -2 >/dev/null; echo "\${PIPESTATUS[0]}"; cat "$ERR"`;
      const out = await new Promise<string>((resolve, reject) =>
        execFile("bash", ["-c", `ERR=$(mktemp); ${script}; rm -f "$ERR"`], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
      );
      const [code, ...stderr] = out.split("\n");
      expect(stderr.join("\n").trim()).toBe("");
      expect(code).toBe("0");
    }
  });
});
