// `postdeck COMMAND --help` prints that command's usage and exits 0; help text ends with a newline.
import { describe, expect, it, vi } from "vitest";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { commandUsage, main } from "../../src/cli/main.js";

const BIN = path.resolve(__dirname, "../../bin/postdeck.js");

describe("--help", () => {
  it("a command's usage, or its summary when it has no usage of its own, ends with a newline", () => {
    expect(commandUsage("status", "show services", "usage: postdeck status [--json]")).toMatch(/^usage: postdeck status \[--json\]\n[\s\S]*\n$/);
    expect(commandUsage("plan", "the proving plan", undefined)).toMatch(/^usage: postdeck plan .*the proving plan[\s\S]*\n$/);
  });

  it("a command with options or subcommands of its own prints them, not its one-line summary", async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    try {
      for (const cmd of ["identity", "demo", "plan", "daemon", "doctor", "logs", "bridge"]) {
        out.length = 0;
        expect(await main([cmd, "--help"])).toBe(0);
        expect(out.join(""), cmd).not.toMatch(/^usage: postdeck \w+ \.\.\. /);
      }
      out.length = 0;
      await main(["identity", "--help"]);
      for (const sub of ["add", "import", "rollback", "retire", "rename", "permissions", "providers", "show", "cancel"]) expect(out.join("")).toContain(`postdeck identity ${sub}`);
    } finally {
      write.mockRestore();
    }
  });

  it("postdeck status --help exits 0 with status's usage (built binary)", () => {
    const out = execFileSync(process.execPath, [BIN, "status", "--help"], { encoding: "utf8", timeout: 10_000 });
    expect(out.startsWith("usage: postdeck status")).toBe(true);
    expect(out.endsWith("\n")).toBe(true);
  });
});
