import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HAND_FILE, loadHandTaken, saveHandTaken } from "../../../src/core/orchestrator/hand-store.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";

afterAll(() => cleanupTempDirs());

describe("services taken by hand, kept in the state dir", () => {
  it("none when the file is missing or unreadable", async () => {
    const dir = tempDir("pd-hand-");
    expect((await loadHandTaken(dir)).size).toBe(0);
    fs.writeFileSync(path.join(dir, HAND_FILE), "{not json");
    expect((await loadHandTaken(dir)).size).toBe(0);
  });

  it("what is saved is read back (a restarted daemon keeps them), and no temp file stays behind", async () => {
    const dir = path.join(tempDir("pd-hand-"), "state"); // created on first save
    await saveHandTaken(dir, new Map([["post1", 1_700_000_000_000], ["post3", 1_700_000_060_000]]));
    expect([...(await loadHandTaken(dir))]).toEqual([["post1", 1_700_000_000_000], ["post3", 1_700_000_060_000]]);
    await saveHandTaken(dir, new Map([["post3", 1_700_000_060_000]])); // post1 handed back
    expect([...(await loadHandTaken(dir)).keys()]).toEqual(["post3"]);
    expect(fs.readdirSync(dir)).toEqual([HAND_FILE]);
  });
});
