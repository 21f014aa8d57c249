import { describe, expect, it } from "vitest";
import { doctorExitCode, formatDoctor } from "../../../src/cli/doctor.js";
import type { Finding } from "../../../src/protocol/model.js";

const notTty = { isTTY: false } as NodeJS.WriteStream;
const err: Finding = { id: "no-coinbase", severity: "error", subject: null, title: "connection not allowed: node has no coinbase set in config", detail: "/etc/node.json: smeshing.smeshing-coinbase is not set", fix: 'set "smeshing": {"smeshing-coinbase": "sm1…"}' };
const warn: Finding = { id: "key-permissions", severity: "warning", subject: "post2.key", title: "key file is readable by others (mode 644)", detail: "/d/identities/post2.key is a private key", fix: "chmod 600 /d/identities/post2.key" };

describe("postdeck doctor output", () => {
  it("groups by severity, errors first, each with its fix; exit 1 with an error", () => {
    const text = formatDoctor([warn, err], notTty);
    expect(text).toBe(
      [
        "errors (1)",
        "  ✗ connection not allowed: node has no coinbase set in config",
        "      /etc/node.json: smeshing.smeshing-coinbase is not set",
        '      fix: set "smeshing": {"smeshing-coinbase": "sm1…"}',
        "      [no-coinbase]",
        "",
        "warnings (1)",
        "  ! post2.key: key file is readable by others (mode 644)",
        "      /d/identities/post2.key is a private key",
        "      fix: chmod 600 /d/identities/post2.key",
        "      [key-permissions]",
        "",
      ].join("\n"),
    );
    expect(doctorExitCode([warn, err])).toBe(1);
  });
  it("exit 0 with warnings only or nothing", () => {
    expect(doctorExitCode([warn])).toBe(0);
    expect(doctorExitCode([])).toBe(0);
    expect(formatDoctor([], notTty)).toBe("✓ nothing needs attention\n");
  });
});
