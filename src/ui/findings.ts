// Which findings concern an identity, and how loudly to mark them.
import type { Finding, IdentityView } from "../protocol/model.js";
import { identityFindings } from "../presentation/identity-findings.js";

/** One rule with the fleet summary: src/presentation/identity-findings.ts. */
export const findingsFor: (id: IdentityView, all: Finding[]) => Finding[] = identityFindings;

/** Findings that need attention (errors and warnings), for the `!N` marker. */
export function attention(fs: Finding[]): { count: number; severity: "error" | "warning" | null } {
  const loud = fs.filter((f) => f.severity !== "info");
  return {
    count: loud.length,
    severity: loud.some((f) => f.severity === "error") ? "error" : loud.length ? "warning" : null,
  };
}
