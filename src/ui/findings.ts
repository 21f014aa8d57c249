// Which findings concern an identity, and how loudly to mark them.
import type { Finding, IdentityView } from "../protocol/model.js";

export function findingsFor(id: IdentityView, all: Finding[]): Finding[] {
  return all.filter(
    (f) =>
      f.subject === id.keyFile ||
      (id.service != null && f.subject === id.service) ||
      (f.subject === null && id.findings.includes(f.id)),
  );
}

/** Findings that need attention (errors and warnings), for the `!N` marker. */
export function attention(fs: Finding[]): { count: number; severity: "error" | "warning" | null } {
  const loud = fs.filter((f) => f.severity !== "info");
  return {
    count: loud.length,
    severity: loud.some((f) => f.severity === "error") ? "error" : loud.length ? "warning" : null,
  };
}
