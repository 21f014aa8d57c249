import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.js";
import { MIB, parseSize, resolveBudget } from "../../../src/core/orchestrator/budget.js";

const base = "node:\n  dataFolder: /data\nservices:\n  - name: post1\n    dir: /pos/post1\n";

describe("proving config", () => {
  it("defaults to always, one per disk, no concurrency cap, RAM auto", () => {
    const c = parseConfigText(base, "/etc/postdeck.yaml", { home: "/home/u", env: {}, hostname: "h" });
    expect(c.proving).toEqual({ mode: "always", perDisk: 1, maxConcurrent: "auto", memoryBudget: "auto", disks: {} });
    expect(c.services[0]!.autostart).toBe(true);
  });

  it("on-demand: the orchestrator starts services (autostart off); disk paths are absolute from the config's dir", () => {
    const c = parseConfigText(base + "proving:\n  mode: on-demand\n  perDisk: 2\n  maxConcurrent: 3\n  memoryBudget: 48GiB\n  disks:\n    nvme0: [pos]\n", "/etc/pd/postdeck.yaml", { home: "/home/u", env: {}, hostname: "h" });
    expect(c.proving).toEqual({ mode: "on-demand", perDisk: 2, maxConcurrent: 3, memoryBudget: "48GiB", disks: { nvme0: ["/etc/pd/pos"] } });
    expect(c.services[0]!.autostart).toBe(false);
  });

  it("a bad value names the key and what is expected", () => {
    expect(() => parseConfigText(base + "proving:\n  memoryBudget: lots\n", "/etc/postdeck.yaml", { home: "/h", env: {}, hostname: "h" })).toThrow(/proving\.memoryBudget.*"auto" or a size such as "48GiB"/);
    expect(() => parseConfigText(base + "proving:\n  perDisks: 2\n", "/etc/postdeck.yaml", { home: "/h", env: {}, hostname: "h" })).toThrow(/one of mode, perDisk, maxConcurrent, memoryBudget, disks/);
  });
});

describe("budget", () => {
  it("sizes in binary units; auto RAM is three quarters of the machine's", () => {
    expect(parseSize("48GiB")).toBe(48 * 1024 * MIB);
    expect(parseSize("512 MiB")).toBe(512 * MIB);
    expect(parseSize("auto")).toBeNull();
    const b = resolveBudget({ mode: "on-demand", perDisk: 1, maxConcurrent: "auto", memoryBudget: "auto", disks: {} }, 64 * 1024 * MIB);
    expect(b).toMatchObject({ maxConcurrent: null, memoryBytes: 48 * 1024 * MIB, memorySource: "75 % of 64.0 GiB (auto)" });
    expect(resolveBudget(undefined, null)).toMatchObject({ mode: "always", memoryBytes: null });
  });
});
