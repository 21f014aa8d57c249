// A frame renders only the rows that changed: Line is memoised, and the theme the console
// provides is the same object on every render (a new one each frame made every row below the
// context render again — 45 rows of a 120x40 frame for a key press that changes 3).
import { describe, it, expect, afterEach, vi } from "vitest";
import React from "react";
import { render, cleanup } from "ink-testing-library";
import { Box } from "ink";
import { Line } from "../../src/ui/components/Line.js";
import { ThemeContext, createTheme } from "../../src/ui/theme.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function Rows({ noColor, changed }: { noColor: boolean; changed: string }): React.JSX.Element {
  // as the App does on each of its renders
  return (
    <ThemeContext.Provider value={createTheme(noColor)}>
      <Box flexDirection="column">
        <Line segs={[{ text: "same row", tone: "ok" }]} width={20} />
        <Line segs={[{ text: changed, tone: "warn" }]} width={20} />
      </Box>
    </ThemeContext.Provider>
  );
}

describe("rows drawn again", () => {
  it("the console's theme is one object per choice", () => {
    expect(createTheme(false)).toBe(createTheme(false));
    expect(createTheme(true)).toBe(createTheme(true));
  });

  it("a render of the console draws again only the rows whose text changed", () => {
    // each Line asks the theme for its colours when it renders
    const color = vi.spyOn(createTheme(false), "color");
    const inst = render(<Rows noColor={false} changed="row 0" />);
    expect(color.mock.calls.map((c) => c[0])).toEqual(["ok", "warn"]);
    for (let i = 1; i <= 5; i++) inst.rerender(<Rows noColor={false} changed={`row ${i}`} />);
    expect(color.mock.calls.filter((c) => c[0] === "ok")).toHaveLength(1); // the unchanged row: never again
    expect(color.mock.calls.filter((c) => c[0] === "warn")).toHaveLength(6);
    expect(inst.lastFrame()).toContain("row 5");
  });
});
