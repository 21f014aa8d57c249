// Ink 6.8's Output (ink/build/output.js, MIT, Vadim Demedes), which turns the writes of one frame
// into the frame's text, with each row's text kept from frame to frame. scripts/bundle.js points
// Ink's renderer here. Ink builds a grid of width × height cells anew on every frame and turns every
// row into text again (the largest item of a frame once widths and tokens were cached); here a row
// whose writes (after clipping and transformers) are those of a row drawn lately gives back that
// row's text, and only the other rows are built, cell by cell, exactly as Ink does. The empty cell
// is one shared object (Ink never changes a cell: it replaces it).
import sliceAnsi from "slice-ansi";
import stringWidth from "./cached-string-width.js";
import { styledCharsFromTokens, styledCharsToString, tokenize, type StyledChar } from "./cached-ansi-tokenize.js";

type Transformer = (s: string, index: number) => string;
interface Clip {
  x1?: number;
  x2?: number;
  y1?: number;
  y2?: number;
}
type Operation = { type: "write"; x: number; y: number; text: string; transformers: Transformer[] } | { type: "clip"; clip: Clip } | { type: "unclip" };

const BLANK: StyledChar = Object.freeze({ type: "char", value: " ", fullWidth: false, styles: Object.freeze([]) as unknown as StyledChar["styles"] });

// The rows drawn lately: the key is the row's width and its writes (x and line), the value its text.
const ROWS_MAX = 512;
const rowText = new Map<string, string>();

class OutputCaches {
  widths = new Map<string, number>();
  blockWidths = new Map<string, number>();
  getStyledChars(line: string): StyledChar[] {
    return styledCharsFromTokens(tokenize(line)); // kept across frames there
  }
  getStringWidth(text: string): number {
    let cached = this.widths.get(text);
    if (cached === undefined) {
      cached = stringWidth(text);
      this.widths.set(text, cached);
    }
    return cached;
  }
  getWidestLine(text: string): number {
    let cached = this.blockWidths.get(text);
    if (cached === undefined) {
      let lineWidth = 0;
      for (const line of text.split("\n")) lineWidth = Math.max(lineWidth, this.getStringWidth(line));
      cached = lineWidth;
      this.blockWidths.set(text, cached);
    }
    return cached;
  }
}

export default class Output {
  width: number;
  height: number;
  operations: Operation[] = [];
  caches = new OutputCaches();

  constructor(options: { width: number; height: number }) {
    this.width = options.width;
    this.height = options.height;
  }

  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void {
    if (!text) return;
    this.operations.push({ type: "write", x, y, text, transformers: options.transformers });
  }

  clip(clip: Clip): void {
    this.operations.push({ type: "clip", clip });
  }

  unclip(): void {
    this.operations.push({ type: "unclip" });
  }

  get(): { output: string; height: number } {
    // 1. Each row's writes, as Ink places them: clipped, transformed, from its row on.
    const rows: { x: number; line: string }[][] = [];
    for (let y = 0; y < this.height; y++) rows.push([]);
    const clips: Clip[] = [];
    for (const operation of this.operations) {
      if (operation.type === "clip") clips.push(operation.clip);
      if (operation.type === "unclip") clips.pop();
      if (operation.type !== "write") continue;
      const { text, transformers } = operation;
      let { x, y } = operation;
      let lines = text.split("\n");
      const clip = clips.at(-1);
      if (clip) {
        const clipHorizontally = typeof clip.x1 === "number" && typeof clip.x2 === "number";
        const clipVertically = typeof clip.y1 === "number" && typeof clip.y2 === "number";
        // text entirely outside the clip is skipped
        if (clipHorizontally) {
          const width = this.caches.getWidestLine(text);
          if (x + width < clip.x1! || x > clip.x2!) continue;
        }
        if (clipVertically) {
          const height = lines.length;
          if (y + height < clip.y1! || y > clip.y2!) continue;
        }
        if (clipHorizontally) {
          lines = lines.map((line) => {
            const from = x < clip.x1! ? clip.x1! - x : 0;
            const width = this.caches.getStringWidth(line);
            const to = x + width > clip.x2! ? clip.x2! - x : width;
            return sliceAnsi(line, from, to);
          });
          if (x < clip.x1!) x = clip.x1!;
        }
        if (clipVertically) {
          const from = y < clip.y1! ? clip.y1! - y : 0;
          const height = lines.length;
          const to = y + height > clip.y2! ? clip.y2! - y : height;
          lines = lines.slice(from, to);
          if (y < clip.y1!) y = clip.y1!;
        }
      }
      // Ink moves to the next row only after a row that exists: past the last row (or above the
      // first) the remaining lines are dropped
      let offsetY = 0;
      for (let [index, line] of lines.entries()) {
        const row = rows[y + offsetY];
        if (!row) continue;
        for (const transformer of transformers) line = transformer(line, index);
        row.push({ x, line });
        offsetY++;
      }
    }
    // 2. Each row's text: kept from a frame that drew the same writes, or built as Ink builds it.
    const out: string[] = [];
    for (const writes of rows) {
      let key = String(this.width);
      for (const w of writes) key += `\u0000${w.x}\u0000${w.line}`;
      let text = rowText.get(key);
      if (text !== undefined) {
        rowText.delete(key); // re-inserted last: the least recently drawn row goes first
        rowText.set(key, text);
      } else {
        text = this.rowText(writes);
        if (rowText.size >= ROWS_MAX) rowText.delete(rowText.keys().next().value!);
        rowText.set(key, text);
      }
      out.push(text);
    }
    return { output: out.join("\n"), height: out.length };
  }

  /** One row's text from its writes, as Ink's Output.get builds it. */
  private rowText(writes: { x: number; line: string }[]): string {
    const currentLine: (StyledChar | undefined)[] = new Array<StyledChar>(Math.max(0, Math.ceil(this.width))).fill(BLANK);
    for (const { x, line } of writes) {
      const characters = this.caches.getStyledChars(line);
      let offsetX = x;
      for (const character of characters) {
        currentLine[offsetX] = character;
        // the printed width as string-width measures it; a wide character's other cells are cleared
        const characterWidth = Math.max(1, this.caches.getStringWidth(character.value));
        if (characterWidth > 1) {
          for (let index = 1; index < characterWidth; index++) currentLine[offsetX + index] = { type: "char", value: "", fullWidth: false, styles: character.styles };
        }
        offsetX += characterWidth;
      }
    }
    return styledCharsToString(currentLine.filter((item): item is StyledChar => item !== undefined)).trimEnd();
  }
}
