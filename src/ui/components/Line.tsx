// One terminal row of exactly `width` cells built from styled segments. Everything the
// console draws is a Line, so no row can wrap or overflow.
import React from "react";
import { Text } from "ink";
import { useTheme, type Tone } from "../theme.js";
import { truncate, widthWithin } from "../text-fit.js";

export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
  dim?: boolean;
  underline?: boolean;
}

/** Cut the segments to `width` cells (`…` where cut); `pad` fills the rest with spaces. */
export function fitSegments(segs: Segment[], width: number, pad = true): Segment[] {
  const out: Segment[] = [];
  let used = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const w = widthWithin(s.text, width - used);
    if (used + w <= width) {
      // Leave room for the ellipsis if later segments will not fit.
      out.push(s);
      used += w;
      continue;
    }
    out.push({ ...s, text: truncate(s.text, width - used) });
    used = width;
    break;
  }
  if (pad && used < width) out.push({ text: " ".repeat(width - used) });
  if (!pad) {
    const last = out[out.length - 1];
    if (last && !last.inverse && !last.underline) out[out.length - 1] = { ...last, text: last.text.trimEnd() };
  }
  return out;
}

const sameStyle = (a: Segment, b: Segment): boolean =>
  a.tone === b.tone && !a.bold === !b.bold && !a.inverse === !b.inverse && !a.dim === !b.dim && !a.underline === !b.underline;

/** Neighbours with the same style as one segment: fewer nodes and escape codes for Ink to draw each frame. */
export function mergeSegments(segs: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && sameStyle(last, s)) out[out.length - 1] = { ...last, text: last.text + s.text };
    else out.push(s);
  }
  return out;
}

interface LineProps {
  segs: Segment[];
  width: number;
  inverse?: boolean;
}

function LineView({ segs, width, inverse }: LineProps): React.JSX.Element {
  const theme = useTheme();
  // Only an inverse row needs its padding drawn; elsewhere Ink clears the rest of the row,
  // and every cell not sent saves work on each frame.
  let fitted = fitSegments(segs, width, inverse === true);
  if (fitted.every((s) => s.text === "")) fitted = [{ text: " " }]; // an empty Text would take no row
  // Inverse goes on every segment: Ink resets all attributes after each styled segment, so
  // an inverse set on the outer Text would stop at the first one.
  if (inverse) fitted = fitted.map((s) => ({ ...s, inverse: true }));
  fitted = mergeSegments(fitted);
  return (
    <Text wrap="truncate-end">
      {fitted.map((s, i) => (
        <Text
          key={i}
          color={s.tone ? theme.color(s.tone) : undefined}
          bold={s.bold}
          inverse={s.inverse}
          dimColor={s.dim}
          underline={s.underline}
        >
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

const sameSegments = (a: Segment[], b: Segment[]): boolean => a.length === b.length && a.every((s, i) => s.text === b[i]!.text && sameStyle(s, b[i]!));

/** A row that shows what it showed last frame is not rendered again (React skips it, Ink keeps its node). */
export const Line = React.memo(LineView, (a, b) => a.width === b.width && a.inverse === b.inverse && sameSegments(a.segs, b.segs));
