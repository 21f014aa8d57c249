// The fleet reaches a local rig's daemon from its config's stateDir alone (no whole config check):
// the same directory the full config load resolves, without its cost.
import { afterAll, describe, expect, it } from "vitest";
import os from "node:os";
import path from "node:path";
import { writeFileSync } from "node:fs";
import { localStateDir } from "../../src/fleet/rig-connection.js";
import { parseConfigText } from "../../src/config/load.js";
import { tempDir, cleanupTempDirs } from "../helpers/temp-dir.js";

afterAll(() => cleanupTempDirs());

describe("a local rig's state dir", () => {
  const dir = tempDir("pd-rig-conn-");
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const node = "node:\n  dataFolder: ./data\n";

  it("is the config's stateDir (relative to the file, ~ expanded, quoted or not), as the full load resolves it", async () => {
    for (const [name, line] of [["a.yaml", "stateDir: ./state # here"], ["b.yaml", 'stateDir: "~/pd state"'], ["c.yaml", "stateDir:   /var/lib/pd"]] as const) {
      const f = file(name, `rig: r\n${node}${line}\n`);
      const full = parseConfigText(`rig: r\n${node}${line}\n`, f).stateDir;
      expect(await localStateDir(f)).toBe(full);
    }
    expect(await localStateDir(file("b2.yaml", `${node}stateDir: "~/pd state"\n`))).toBe(path.join(os.homedir(), "pd state"));
  });

  it("without stateDir: the default ($XDG_STATE_HOME/postdeck)", async () => {
    expect(await localStateDir(file("d.yaml", node), { XDG_STATE_HOME: "/x/state" })).toBe("/x/state/postdeck");
  });

  it("a missing file or a stateDir that is not a path: a config error naming the file", async () => {
    await expect(localStateDir(path.join(dir, "none.yaml"))).rejects.toThrow(`${path.join(dir, "none.yaml")}: cannot read the config file (ENOENT)`);
    const bad = file("e.yaml", `${node}stateDir: [a, b]\n`);
    await expect(localStateDir(bad)).rejects.toThrow(`${bad}: stateDir: expected a directory path`);
  });
});
