// `postdeck identity add` returns when the add's task says done; by then the daemon must list the new
// service (a `status` run right after it showed the rig without it: the daemon re-read its config only
// after the task had ended). The manager re-reads the config before the task says done.
import { describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { IdentityManager } from "../../../src/core/identity/manager.js";
import { YamlServiceRegistry } from "../../../src/config/yaml-service-registry.js";
import type { TaskView } from "../../../src/protocol/model.js";
import { requireBuild, simPostcli } from "../../helpers/cli.js";
import { tempDir } from "./pos-fixture.js";

describe("IdentityManager.add", () => {
  it("has re-read the config (the new service listed) when its task says done", { timeout: 30_000 }, async () => {
    requireBuild(); // the add's postcli is the simulator in the built CLI
    const root = await tempDir("add-reload");
    const config = path.join(root, "postdeck.yaml");
    await fs.writeFile(config, `node:\n  dataFolder: ${root}\nservices: []\n`);
    const registry = new YamlServiceRegistry(config);
    let listed: string[] | null = null; // what the daemon's config held at its re-read
    const host = {
      stopService: async () => undefined,
      reloadConfig: async () => {
        await new Promise((r) => setTimeout(r, 200)); // a re-read takes a while
        listed = (await registry.list()).map((s) => s.name);
      },
      commitmentAtx: async () => "00".repeat(32),
      serviceForKey: () => null,
      nodeSupervised: () => false,
    };
    const m = new IdentityManager({ identitiesDir: path.join(root, "identities"), stateDir: path.join(root, "state"), postcli: simPostcli(root), registry, host });
    const done = new Promise<TaskView>((resolve) => m.on("task", (v: TaskView) => v.state !== "running" && resolve(v)));
    process.env["POSTDECK_SIM_INIT_BPS"] = "0";
    try {
      await m.add({ name: "fresh", dir: path.join(root, "pos", "fresh"), units: 4, provider: 4294967295, labelsPerUnit: 4096, maxFileSize: 16384 });
      const v = await done;
      expect(v.state, v.message).toBe("done");
      expect(listed).toEqual(["fresh"]); // re-read before "done" was said, with the service in it
    } finally {
      delete process.env["POSTDECK_SIM_INIT_BPS"];
    }
  });
});
