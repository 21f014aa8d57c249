import { describe, expect, it } from "vitest";
import { PtyTerminal } from "./terminal.js";

describe("the pseudo-terminal harness", () => {
  it("runs the built binary and shows what it prints", async () => {
    const t = new PtyTerminal(["--help"], { cols: 80, rows: 24 });
    await t.waitFor("usage: postdeck");
    expect((await t.waitForExit()).code).toBe(0);
  });
});
