// Pure helpers of the console: table column layout, text fitting, labels, fuzzy matching,
// layout decisions.
import { describe, it, expect } from "vitest";
import { layoutColumns, type Column } from "../../src/ui/components/Table.js";
import { fitSegments } from "../../src/ui/components/Line.js";
import stringWidth from "string-width";
import { chunk, displayWidth, fit, sanitize, truncate, truncateStart, widthWithin } from "../../src/ui/text-fit.js";
import { confirmationText, operatorLabel, provingNote } from "../../src/ui/service-labels.js";
import { fuzzyFilter } from "../../src/ui/fuzzy.js";
import { computeLayout } from "../../src/ui/layout.js";
import { resolveKey, BINDINGS } from "../../src/ui/keymap.js";
import { displayText } from "../../src/ui/log-format.js";
import { loadFixture } from "./fixtures.js";

const col = (id: string, min: number, priority: number, max?: number): Column<unknown> => ({
  id, header: id, min, max, priority, cell: () => ({ text: "" }),
});

describe("Table.layoutColumns", () => {
  it("drops the least important columns first and never exceeds the width", () => {
    const cols = [col("name", 6, 0, 12), col("state", 9, 0, 13), col("pid", 7, 3), col("op", 11, 0, 18), col("why", 10, 6, 60)];
    const at80 = layoutColumns(cols, 80);
    expect(at80.map((c) => c.col.id)).toEqual(["name", "state", "pid", "op", "why"]);
    const at50 = layoutColumns(cols, 50);
    expect(at50.map((c) => c.col.id)).toEqual(["name", "state", "op"]);
    expect(at50.find((c) => c.col.id === "op")!.width).toBe(18); // essential column at full width
    for (const w of [20, 30, 50, 80, 200]) {
      const l = layoutColumns(cols, w);
      expect(1 + l.reduce((n, c) => n + c.width, 0) + l.length - 1).toBeLessThanOrEqual(w);
    }
  });
});

describe("text fitting", () => {
  it("sanitises escapes and control characters", () => {
    expect(sanitize("a\x1b[31mred\x1b[0m\x00\x07b\tc\nd")).toBe("ared··b  c ⏎ d");
    expect(sanitize("\x1b]0;title\x07ok")).toBe("ok");
  });
  it("truncates with an ellipsis by display width, also for wide characters", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(displayWidth("中文ab")).toBe(6);
    expect(displayWidth(fit("中文中文中文", 7))).toBeLessThanOrEqual(7);
    expect(truncateStart("/mnt/pos/post1", 8)).toBe("…s/post1");
    const segs = fitSegments([{ text: "hello " }, { text: "world, this is long" }], 12);
    expect(segs.map((s) => s.text).join("")).toBe("hello world…");
  });
  it("measures emoji as the terminal (and Ink) do: 🚀 and 👍🏽 are 2 cells, a combining accent 0", () => {
    expect(displayWidth("🚀")).toBe(2);
    expect(displayWidth("👍🏽")).toBe(2);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("👩‍👩‍👧 ok")).toBe(5);
    // a cluster is never cut in half: the skin tone stays with its thumb
    expect(truncate("ab👍🏽cd", 5)).toBe("ab👍🏽…");
    expect(truncate("ab👍🏽cd", 4)).toBe("ab…");
    expect(truncateStart("ab👍🏽cd", 4)).toBe("…cd");
    expect(fit("🚀x", 4)).toBe("🚀x ");
    expect(chunk("🚀🚀🚀", 4)).toEqual(["🚀🚀", "🚀"]);
  });
  it("measures a long line only as far as its row, with the same widths and cuts as string-width", () => {
    // a hardware row naming 64 paths (2,000 cells): cut at the row, not measured whole each frame
    const paths = " ← " + Array.from({ length: 64 }, (_, i) => `/srv/pos/post${i}/ü`).join(", ");
    for (const text of [paths, "日本語テキスト".repeat(60), "👍🏽🚀x".repeat(100), "e\u0301".repeat(300), "\u200d".repeat(300), "x".repeat(300) + "é"]) {
      expect(displayWidth(text)).toBe(stringWidth(text));
      for (const w of [1, 2, 5, 59, 60, 61, 2000]) {
        const within = widthWithin(text, w);
        expect(within <= w ? within === stringWidth(text) : stringWidth(text) > w).toBe(true);
        const cut = truncate(text, w);
        expect(stringWidth(cut)).toBeLessThanOrEqual(w);
        expect(cut === text).toBe(stringWidth(text) <= w);
        expect(stringWidth(truncateStart(text, w))).toBeLessThanOrEqual(w);
      }
    }
    expect(truncate(paths, 8)).toBe(" ← /srv…");
    expect(widthWithin(paths, 10)).toBe(11); // stops one cell past the limit
    // escape sequences are not measured cluster by cluster (string-width strips them)
    const red = "\x1b[31mred\x1b[0m ü".repeat(30);
    expect(widthWithin(red, 10)).toBe(stringWidth(red));
    const segs = fitSegments([{ text: "host " }, { text: paths }], 20);
    expect(segs.map((s) => s.text).join("")).toBe("host  ← /srv/pos/po…");
  });
});

