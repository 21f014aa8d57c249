// identityFindings indexes the findings list once per list; what it returns must stay what the rule
// says (src/presentation/identity-findings.ts), checked against the rule written as a plain filter over
// many random rigs: subjects shared by key files and services, ids listed with and without namesakes.
import { describe, expect, it } from "vitest";
import { identityFindings } from "../../src/presentation/identity-findings.js";
import type { Finding } from "../../src/protocol/model.js";

type Id = { keyFile: string; service: string | null; findings: string[] };

/** The rule as a filter of the whole list (what identityFindings did before it indexed the list). */
function byRule(id: Id, all: readonly Finding[]): Finding[] {
  const about = (f: Finding) => f.subject !== null && (f.subject === id.keyFile || (id.service != null && f.subject === id.service));
  const bySubject = new Set(all.filter(about).map((f) => f.id));
  return all.filter((f) => about(f) || (id.findings.includes(f.id) && !bySubject.has(f.id)));
}

/** A small deterministic generator (the same cases on every run). */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

describe("identityFindings over an indexed list", () => {
  it("returns what the rule's filter returns, in the list's order, for 500 random rigs", () => {
    const r = rng(7);
    const ids = ["pos-initialising", "proof-predicted-miss", "svc-down", "disk-full", "node-behind"];
    const subjects = ["post1.key", "post2.key", "post3.key", "post1", "post2", "/mnt/a", "both"];
    for (let c = 0; c < 500; c++) {
      const all = Array.from({ length: r(12) }, () => ({ id: ids[r(ids.length)]!, subject: r(5) === 0 ? null : subjects[r(subjects.length)]!, severity: r(2) ? "error" : "warning", title: "t", detail: "", fix: null }) as unknown as Finding);
      const n = 1 + r(3);
      const id: Id = { keyFile: r(6) === 0 ? "both" : `post${n}.key`, service: r(3) === 0 ? null : r(6) === 0 ? "both" : `post${n}`, findings: Array.from({ length: r(3) }, () => ids[r(ids.length)]!) };
      expect(identityFindings(id, all)).toEqual(byRule(id, all));
      expect(identityFindings(id, all)).toEqual(byRule(id, all)); // the second call reads the kept index
    }
  });

  it("a new list (the findings changed) is read anew, not through the index of the old one", () => {
    const id: Id = { keyFile: "post1.key", service: "post1", findings: [] };
    const before = [{ id: "svc-down", subject: "post1", severity: "error" }] as unknown as Finding[];
    expect(identityFindings(id, before).map((f) => f.id)).toEqual(["svc-down"]);
    const after = [{ id: "bad-key", subject: "post1.key", severity: "error" }] as unknown as Finding[];
    expect(identityFindings(id, after).map((f) => f.id)).toEqual(["bad-key"]);
  });
});
