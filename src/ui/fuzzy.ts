// Fuzzy matching for the command palette: the typed letters must appear in order; tighter
// and earlier matches rank first.

/** Score of `query` in `text` (lower is better), or null when it does not match. */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.toLowerCase().replace(/\s+/g, "");
  const t = text.toLowerCase();
  if (!q) return 0;
  let score = 0;
  let pos = -1;
  for (const ch of q) {
    const i = t.indexOf(ch, pos + 1);
    if (i === -1) return null;
    score += pos === -1 ? i : i - pos - 1;
    pos = i;
  }
  return score;
}

export function fuzzyFilter<T>(query: string, items: T[], text: (t: T) => string): T[] {
  return items
    .map((item, i) => ({ item, i, s: fuzzyScore(query, text(item)) }))
    .filter((x): x is { item: T; i: number; s: number } => x.s !== null)
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .map((x) => x.item);
}
