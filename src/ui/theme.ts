// Colours by meaning, and whether to use them. With NO_COLOR every colour is dropped; the
// console stays readable because states carry a symbol and a word, and the selected row a
// `›` marker and inverse video (attributes, not colours).
import { createContext, useContext } from "react";

import type { Tone } from "../presentation/labels.js";
export type { Tone };

export interface Theme {
  noColor: boolean;
  color(tone: Tone): string | undefined;
}

const PALETTE: Record<Tone, string | undefined> = {
  ok: "green",
  warn: "yellow",
  err: "red",
  info: "cyan",
  accent: "magenta",
  muted: "gray",
  plain: undefined,
};

const THEMES: Record<"color" | "noColor", Theme> = {
  color: { noColor: false, color: (tone) => PALETTE[tone] },
  noColor: { noColor: true, color: () => undefined },
};

/**
 * The theme: one object per choice, the same on every render. A new object each frame (the App
 * renders one per frame) made every Line below the context render again, memoised or not.
 */
export function createTheme(noColor: boolean): Theme {
  return noColor ? THEMES.noColor : THEMES.color;
}

/** NO_COLOR (https://no-color.org): set and not empty disables colour. */
export function noColorFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "";
}

export const ThemeContext = createContext<Theme>(createTheme(false));
export const useTheme = (): Theme => useContext(ThemeContext);