describe("labels and confirmation", () => {
  it("reads operator states as the issue says", () => {
    expect(operatorLabel({ kind: "idle" }).text).toBe("Idle");
    expect(operatorLabel({ kind: "proving", nonces: { start: 128, end: 256 }, position: 5, pass: 2, percent: 37 }).text).toBe("Proving pass 2 37%");
    expect(operatorLabel({ kind: "done" }).text).toBe("DoneProving");
    expect(operatorLabel({ kind: "unreachable", error: "x" }).text).toBe("unreachable");
  });
  it("asks before stopping or restarting a proving service, not before starting", () => {
    const { snapshot } = loadFixture();
    const post1 = snapshot.services[0]!;
    const note = provingNote(post1, snapshot.identities)!;
    expect(confirmationText("start", [note])).toBeNull();
    expect(confirmationText("stop", [note])).toBe(
      "post1 is proving (pass 1, 37%): stopping it loses this pass; the node will wait for it to reconnect and it starts over.",
    );
    expect(confirmationText("restart", [note])).toContain("restarting it loses this pass");
    expect(provingNote(snapshot.services[1]!, snapshot.identities)).toBeNull();
  });
});

describe("palette, keys, layout, log text", () => {
  it("fuzzy filter keeps letters in order and ranks tight matches first", () => {
    const items = ["restart post2", "start all services", "stop selected service", "restart post1"];
    expect(fuzzyFilter("rst post2", items, (x) => x)[0]).toBe("restart post2");
    expect(fuzzyFilter("zzz", items, (x) => x)).toEqual([]);
  });
  it("every key resolves to one action per pane; keys shown in help exist", () => {
    expect(resolveKey("/", "identities")).toBe("filter");
    expect(resolveKey("o", "identities")).toBe("sort");
    expect(resolveKey("z", "logs")).toBe("zoom");
    expect(resolveKey("/", "logs")).toBe("search");
    expect(resolveKey("s", "hardware")).toBeNull();
    expect(resolveKey("S", "hardware")).toBe("start-all");
    expect(resolveKey("shift+tab", "logs")).toBe("focus-prev");
    for (const b of BINDINGS) expect(b.label.length).toBeGreaterThan(0);
  });
  it("computes a single-pane layout below 80x24 and fills the body exactly otherwise", () => {
    const needs = { fleet: 4, hardware: 5 };
    expect(computeLayout(79, 40, needs, "logs").mode).toBe("single");
    expect(computeLayout(120, 23, needs, "logs").mode).toBe("single");
    for (const [c, r] of [[80, 24], [120, 40], [200, 60], [250, 70]] as const) {
      const l = computeLayout(c, r, needs, "logs");
      expect(l.mode).toBe("full");
      for (const column of l.columns) if (column.panes.length) expect(column.panes.reduce((n, p) => n + p.height, 0)).toBe(l.bodyHeight);
      expect(l.columns.reduce((n, x) => n + x.width, 0)).toBe(c);
    }
  });
  it("at 80x24 the identities table shows 12 of 16 rows and more of 64; z gives one pane the whole body", () => {
    const at80 = (n: number) => computeLayout(80, 24, { fleet: n, hardware: 5 }, "identities").columns[0]!.panes.find((p) => p.id === "identities")!.height - 2;
    expect(at80(16)).toBeGreaterThanOrEqual(12);
    expect(at80(64)).toBeGreaterThanOrEqual(12);
    const z = computeLayout(80, 24, { fleet: 16, hardware: 5 }, "logs", true);
    expect(z.mode).toBe("zoom");
    expect(z.columns).toEqual([{ width: 80, panes: [{ id: "logs", height: z.bodyHeight }] }]);
    const wide = computeLayout(200, 60, { fleet: 16, hardware: 5 }, "identities");
    expect(wide.columns.map((c) => c.panes.map((p) => p.id))).toEqual([["identities", "hardware"], [], ["logs"]]);
  });
  it("shortens known log prefixes to the time", () => {
    const at = 0;
    expect(displayText({ source: "p", seq: 1, at, level: "INFO", text: "[2024-03-18T17:29:43Z INFO  post_service::client] obtained metadata" })).toBe(
      "17:29:43 obtained metadata",
    );
    expect(
      displayText({ source: "node", seq: 1, at, level: "INFO", text: '2024-10-22T10:00:00.000+0000\tINFO\tnode.atxBuilder\tregistered signing key\t{"id": "a1b2c3"}' }),
    ).toBe('10:00:00 atxBuilder: registered signing key  {"id": "a1b2c3"}');
    expect(displayText({ source: "node", seq: 2, at, level: "INFO", text: "2026-11-26T10:31:47.734Z INFO node.atxBuilder atx published" })).toBe(
      "10:31:47 atxBuilder: atx published",
    );
  });
});
