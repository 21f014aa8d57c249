// Commands an error suggests run from where the user is: `node bin/postdeck.js …` from a clone.
import { describe, expect, it } from "vitest";
import { hintsFromHere } from "../../src/cli/errors.js";

const LOCK = "another postdeck daemon (pid 12) is already running for state dir /s; use it (postdeck status) or stop it first (postdeck daemon stop)";

describe("error hints", () => {
  it("rewrites the suggested commands, not the prose", () => {
    expect(hintsFromHere(LOCK, "node bin/postdeck.js")).toBe(
      "another postdeck daemon (pid 12) is already running for state dir /s; use it (node bin/postdeck.js status) or stop it first (node bin/postdeck.js daemon stop)",
    );
    expect(hintsFromHere("writing /etc/x needs root: sudo postdeck systemd install --config /c", "node bin/postdeck.js")).toBe(
      "writing /etc/x needs root: sudo node bin/postdeck.js systemd install --config /c",
    );
    expect(hintsFromHere("(postdeck supervises it)", "node bin/postdeck.js")).toBe("(postdeck supervises it)");
  });
  it("leaves messages alone when postdeck is installed", () => {
    expect(hintsFromHere(LOCK, "postdeck")).toBe(LOCK);
  });
});
