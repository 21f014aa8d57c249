// A rig's summary worded once as cells, for `postdeck fleet` and the console's Fleet view.
import { describe, expect, it } from "vitest";
import { summarize, unreachableSummary } from "../../src/fleet/summary.js";
import { summaryCells } from "../../src/fleet/summary-cells.js";
import { formatFleet } from "../../src/cli/fleet.js";
import type { Rig } from "../../src/fleet/rigs-file.js";
import { loadFixture } from "../ui/fixtures.js";

const rig: Rig = { kind: "ssh", name: "rig-a", host: "sm@a", config: null, sshOptions: [], command: ["postdeck"], readOnly: true };

describe("summary cells", () => {
  it("node, epoch, gap, identities, services and the worst finding, each with its tone; none for an unreachable rig", () => {
    const { now, snapshot } = loadFixture();
    const cells = summaryCells(summarize(rig, snapshot, now))!;
    expect(cells.map((c) => c.text)).toEqual([expect.any(String), expect.any(String), expect.any(String), "4 · 3 reg · 1 proving · 1 err", "2/4 running", expect.stringContaining("✖ error: ")]);
    expect(cells[3]!.tone).toBe("err");
    expect(cells[5]!.tone).toBe("err");
    expect(summaryCells(unreachableSummary(rig, "gone"))).toBeNull();
  });

  it("postdeck fleet prints them under the header, an unreachable rig with its reason below", () => {
    const { now, snapshot } = loadFixture();
    const text = formatFleet([summarize(rig, snapshot, now), unreachableSummary({ ...rig, name: "rig-b" }, "ssh: connection refused")]);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^RIG +DAEMON +NODE +EPOCH +GAP +IDENTITIES +SERVICES +WORST FINDING$/);
    expect(lines[1]).toMatch(/^rig-a +● up ro .*4 · 3 reg · 1 proving · 1 err +2\/4 running +✖ error: /);
    expect(lines[2]).toMatch(/^rig-b +✖ unreachable$/);
    expect(text).toContain("rig-b (ssh sm@a): ssh: connection refused");
  });
});
