// Ink's string-width and ansi-tokenize, cached across frames (src/ui/ink/), and the bundle's
// plugin that gives them to Ink: same results as the real packages, bounded, and only Ink's
// copy of each package is swapped; the tests' Ink has them too.
import { describe, it, expect } from "vitest";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import stringWidth from "string-width";
import * as real from "@alcalzone/ansi-tokenize";
import cachedStringWidth from "../../src/ui/ink/cached-string-width.js";
import { styledCharsFromTokens, styledCharsToString, tokenize } from "../../src/ui/ink/cached-ansi-tokenize.js";
import Output from "../../src/ui/ink/output.js";
import { SIMPLE_CHARS, simpleWidth } from "../../src/ui/ink/simple-text.js";
import { displayWidth, truncate } from "../../src/ui/text-fit.js";

const SAMPLES = [
  "",
  "plain ascii row",
  "🚀 launch",
  "👍🏽 ok",
  "日本語のテキスト",
  "e\u0301 combining",
  "zero\u200bwidth",
  "\x1b[1m\x1b[32m● running\x1b[39m\x1b[22m post1 \x1b[7m›\x1b[27m",
  "\x1b[2m◌ on demand\x1b[22m ─────",
];

describe("cached string-width", () => {
  it("gives string-width's widths, the first time and from the cache", () => {
    for (const s of SAMPLES) {
      expect(cachedStringWidth(s)).toBe(stringWidth(s));
      expect(cachedStringWidth(s)).toBe(stringWidth(s));
    }
  });

  it("passes options through (not cached under the plain width)", () => {
    const ambiguous = "±°";
    expect(cachedStringWidth(ambiguous)).toBe(stringWidth(ambiguous));
    expect(cachedStringWidth(ambiguous, { ambiguousIsNarrow: false })).toBe(stringWidth(ambiguous, { ambiguousIsNarrow: false }));
    expect(cachedStringWidth(ambiguous)).toBe(stringWidth(ambiguous));
  });
});

describe("simple text's width, character by character", () => {
  // every character the fast path takes (simple-text.ts's ranges)
  const simple: string[] = [];
  for (let c = 0x20; c < 0x2800; c++) if (SIMPLE_CHARS.test(String.fromCharCode(c))) simple.push(String.fromCharCode(c));

  it("each simple character is a grapheme cluster of its own, whatever its neighbours", () => {
    const clusters = (s: string) => {
      let n = 0;
      for (const _ of new Intl.Segmenter().segment(s)) n++;
      return n;
    };
    const all = simple.join("");
    expect(clusters(all)).toBe(simple.length);
    expect(clusters([...simple].reverse().join(""))).toBe(simple.length);
    // and each one next to others than its neighbours in code order (a sample of them before and after it)
    const sample = simple.filter((_, i) => i % 700 === 0).join("");
    expect(clusters(simple.map((c) => c + sample + c).join(""))).toBe(simple.length * (2 + sample.length));
  });

  it("gives string-width's width, with colour codes or without; other text is left to string-width", () => {
    for (const ch of simple) expect(simpleWidth(ch)).toBe(stringWidth(ch));
    const rows = [
      ...SAMPLES.filter((s) => simpleWidth(s) !== undefined),
      simple.join(""),
      "\x1b[1m\x1b[35mpostdeck\x1b[39m\x1b[22m rig \x1b[90m │ \x1b[39m\x1b[1mnode \x1b[22m\x1b[32m● synced\x1b[39m layer 71234 ─────",
      "\u00adsoft hyphen, ±°×÷, ‘quotes’ … ◷ ◌ ✔ ✖ ⏎ ⌚ ⏳ ☕ ♿ ⚡ ✅ ❌ ➰",
    ];
    for (const s of rows) {
      expect(simpleWidth(s)).toBe(stringWidth(s));
      expect(cachedStringWidth(s)).toBe(stringWidth(s));
      expect(displayWidth(s)).toBe(stringWidth(s));
    }
    for (const s of ["🚀 launch", "e\u0301", "zero\u200bwidth", "日本語", "a\x1b]8;;x\x07b", "⟳ task", "✔\ufe0f"]) expect(simpleWidth(s)).toBeUndefined();
  });

  it("cuts simple text where string-width's widths say", () => {
    const s = "⌚ ⏳ wide ☕ and ─── narrow ● ✔";
    for (let w = 1; w <= stringWidth(s); w++) {
      const t = truncate(s, w);
      expect(stringWidth(t)).toBeLessThanOrEqual(w);
      expect(stringWidth(t)).toBeGreaterThanOrEqual(w - 2); // a wide character may leave one cell, plus the `…`
    }
  });
});

