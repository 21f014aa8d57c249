// A row is one Ink <Text> carrying its segments already styled (src/ui/components/Line.tsx), where
// it was a <Text> per segment: the codes must be the ones Ink's own <Text color bold dimColor
// underline inverse> gives, so every frame is the same as before, colours on or off.
import { describe, it, expect } from "vitest";
import React from "react";
import { Text, renderToString } from "ink";
// Ink's chalk (a dependency of Ink's): its level decides whether Ink styles anything
import chalk from "chalk";
import { fitSegments, lineText, mergeSegments, styledText, type Segment } from "../../src/ui/components/Line.js";
import { createTheme } from "../../src/ui/theme.js";

const theme = createTheme(false);

/** The row as Line drew it before: one nested <Text> per segment, fitted and merged the same way. */
function nested(segs: Segment[]): React.JSX.Element {
  return (
    <Text wrap="truncate-end">
      {segs.map((s, i) => (
        <Text key={i} color={s.tone ? theme.color(s.tone) : undefined} bold={s.bold} inverse={s.inverse} dimColor={s.dim} underline={s.underline}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

/** Runs `fn` with Ink's chalk at colour level `level` (the terminal's level is what it is where the tests run). */
function withLevel<T>(level: 0 | 1 | 3, fn: () => T): T {
  const was = chalk.level;
  chalk.level = level;
  try {
    return fn();
  } finally {
    chalk.level = was;
  }
}

const ROWS: Segment[][] = [
  [{ text: "plain" }],
  [{ text: "› ", bold: true }, { text: "post01", bold: true }, { text: " " }, { text: "● running", tone: "ok" }, { text: "  !2", tone: "err", bold: true }],
  [{ text: "muted", tone: "muted", dim: true }, { text: " both", bold: true, dim: true }, { text: "under", underline: true, tone: "info" }],
  [{ text: "inv", inverse: true, tone: "warn", bold: true }, { text: "", tone: "ok" }, { text: "acc", tone: "accent", inverse: true }],
  [{ text: "wide 🚀 and ─── rules", tone: "accent" }, { text: " ✔ yes", tone: "ok" }],
  [{ text: "a long cell that the width will cut somewhere in the middle of it", tone: "info", bold: true }],
];

describe("a row's styled text", () => {
  it("each segment carries the codes Ink's <Text> wraps it in (chalk's, in Ink's order)", () => {
    withLevel(1, () => {
      for (const row of ROWS)
        for (const s of row) {
          const color = s.tone ? theme.color(s.tone) : undefined;
          let want = s.text;
          if (s.dim) want = chalk.dim(want);
          if (color) want = (chalk as unknown as Record<string, (t: string) => string>)[color]!(want);
          if (s.bold) want = chalk.bold(want);
          if (s.underline) want = chalk.underline(want);
          if (s.inverse) want = chalk.inverse(want);
          expect(styledText(s, color)).toBe(want);
        }
      // a close code inside re-opens the style; a line break closes and re-opens it (as chalk does)
      expect(styledText({ text: "a\x1b[22mb\r\nc", bold: true }, undefined)).toBe(chalk.bold("a\x1b[22mb\r\nc"));
    });
  });

  it("draws the same frame as a <Text> per segment, colours on and off, inverse or not, cut or padded", () => {
    for (const level of [0, 1, 3] as const)
      withLevel(level, () => {
        for (const row of ROWS)
          for (const width of [8, 90])
            for (const inverse of [false, true]) {
              const flat = renderToString(<Text wrap="truncate-end">{lineText(row, width, inverse, theme, level > 0)}</Text>, { columns: 100 });
              // what LineView rendered before: the same fitting, one <Text> per segment
              const before = renderToString(nested(fittedAsBefore(row, width, inverse)), { columns: 100 });
              expect(flat).toBe(before);
              if (row === ROWS[1] && width === 90) expect(flat.includes("\x1b[32m")).toBe(level > 0); // the test compares styled frames, not plain ones
            }
      });
  });

  it("with colours off a row is its plain text", () => {
    expect(lineText([{ text: "a", tone: "ok", bold: true }, { text: "b", inverse: true }], 10, false, theme, false)).toBe("ab");
  });
});

// The old LineView's steps (fitSegments, the empty row, inverse on every segment, mergeSegments), from Line.tsx's exports.
function fittedAsBefore(segs: Segment[], width: number, inverse: boolean): Segment[] {
  let fitted = fitSegments(segs, width, inverse);
  if (fitted.every((s) => s.text === "")) fitted = [{ text: " " }];
  if (inverse) fitted = fitted.map((s) => ({ ...s, inverse: true }));
  return mergeSegments(fitted);
}
