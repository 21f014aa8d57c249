// Which rig a typed name means: the Fleet view's `:rig NAME` prompt and a rig console's palette.

/** `rig NAME` or `NAME` typed after `:` (or a unique start, else a unique part, of a name): the rig, or why none. */
export function rigOfPrompt(text: string, names: string[]): { name: string } | { error: string } {
  const word = text.trim().replace(/^rig\s+/, "").trim();
  if (names.includes(word)) return { name: word };
  for (const like of [(n: string) => n.startsWith(word), (n: string) => n.includes(word)]) {
    const found = names.filter(like);
    if (word !== "" && found.length === 1) return { name: found[0]! };
  }
  return { error: `no rig ${JSON.stringify(word)}; the rigs: ${names.join(", ")}` };
}