describe("cached ansi-tokenize", () => {
  const draw = (s: string) => styledCharsToString(styledCharsFromTokens(tokenize(s)));
  const drawReal = (s: string) => real.styledCharsToString(real.styledCharsFromTokens(real.tokenize(s)));

  it("draws each line as the real tokenizer does, styles shared between neighbours or not", () => {
    for (const s of SAMPLES) {
      expect(draw(s)).toBe(drawReal(s));
      expect(draw(s)).toBe(drawReal(s));
      expect(styledCharsFromTokens(tokenize(s)).map((c) => [c.value, c.styles.map((x) => x.code)])).toEqual(
        real.styledCharsFromTokens(real.tokenize(s)).map((c) => [c.value, c.styles.map((x) => x.code)]),
      );
    }
  });

  it("gives a line drawn lately the same characters; forgets the least recently drawn when full", () => {
    const kept = "\x1b[1mkept row\x1b[22m";
    const first = styledCharsFromTokens(tokenize(kept));
    expect(styledCharsFromTokens(tokenize(kept))).toBe(first);
    const early = "\x1b[2mdropped row\x1b[22m";
    const dropped = styledCharsFromTokens(tokenize(early));
    for (let i = 0; i < 300; i++) {
      tokenize(`log line ${i}`);
      if (i % 50 === 0) tokenize(kept); // drawn every few frames: stays
    }
    expect(styledCharsFromTokens(tokenize(kept))).toBe(first);
    const again = styledCharsFromTokens(tokenize(early));
    expect(again).not.toBe(dropped);
    expect(styledCharsToString(again)).toBe(styledCharsToString(dropped));
  });

  it("tokenizes the console's lines (ASCII, symbols, SGR codes) as the package does; others by the package", () => {
    // what the console draws (characters, then SGR codes), then what it does not
    const simple = ["a", "Z", " ", "~", "é", "·", "…", "│", "─", "●", "◐", "✔", "✖", "↻", "█", "░", "⏎", "⌚", "▶", "›", "\x1b[1m", "\x1b[22m", "\x1b[32m", "\x1b[39m", "\x1b[7m", "\x1b[2m", "\x1b[38;5;202m", "\x1b[0m"];
    const alphabet = [...simple, "日", "🚀", "e\u0301", "\u200d", "\ufe0f", "🇩🇪", "\x1b]8;;https://x\x07", "\x07", "\x1b[K"];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let k = 0; k < 200; k++) {
      let s = `line ${k} `;
      for (let i = rnd(40); i > 0; i--) s += alphabet[rnd(k % 3 === 0 ? alphabet.length : simple.length)]!; // two lines in three: only what the console draws
      expect(tokenize(s), JSON.stringify(s)).toEqual(real.tokenize(s));
      expect(styledCharsFromTokens(tokenize(s))).toEqual(real.styledCharsFromTokens(real.tokenize(s)));
      expect(draw(s)).toBe(drawReal(s));
    }
  });

  it("passes endChar through", () => {
    expect(tokenize("abcdef", 3)).toEqual(real.tokenize("abcdef", 3));
  });
});

describe("the bundle's inkCaches plugin", () => {
  it("gives Ink (and its helpers) the cached modules; a dependency's own other version stays", async () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const { inkCaches } = (await import(pathToFileURL(path.join(root, "scripts/bundle.js")).href)) as { inkCaches: Plugin };
    const r = await build({
      absWorkingDir: root,
      // the two Ink modules that measure and tokenize (not the whole of Ink: React, Yoga, ...)
      stdin: { contents: 'import "./renderer.js"; import "./measure-text.js"; import "wrap-ansi";', resolveDir: path.join(root, "node_modules/ink/build") },
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      metafile: true,
      plugins: [inkCaches],
      logLevel: "silent",
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs).toContain("src/ui/ink/cached-string-width.ts");
    expect(inputs).toContain("src/ui/ink/cached-ansi-tokenize.ts");
    const importsOf = (file: string) => r.metafile.inputs[file]!.imports.map((i) => i.path);
    expect(importsOf("node_modules/ink/build/renderer.js")).toContain("src/ui/ink/output.ts");
    expect(inputs).not.toContain("node_modules/ink/build/output.js");
    expect(importsOf("node_modules/ink/build/measure-text.js")).toContain("node_modules/widest-line/index.js");
    expect(importsOf("node_modules/widest-line/index.js")).toContain("src/ui/ink/cached-string-width.ts");
    expect(importsOf("src/ui/ink/cached-string-width.ts")).toContain("node_modules/string-width/index.js");
    // wrap-ansi has string-width 7 of its own
    expect(importsOf("node_modules/wrap-ansi/index.js")).toContain("node_modules/wrap-ansi/node_modules/string-width/index.js");
  });
});

