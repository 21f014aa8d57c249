// Small statistics and formatting helpers for the bench tables.
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}
export const median = (xs) => percentile(xs, 50);
export const max = (xs) => (xs.length ? Math.max(...xs) : NaN);

export const mb = (bytes) => (Number.isFinite(bytes) ? (bytes / (1 << 20)).toFixed(1) : "n/a");
export const fixed = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");

/** A markdown table from a header row and rows of cells. */
export function mdTable(header, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c)).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
