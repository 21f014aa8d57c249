// The identity dialogs' reducer (flows.ts) without rendering: which key sends what, and when
// nothing is sent. identity-flows.test.tsx drives the same dialogs by keys through the whole console.
import { describe, it, expect } from "vitest";
import { flowKey, flowReply, openImport, openRename, type Flow, type Send, type Step } from "../../src/ui/flows/flows.js";
import { flowView } from "../../src/ui/flows/flow-lines.js";
import type { ImportItemView } from "../../src/protocol/api.js";

const ctx = { demo: false, services: [{ name: "post1", dir: "/mnt/pos/post1" }], identities: [{ keyFile: "post1.key" }] };

/** The keys in turn, as the console hands them on (a name, and the text it typed); the steps taken. */
function keys(start: Step, ...presses: [name: string, input: string][]): Step[] {
  const steps = [start];
  for (const [name, input] of presses) steps.push(flowKey(steps.at(-1)!.flow!, name, input, ctx));
  return steps;
}
const type = (text: string): [string, string] => [text, text];
const enter: [string, string] = ["enter", "\r"];
const sent = (steps: Step[]): Send[] => steps.flatMap((s) => (s.send ? [s.send] : []));
/** The dialog's text as drawn at 100 columns. */
const shown = (f: Flow): string => flowView(f, ctx, 100).lines.map((l) => l.map((seg) => seg.text).join("")).join("\n");

const item = (dir: string, shortId: string): ImportItemView => ({
  sourceDir: dir,
  keyPath: `${dir}/identity.key`,
  ok: true,
  problem: null,
  nodeId: shortId + "0".repeat(58),
  shortId,
  keyName: `${dir.split("/").at(-1)}.key`,
  serviceName: dir.split("/").at(-1)!,
});

/** An import dialog past its dry run: the plan of `items` on screen. */
function atPlan(items: ImportItemView[], dirs: string): Flow {
  const s = keys(openImport(), type(dirs), enter).at(-1)!;
  expect(s.send).toEqual({ route: "identityImport", body: { dirs: dirs.split(" "), dryRun: true, confirm: [] } });
  const plan = flowReply(s.flow!, { route: "identityImport", body: { dirs: dirs.split(" "), dryRun: true, confirm: [] }, reply: { items, batch: null } });
  expect(plan.flow).toMatchObject({ kind: "import", step: "plan", busy: false });
  return plan.flow!;
}

describe("import dialog", () => {
  it("with two identities each short id is typed in turn (case does not matter); both go in confirm, sent once", () => {
    const items = [item("/data/old-a", "abc123"), item("/data/old-c", "def456")];
    const plan = atPlan(items, "/data/old-a /data/old-c");
    expect(shown(plan)).toContain("1/2 Type abc123");
    const steps = keys({ flow: plan }, type("abc123"), enter, type("DEF456"), enter);
    expect(steps[2]!.flow).toMatchObject({ typed: ["abc123"], error: null, busy: false });
    expect(shown(steps[2]!.flow!)).toContain("2/2 Type def456");
    expect(sent(steps)).toEqual([{ route: "identityImport", body: { dirs: ["/data/old-a", "/data/old-c"], dryRun: false, confirm: ["abc123", "def456"] } }]);
    const body = { dirs: ["/data/old-a", "/data/old-c"], dryRun: false, confirm: ["abc123", "def456"] };
    const done = flowReply(steps.at(-1)!.flow!, { route: "identityImport", body, reply: { items, batch: "import-2" } });
    expect(done.say?.text).toMatch(/^✔ imported 2 identities \(batch import-2\)/);
    expect(shown(done.flow!)).toContain("✔ imported 2 identities (batch import-2)");
  });

  it("a wrong short id imports nothing and asks for the same id again; Esc at the plan cancels", () => {
    const plan = atPlan([item("/data/old-a", "abc123")], "/data/old-a");
    const steps = keys({ flow: plan }, type("abc124"), enter);
    expect(sent(steps)).toEqual([]);
    expect(steps.at(-1)!.flow).toMatchObject({ typed: [], text: "", error: "'abc124' is not abc123: nothing was imported. Type abc123 again, or Esc to cancel" });
    const esc = keys({ flow: plan }, type("abc1"), ["esc", "\x1b"]);
    expect(sent(esc)).toEqual([]);
    expect(esc.at(-1)).toEqual({ flow: null, say: { text: "import cancelled: nothing was imported", tone: "muted" } });
  });

  it("Enter with no dirs typed says what to type and sends nothing", () => {
    const steps = keys(openImport(), enter);
    expect(sent(steps)).toEqual([]);
    expect(steps.at(-1)!.flow!.error).toMatch(/^type one or more PoS dirs/);
  });
});

describe("rename dialog", () => {
  it("sends the typed name; a name already taken is refused inline with nothing sent", () => {
    const edit = (...p: [string, string][]) => keys(openRename("post2.key"), ...Array<[string, string]>(5).fill(["backspace", ""]), ...p);
    const taken = edit(type("post1"), enter);
    expect(sent(taken)).toEqual([]);
    expect(taken.at(-1)!.flow!.error).toMatch(/post1/);
    expect(sent(edit(type("post9"), enter))).toEqual([{ route: "identityRename", body: { from: "post2.key", to: "post9" } }]);
  });

  it("a PROVING identity is asked about first: n sends nothing, y sends the rename", () => {
    const [, ask] = keys(openRename("post2.key", true), ["backspace", ""], type("9"), enter).slice(-2);
    expect(ask!.send).toBeUndefined();
    expect(ask!.flow).toMatchObject({ kind: "ask", title: "Rename post2.key" });
    expect(sent(keys(ask!, ["n", "n"]))).toEqual([]);
    expect(sent(keys(ask!, ["y", "y"]))).toEqual([{ route: "identityRename", body: { from: "post2.key", to: "post9" } }]);
  });
});
