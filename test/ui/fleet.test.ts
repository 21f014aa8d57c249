// The fleet table's pure parts: the identity/service join, natural sort, filter, counts and
// position; the footer's hint packing; the header's priorities; splitting a read into keys.
import { describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.js";
import { countsText, fleetCounts, joinFleet, positionText, visibleFleet, windowStart } from "../../src/ui/fleet.js";
import { fitHints } from "../../src/ui/components/Footer.js";
import { headerSegments } from "../../src/ui/components/Header.js";
import { splitRead } from "../../src/ui/input/keypress.js";
import { bulkResultText } from "../../src/ui/App.js";
import type { Key } from "ink";

const { now, snapshot } = loadFixture();
const text = (segs: { text: string }[]) => segs.map((s) => s.text).join("");

describe("fleet", () => {
  it("joins each identity with its service; services and identities without the other get rows", () => {
    const services = [...snapshot.services.filter((s) => s.name !== "post4"), { ...snapshot.services[0]!, name: "extra" }];
    const rows = joinFleet(snapshot.identities, services);
    expect(rows.map((r) => [r.name, r.service?.name ?? null, r.identity?.keyFile ?? null])).toEqual([
      ["post1", "post1", "post1.key"],
      ["post2", "post2", "post2.key"],
      ["post3", "post3", "post3.key"],
      ["post4", null, "post4.key"],
      ["extra", "extra", null],
    ]);
    expect(countsText(fleetCounts(rows))).toBe("5 · 3 running · 1 failed · 2 proving · 1 without service · 1 without key");
  });

  it("sorts naturally and filters by name, id, state or operator", () => {
    const ids = ["post10", "post2", "post1"].map((n, i) => ({ ...snapshot.identities[i % 4]!, keyFile: `${n}.key`, service: null }));
    const rows = joinFleet(ids, []);
    expect(visibleFleet(rows, { key: "name", desc: false }, "").map((r) => r.name)).toEqual(["post1", "post2", "post10"]);
    expect(visibleFleet(rows, { key: "name", desc: true }, "").map((r) => r.name)).toEqual(["post10", "post2", "post1"]);
    const all = joinFleet(snapshot.identities, snapshot.services);
    expect(visibleFleet(all, { key: "name", desc: false }, "backoff").map((r) => r.name)).toEqual(["post3"]);
    expect(visibleFleet(all, { key: "state", desc: false }, "")[0]!.name).toBe("post3");
  });

  it("says which rows are on screen", () => {
    expect(windowStart(16, 12, 0)).toBe(0);
    expect(windowStart(16, 12, 15)).toBe(4);
    expect(positionText(16, 8, 11)).toBe("5–12/16");
    expect(positionText(0, 8, 0)).toBe("0/0");
  });
});

describe("footer and header", () => {
  it("packs hints by priority, leaving out whole hints that do not fit", () => {
    const keys: [string, string][] = [["?", "help"], ["q", "quit"], ["Enter", "details with a long label"], ["s", "start"]];
    expect(fitHints(keys, 23, 1)).toEqual([[["?", "help"], ["q", "quit"], ["s", "start"]]]);
    expect(fitHints(keys, 22, 1)).toEqual([[["?", "help"], ["q", "quit"]]]);
    expect(fitHints(keys, 32, 2)).toEqual([[["?", "help"], ["q", "quit"], ["s", "start"]], [["Enter", "details with a long label"]]]);
  });

  it("keeps rig, node health, the gap countdown and the daemon at 80 columns", () => {
    const H = 3_600_000;
    const clock = { source: "node-config" as const, notes: [], genesisMs: now - 30 * H, layerMs: 60_000, layersPerEpoch: 1440, phaseShiftMs: 12 * H, cycleGapMs: 4 * H, gracePeriodMs: H, nodeLayer: null, skewLayers: null };
    const node = { ...snapshot.node, clock };
    const wide = text(headerSegments({ daemon: snapshot.daemon, node, connection: { kind: "connected" }, bye: null, width: 200, now }));
    expect(wide).toMatch(/node ● synced layer 71234 peers 42 .*│ epoch 1 · gap in 2h 00m │ daemon ● connected pid 4000/);
    const narrow = text(headerSegments({ daemon: snapshot.daemon, node, connection: { kind: "connected" }, bye: null, width: 80, now }));
    expect(narrow.length).toBeLessThanOrEqual(80);
    expect(narrow).toMatch(/rig-a.*node ● synced.*gap.*2h 00m.*daemon ●/);
  });
});

describe("keys and results", () => {
  const base = { ctrl: false, meta: false, shift: false } as unknown as Key;
  it("a read of several characters is one key each, Enter included", () => {
    expect(splitRead("ab\r", base).map((k) => k.name)).toEqual(["a", "b", "enter"]);
    expect(splitRead("j", base).map((k) => k.name)).toEqual(["j"]);
  });
  it("bulk actions count every result", () => {
    const r = bulkResultText("stop", [
      { name: "a", ok: true, message: "stopped" },
      { name: "b", ok: true, message: "stopped" },
      { name: "c", ok: false, message: "proving: left running" },
    ], true);
    expect(r).toEqual({ text: "✔ stopped 2 · ✖ 1 not stopped: c (proving: left running)", tone: "err" });
  });
});

import { flowKey, openRename, type RenameFlow } from "../../src/ui/flows/flows.js";
import { DIALOG_KEYS } from "../../src/ui/keymap.js";
describe("safer dialogs", () => {
  const ctx = { demo: true, nodeSupervised: false, services: snapshot.services, identities: snapshot.identities };
  const renaming = (keyFile: string, proving: boolean, text: string): RenameFlow => ({ ...(openRename(keyFile, proving).flow as RenameFlow), text });
  it("renaming a PROVING identity asks first; an idle one is renamed at once", () => {
    const proving = flowKey(renaming("post1.key", true, "alpha"), "enter", "", ctx);
    expect(proving.send).toBeUndefined();
    expect(proving.flow?.kind).toBe("ask");
    const yes = flowKey(proving.flow!, "y", "y", ctx);
    expect(yes.send).toEqual({ route: "identityRename", body: { from: "post1.key", to: "alpha" } });
    const idle = flowKey(renaming("post2.key", false, "beta"), "enter", "", ctx);
    expect(idle.send).toEqual({ route: "identityRename", body: { from: "post2.key", to: "beta" } });
  });
  it("a destructive confirmation takes y, never Enter", () => {
    expect(DIALOG_KEYS.confirm).not.toContain("enter");
    expect(DIALOG_KEYS.cancel).toContain("esc");
  });
});
