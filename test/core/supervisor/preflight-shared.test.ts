// Services that start together (a daemon's start, `start --all`) check their PoS metadata against
// every other service's: the preflights share one read of each dir's metadata, not one per pair.
import { copyFileSync, mkdirSync, promises as fsp } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { preflightPostService } from "../../../src/core/supervisor/preflight.js";
import { makeRig } from "../../helpers/rig-fixture.js";

afterEach(() => vi.restoreAllMocks());

describe("preflights asked together", () => {
  it("read each service's metadata once, and still find two services of one identity", async () => {
    const rig = makeRig({ services: 12 });
    const all = rig.config.services;
    const open = vi.spyOn(fsp, "open");
    const results = await Promise.all(all.map((s) => preflightPostService(s, all, rig.config.node.identitiesDir)));
    expect(results.every((r) => r.ok)).toBe(true);
    const metadataOpens = open.mock.calls.filter(([f]) => String(f).endsWith("postdata_metadata.json")).length;
    expect(metadataOpens).toBe(12); // old: 23 (each preflight asked for all twelve; a read was shared only while under way)
    // still every other's read: a service on a copy of svc1's metadata (the same NodeId) is refused
    const copy = path.join(rig.root, "copy-of-pos1");
    mkdirSync(copy);
    copyFileSync(path.join(all[1]!.dir, "postdata_metadata.json"), path.join(copy, "postdata_metadata.json"));
    const twin = { ...all[0]!, name: "twin", dir: copy };
    const same = await preflightPostService(twin, [...all, twin], rig.config.node.identitiesDir);
    expect(!same.ok && same.reason).toContain("services twin and svc1 prove for the same identity");
  });
});
