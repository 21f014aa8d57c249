// The findings of an identity: one rule for the console (details, the `!N` marker) and the fleet
// summary (`postdeck fleet`, the Fleet view's "with errors"). A finding concerns an identity when
// its subject is the identity's key file or its post-service, or when the daemon lists its id in
// the identity's `findings` — unless a finding of that id is about this identity by subject: ids
// are per kind, not per finding (every identity's `proof-predicted-miss`, `pos-initialising`), so
// the listed id means that one, not its namesakes about the other identities. Pure.
//
// The console asks this for every row of its table on every frame (the `!N` column and its width):
// with 64 identities and a finding or two each, filtering the whole list per row was ~0.5 ms per
// pass. The list is indexed once (by subject, by id, by position) and the index kept while the
// list itself is (the console's snapshot replaces the array when the findings change).
import type { Finding, IdentityView } from "../protocol/model.js";

interface FindingsIndex {
  bySubject: Map<string, Finding[]>;
  byId: Map<string, Finding[]>;
  position: Map<Finding, number>;
}

const indexes = new WeakMap<readonly Finding[], FindingsIndex>();

function indexOf(all: readonly Finding[]): FindingsIndex {
  const kept = indexes.get(all);
  if (kept) return kept;
  const made: FindingsIndex = { bySubject: new Map(), byId: new Map(), position: new Map() };
  all.forEach((f, i) => {
    made.position.set(f, i);
    if (f.subject !== null) made.bySubject.set(f.subject, [...(made.bySubject.get(f.subject) ?? []), f]);
    made.byId.set(f.id, [...(made.byId.get(f.id) ?? []), f]);
  });
  indexes.set(all, made);
  return made;
}

export function identityFindings(id: Pick<IdentityView, "keyFile" | "service" | "findings">, all: readonly Finding[]): Finding[] {
  const ix = indexOf(all);
  const about = [...(ix.bySubject.get(id.keyFile) ?? []), ...(id.service != null && id.service !== id.keyFile ? (ix.bySubject.get(id.service) ?? []) : [])];
  const out = new Set(about);
  const bySubject = new Set(about.map((f) => f.id));
  for (const listed of id.findings) if (!bySubject.has(listed)) for (const f of ix.byId.get(listed) ?? []) out.add(f);
  // in the list's order, as a filter of it would give
  return [...out].sort((a, b) => ix.position.get(a)! - ix.position.get(b)!);
}
