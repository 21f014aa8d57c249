// One rule for "the findings of an identity", used by the console's details and `!N` marker
// (src/ui/findings.ts) and the fleet summary's "with errors" (src/fleet/summary.ts).
import { describe, expect, it } from "vitest";
import { identityFindings } from "../../src/presentation/identity-findings.js";
import { findingsFor } from "../../src/ui/findings.js";
import { summarize } from "../../src/fleet/summary.js";
import type { Finding } from "../../src/protocol/model.js";
import type { Rig } from "../../src/fleet/rigs-file.js";
import { loadFixture } from "../ui/fixtures.js";

const f = (id: string, subject: string | null, severity: Finding["severity"] = "error"): Finding => ({ id, subject, severity, title: id, detail: "", fix: null }) as unknown as Finding;
const rig: Rig = { kind: "local", name: "r", config: "/x/postdeck.yaml", command: ["postdeck"], readOnly: false };

describe("the findings of an identity", () => {
  const id = { keyFile: "post1.key", service: "post1", findings: ["disk-full"] };
  const all = [f("disk-full", "/mnt/a"), f("bad-key", "post1.key"), f("svc-down", "post1"), f("other", "post2.key"), f("rig-wide", null), f("listed-rig-wide", null)];

  it("listed by id (whatever its subject), or about its key file or its service", () => {
    expect(identityFindings(id, all).map((x) => x.id)).toEqual(["disk-full", "bad-key", "svc-down"]);
    expect(identityFindings({ ...id, service: null, findings: ["listed-rig-wide"] }, all).map((x) => x.id)).toEqual(["bad-key", "listed-rig-wide"]);
  });

  it("the console and the fleet summary decide alike", () => {
    const { now, snapshot } = loadFixture();
    const findings = [...snapshot.findings, f("disk-full", "/mnt/a")];
    const identities = snapshot.identities.map((i, n) => ({ ...i, keyProblem: null, findings: n === 0 ? ["disk-full"] : i.findings }));
    const snap = { ...snapshot, identities, findings };
    const console = identities.filter((i) => findingsFor(i, findings).some((x) => x.severity === "error")).length;
    expect(console).toBeGreaterThan(0);
    expect(summarize(rig, snap, now).identities!.withErrors).toBe(console);
  });
});
