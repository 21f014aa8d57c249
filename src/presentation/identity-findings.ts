// The findings of an identity: one rule for the console (details, the `!N` marker) and the fleet
// summary (`postdeck fleet`, the Fleet view's "with errors"). A finding concerns an identity when
// the daemon lists its id in the identity's `findings`, or when its subject is the identity's key
// file or its post-service. Pure.
import type { Finding, IdentityView } from "../protocol/model.js";

export function identityFindings(id: Pick<IdentityView, "keyFile" | "service" | "findings">, all: readonly Finding[]): Finding[] {
  return all.filter((f) => id.findings.includes(f.id) || (f.subject !== null && (f.subject === id.keyFile || (id.service != null && f.subject === id.service))));
}
