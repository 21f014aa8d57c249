// The findings of an identity: one rule for the console (details, the `!N` marker) and the fleet
// summary (`postdeck fleet`, the Fleet view's "with errors"). A finding concerns an identity when
// its subject is the identity's key file or its post-service, or when the daemon lists its id in
// the identity's `findings` — unless a finding of that id is about this identity by subject: ids
// are per kind, not per finding (every identity's `proof-predicted-miss`, `pos-initialising`), so
// the listed id means that one, not its namesakes about the other identities. Pure.
import type { Finding, IdentityView } from "../protocol/model.js";

export function identityFindings(id: Pick<IdentityView, "keyFile" | "service" | "findings">, all: readonly Finding[]): Finding[] {
  const about = (f: Finding) => f.subject !== null && (f.subject === id.keyFile || (id.service != null && f.subject === id.service));
  const bySubject = new Set(all.filter(about).map((f) => f.id));
  return all.filter((f) => about(f) || (id.findings.includes(f.id) && !bySubject.has(f.id)));
}