describe("the tests' Ink (vitest.config.ts)", () => {
  it("is the bundle's: Ink's renderer draws with src/ui/ink/output.ts, its helpers measure with the cached string-width, and ink-testing-library renders with the same Ink", async () => {
    await import("ink-testing-library"); // Ink with it, as the UI tests load them
    // what vitest's module runner evaluated in this worker (a module left to Node is not there), with each module's imports
    const worker = (globalThis as { __vitest_worker__?: { evaluatedModules?: { idToModuleMap: Map<string, { imports: Set<string> }> } } }).__vitest_worker__;
    const modules = worker?.evaluatedModules?.idToModuleMap;
    expect(modules, "vitest's worker state has no evaluatedModules: see how this vitest lists its modules").toBeDefined();
    const importsOf = (file: string): string[] => {
      for (const [id, m] of modules!) if (id.endsWith(file)) return [...m.imports].map((i) => i.replace(/^.*\/(node_modules|src)\//, "$1/"));
      return []; // not run by vitest's module runner (left to Node: its imports are Node's)
    };
    expect(importsOf("/node_modules/ink/build/renderer.js")).toContain("src/ui/ink/output.ts");
    expect(importsOf("/node_modules/widest-line/index.js")).toContain("src/ui/ink/cached-string-width.ts");
    expect(importsOf("/node_modules/cli-truncate/index.js")).toContain("src/ui/ink/cached-string-width.ts");
    expect(importsOf("/src/ui/ink/cached-string-width.ts")).toContain("node_modules/string-width/index.js");
    expect(importsOf("/node_modules/ink-testing-library/build/index.js")).toContain("node_modules/ink/build/index.js");
  });
});

describe("Output (rows' text kept across frames)", () => {
  type Op = ["write", number, number, string, ((s: string, i: number) => string)[]] | ["clip", { x1?: number; x2?: number; y1?: number; y2?: number }] | ["unclip"];
  interface OutputLike {
    write(x: number, y: number, text: string, o: { transformers: ((s: string, i: number) => string)[] }): void;
    clip(c: object): void;
    unclip(): void;
    get(): { output: string; height: number };
  }
  const play = (o: OutputLike, ops: Op[]) => {
    for (const op of ops) {
      if (op[0] === "write") o.write(op[1], op[2], op[3], { transformers: op[4] });
      else if (op[0] === "clip") o.clip(op[1]);
      else o.unclip();
    }
    return o.get();
  };

  it("gives Ink's frame for the same writes, frame after frame (clips, wide characters, rows past the edge, transformers)", async () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const { default: InkOutput } = (await import(pathToFileURL(path.join(root, "node_modules/ink/build/output.js")).href)) as { default: new (o: { width: number; height: number }) => OutputLike };
    const texts = ["plain row", "\x1b[32m● running\x1b[39m post1", "two\nlines", "日本語 wide", "🚀 x", "\x1b[7m›   selected \x1b[27m", "a\nb\nc\nd", "─".repeat(30), ""];
    const upper = (s: string) => s.toUpperCase();
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let frame = 0; frame < 60; frame++) {
      const ops: Op[] = [];
      for (let i = 0; i < 12; i++) {
        const r = rnd(10);
        if (r === 0) ops.push(["clip", rnd(2) ? { x1: rnd(5), x2: 10 + rnd(15), y1: rnd(3), y2: 3 + rnd(6) } : { y1: rnd(3), y2: 3 + rnd(6) }]);
        else if (r === 1) ops.push(["unclip"]);
        else ops.push(["write", rnd(30) - 2, rnd(10) - 1, texts[rnd(texts.length)]!, rnd(8) === 0 ? [upper] : []]);
      }
      const size = { width: 20 + rnd(3), height: 8 };
      const mine = play(new Output(size), ops);
      expect(mine, JSON.stringify(ops)).toEqual(play(new InkOutput(size), ops));
      expect(play(new Output(size), ops)).toEqual(mine); // drawn again: from the kept rows
    }
  });
});
