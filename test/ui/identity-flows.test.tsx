// The identity dialogs by keys against a fake daemon: what the operator types, what the daemon
// receives (exactly), and that nothing is sent when they back out. The dialogs' reducer alone
// (each short id of an import typed in turn, Esc at the plan, rename checks): flows.test.ts.
import { describe, it, expect, afterEach } from "vitest";
import { cleanup } from "ink-testing-library";
import { FakeClient } from "./fake-client.js";
import { loadFixture } from "./fixtures.js";
import { KEYS, renderApp } from "./render-app.js";
import { displayWidth } from "../../src/ui/text-fit.js";
import { waitFor } from "../helpers/wait-for.js";
import type { ImportItemView, RouteResponse } from "../../src/protocol/api.js";
import type { Snapshot } from "../../src/protocol/model.js";

afterEach(() => cleanup());

const waitUntil = (cond: () => boolean, what: string, client?: FakeClient) =>
  waitFor(cond, { what, timeoutMs: 10_000, intervalMs: 10, detail: () => `calls: ${JSON.stringify(client?.actionCalls() ?? [])}` });

async function setup(opts: { columns?: number; rows?: number; snapshot?: (s: Snapshot) => Snapshot } = {}) {
  const fx = loadFixture();
  const snapshot = opts.snapshot ? opts.snapshot(fx.snapshot) : fx.snapshot;
  const client = new FakeClient(snapshot);
  const app = renderApp(client, { now: fx.now, columns: opts.columns ?? 120, rows: opts.rows ?? 40 });
  await app.waitFor((f) => f.includes("post4 ") && f.includes("▶ Identities"), "console, identities focused");
  return { client, app, now: fx.now };
}

// A name or a path arrives in one read, as when typed fast or pasted (one frame, not one a character;
// keys one by one: "typing q or ? inside a field types it").
const typeText = (app: Awaited<ReturnType<typeof setup>>["app"], text: string) => app.press(text);

function expectFits(frame: string, columns: number, rows: number) {
  const lines = frame.split("\n");
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const l of lines) expect(displayWidth(l), `line too wide: ${l}`).toBeLessThanOrEqual(columns);
}

const PLAN: ImportItemView[] = [
  {
    sourceDir: "/data/old-a",
    keyPath: "/data/old-a/identity.key",
    ok: true,
    problem: null,
    nodeId: "abc123" + "0".repeat(58),
    shortId: "abc123",
    keyName: "old-a.key",
    serviceName: "old-a",
  },
  {
    sourceDir: "/data/old-b",
    keyPath: "/data/old-b/identity.key",
    ok: false,
    problem: "identity.key: trailing newline (the node refuses it)",
    nodeId: null,
    shortId: null,
    keyName: null,
    serviceName: null,
  },
];

describe("add identity wizard", () => {
  it("sends exactly the identityAdd body the form shows, then shows the task's progress and its done message", async () => {
    const { client, app } = await setup();
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity") && f.includes("0 GPU NVIDIA"), "wizard with postcli providers");
    await typeText(app, "post5");
    // the dir follows the name under the services' parent dir
    await app.waitFor((f) => f.includes("/srv/postdeck/post5"), "default dir");
    await app.press(KEYS.tab, KEYS.tab, KEYS.backspace, "2"); // units 4 -> 2
    await app.press(KEYS.tab, KEYS.right, KEYS.right); // provider: GPU 0 -> CPU 1 -> postcli's CPU provider
    await app.waitFor((f) => f.includes("4294967295 CPU"), "CPU provider chosen");
    await app.press(KEYS.tab, KEYS.enter); // commitment ATX left empty: the daemon asks the node
    await app.waitFor((f) => f.includes("Add identity: review") && f.includes("nothing against it"), "review");
    expect(client.bodies("identityAdd")).toEqual([]); // the review sends nothing
    await app.press(KEYS.enter);
    await waitUntil(() => client.bodies("identityAdd").length === 1, "identityAdd", client);
    expect(client.bodies("identityAdd")[0]).toEqual({
      name: "post5",
      dir: "/srv/postdeck/post5",
      units: 2,
      provider: 4294967295,
      commitmentAtxId: null,
      labelsPerUnit: 65536, // the demo rig's geometry (fixture daemon.demo = true)
      maxFileSize: 1048576,
    });
    await app.waitFor((f) => !f.includes("Add identity") && f.includes("postcli writes post5's PoS data"), "dialog closed, started");

    client.emitTask({ id: "add-post5", name: "post5", bytesDone: 8 * 2 ** 20, bytesTotal: 32 * 2 ** 20, rateBytesPerSec: 2 * 2 ** 20, etaSeconds: 12, message: "postcli writing" });
    await app.waitFor((f) => f.includes("⟳ add post5 25%"), "progress in the Identities title");
    await app.press(KEYS.esc); // clears the status line: the running task's progress shows there
    const f = await app.waitFor((f) => f.includes("8.0 MiB of 32.0 MiB"), "progress in the status line");
    expect(f).toMatch(/add post5: 25% · 8\.0 MiB of 32\.0 MiB · 2\.0 MiB\/s · ETA 12s/);
    expect(f).toContain("c cancel task"); // the footer offers cancel while a task runs

    client.emitTask({
      id: "add-post5",
      name: "post5",
      state: "done",
      bytesDone: 32 * 2 ** 20,
      bytesTotal: 32 * 2 ** 20,
      message: "identity abcdef placed as post5.key; restart the node so it loads the new key",
    });
    const done = await app.waitFor((f) => f.includes("placed as post5.key"), "done message");
    expect(done).toMatch(/✔ add post5 done: identity abcdef placed as post5.key; restart the node/);
    expect(done).not.toContain("⟳ add post5");
  });

  it("when postdeck supervises the node, a finished add offers the restart the new key needs (y restarts it)", async () => {
    const { client, app } = await setup({ snapshot: (s) => ({ ...s, node: { ...s.node, supervised: { state: "running", pid: 4100, restarts: 0 } } }) });
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity"));
    await typeText(app, "post5");
    await app.press(KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab, KEYS.enter);
    await app.waitFor((f) => f.includes("nothing against it"), "review");
    await app.press(KEYS.enter);
    await waitUntil(() => client.bodies("identityAdd").length === 1, "identityAdd", client);
    await app.waitFor((f) => !f.includes("Add identity"), "dialog closed");
    client.emitTask({ id: "add-post5", name: "post5", state: "done", message: "identity abcdef placed as post5.key; restart the node so it loads the new key" });
    await app.press("y"); // typed while the dialog pops up: never taken as its answer
    const f = await app.waitFor((f) => f.includes("restart it now (postdeck supervises it)?"), "offer");
    await new Promise((r) => setTimeout(r, 600)); // past the dialog's arming time
    expect(client.bodies("restart")).toEqual([]);
    expect(f).toContain("placed as post5.key");
    expect(client.bodies("restart")).toEqual([]);
    await app.press("y");
    await waitUntil(() => client.bodies("restart").length === 1, "restart", client);
    expect(client.bodies("restart")[0]).toEqual({ names: ["node"], all: false, force: false });
  });

  it("Esc at any point closes the wizard and sends nothing", async () => {
    const { client, app } = await setup();
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity"));
    await typeText(app, "post5");
    await app.press(KEYS.tab, KEYS.tab);
    await app.press(KEYS.esc);
    const f = await app.waitFor((f) => !f.includes("Add identity"), "closed");
    expect(f).toContain("add cancelled: nothing was sent");
    expect(client.actionCalls().map((c) => c.route)).toEqual(["providers"]); // only the read of the provider list
  });

  it("rejects bad units, an empty or unusable name and an existing name inline; nothing is sent", async () => {
    const { client, app } = await setup();
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity"));
    await typeText(app, "bad/name");
    await app.press(KEYS.tab);
    await app.waitFor((f) => f.includes("✖ use letters, digits"), "bad name");
    await app.press(KEYS.tab, KEYS.backspace);
    await typeText(app, "abc");
    await app.press(KEYS.tab);
    await app.waitFor((f) => f.includes("✖ expected a whole number ≥ 1, found '4abc'") || f.includes("✖ expected a whole number ≥ 1, found 'abc'"), "bad units");
    await app.press(KEYS.tab, KEYS.tab, KEYS.enter); // on the Start row
    await app.waitFor((f) => f.includes("fix the fields marked ✖ first"), "submit refused");
    // back to the name: an existing one is refused too
    await app.press(KEYS.shiftTab);
    for (let i = 0; i < 5; i++) await app.press(KEYS.up);
    for (let i = 0; i < 8; i++) await app.press(KEYS.backspace);
    await typeText(app, "post1");
    await app.waitFor((f) => f.includes("✖ identities/post1.key already exists"), "existing name");
    expect(client.bodies("identityAdd")).toEqual([]);
  });

  it("typing q or ? inside a field types it (no quit, no help); Ctrl-C still quits", async () => {
    const { app } = await setup();
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity"));
    await app.press("q", "?", "x");
    await app.waitFor((f) => /Name\s+\[q\?x█/.test(f), "q?x in the name field");
    expect(app.quits).toHaveLength(0);
    expect(app.frame()).not.toContain("Help: every key");
    await app.press(KEYS.ctrlC);
    await waitUntil(() => app.quits.length === 1, "quit on Ctrl-C");
  });

  it("Ctrl-U typed with other keys in one read clears the field, never types a character", async () => {
    const { app } = await setup();
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity"));
    await typeText(app, "abc\x15new9"); // one read: Ctrl-U between letters
    await app.waitFor((f) => /Name\s+\[new9█/.test(f), "the name is what came after Ctrl-U");
  });

  it("a refusal from the daemon (409) shows in the dialog and the status line; the console keeps running", async () => {
    const { client, app } = await setup();
    client.handlers.identityAdd = () => {
      throw new Error("conflict: a service named post5 already exists");
    };
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity"));
    await typeText(app, "post5");
    await app.press(KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab, KEYS.enter);
    await app.waitFor((f) => f.includes("nothing against it"), "review");
    await app.press(KEYS.enter);
    const f = await app.waitFor((f) => f.includes("✖ add failed: conflict: a service named post5 already exists"), "refusal");
    expect(f).toContain("Add identity"); // still open: the operator can fix and retry, or Esc
  });

  it("ends on a review: what, where, size, free space and the daemon's warnings; Esc goes back with the values kept", async () => {
    const { client, app } = await setup();
    client.handlers.identityAddCheck = ({ dir, units }) => ({
      dir,
      sizeBytes: units * 2 ** 20,
      needBytes: units * 2 ** 20,
      freeBytes: 3 * 2 ** 30,
      totalBytes: 100 * 2 ** 30,
      problems: [],
      warnings: [`${dir}: 4.0 MiB of PoS data leave its volume 97 % full (3.0 GiB free after)`, `${dir} is on the node's own volume (data folder /srv/node): the PoS data competes with the node's database`],
    });
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity") && f.includes("0 GPU NVIDIA"));
    await typeText(app, "post5");
    await app.press(KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab, KEYS.enter);
    const review = await app.waitFor((f) => f.includes("on the node's own volume"), "review with warnings");
    expect(client.bodies("identityAddCheck")).toEqual([{ dir: "/srv/postdeck/post5", units: 4, labelsPerUnit: 65536 }]);
    expect(review).toContain("Add identity: review");
    expect(review).toContain("identities/post5.key");
    expect(review).toContain("/srv/postdeck/post5");
    expect(review).toContain("4.0 MiB (4 units)");
    expect(review).toMatch(/3\.0 GiB free of 100 GiB \(97 % used now, 97 % after\)/);
    expect(review).toContain("97 % full");
    await app.press(KEYS.esc); // back, not out: the form with what was typed
    const form = await app.waitFor((f) => f.includes("[ Start init ]"), "back on the form");
    expect(form).toContain("post5");
    expect(client.bodies("identityAdd")).toEqual([]);
    await app.press(KEYS.enter); // on the Start row again: the review again
    await app.waitFor((f) => f.includes("Add identity: review"));
    await app.press(KEYS.enter);
    await waitUntil(() => client.bodies("identityAdd").length === 1, "identityAdd", client);
  });

  it("a review the daemon would refuse (not enough space) does not start; without an answer it still can", async () => {
    const { client, app } = await setup();
    client.handlers.identityAddCheck = ({ dir }) => ({
      dir,
      sizeBytes: 2 ** 40,
      needBytes: 2 ** 40,
      freeBytes: 2 ** 30,
      totalBytes: 2 ** 31,
      problems: [`not enough space for ${dir}: 1023.0 GiB missing`],
      warnings: [],
    });
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity"));
    await typeText(app, "post5");
    await app.press(KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab, KEYS.enter);
    await app.waitFor((f) => f.includes("not enough space") && f.includes("cannot start"), "refusal in the review");
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes("the daemon would refuse this add"));
    expect(client.bodies("identityAdd")).toEqual([]);
    // an older daemon without the check: the review says so and Enter starts (the add checks again)
    client.handlers.identityAddCheck = () => {
      throw new Error("no route POST /v1/identities/add-check");
    };
    await app.press(KEYS.esc, KEYS.enter);
    await app.waitFor((f) => f.includes("could not check the target volume"), "check failed");
    await app.press(KEYS.enter);
    await waitUntil(() => client.bodies("identityAdd").length === 1, "identityAdd", client);
  });

  it("when the providers come from systeminformation it says they are not postcli ids and uses the CPU", async () => {
    const { client, app } = await setup();
    client.handlers.providers = () => ({ providers: [{ id: 0, model: "NVIDIA RTX 3080", type: "GPU" }], source: "systeminformation", error: null });
    await app.press("a");
    const f = await app.waitFor((f) => f.includes("not postcli"), "note");
    expect(f).toContain("‹ 4294967295 CPU");
    expect(f).toContain("they are not -provider ids");
  });

  it("c cancels the running task after a y", async () => {
    const { client, app } = await setup();
    client.emitTask({ id: "add-post9", name: "post9", bytesDone: 1, bytesTotal: 4 });
    await app.waitFor((f) => f.includes("⟳ add post9 25%"));
    await app.press("c");
    await app.waitFor((f) => f.includes("Stop the init of post9 at 25%?"), "asks");
    await app.press("n");
    await app.waitFor((f) => f.includes("the init of post9 keeps running"));
    expect(client.bodies("taskCancel")).toEqual([]);
    await app.press("c", "y");
    await waitUntil(() => client.bodies("taskCancel").length === 1, "taskCancel", client);
    expect(client.bodies("taskCancel")[0]).toEqual({ id: "add-post9" });
    await app.waitFor((f) => f.includes("add post9 cancelled: cancelled; the PoS data"), "said");
  });
});

describe("import flow", () => {
  it("dry run first, the plan with ✓/✗, the equivocation warning; a wrong typed id imports nothing, the right one imports", async () => {
    const { client, app } = await setup();
    client.handlers.identityImport = ({ dryRun }) => ({ items: PLAN, batch: dryRun ? null : "import-1" });
    await app.press("i");
    await app.waitFor((f) => f.includes("Import identities"));
    await typeText(app, "/data/old-a /data/old-b");
    await app.press(KEYS.enter);
    let f = await app.waitFor((f) => f.includes("Type abc123"), "plan and prompt");
    expect(client.bodies("identityImport")).toEqual([{ dirs: ["/data/old-a", "/data/old-b"], dryRun: true, confirm: [] }]);
    expect(f).toMatch(/✓ \/data\/old-a: identity abc123 → identities\/old-a\.key, service old-a/);
    expect(f).toMatch(/✗ \/data\/old-b: identity\.key: trailing newline/);
    expect(f).toContain("Never run one identity on two nodes at once");

    await typeText(app, "abc124");
    await app.press(KEYS.enter);
    f = await app.waitFor((f) => f.includes("'abc124' is not abc123: nothing was imported"), "wrong id");
    expect(client.bodies("identityImport")).toHaveLength(1); // still only the dry run

    await typeText(app, "abc123");
    await app.press(KEYS.enter);
    await waitUntil(() => client.bodies("identityImport").length === 2, "the import", client);
    expect(client.bodies("identityImport")[1]).toEqual({ dirs: ["/data/old-a", "/data/old-b"], dryRun: false, confirm: ["abc123"] });
    f = await app.waitFor((f) => f.includes("imported 1 identity (batch import-1)"), "result");
    expect(f).toContain("Restart the node so it loads the new keys; undo with : roll back last import");
  });

  it("roll back last import (palette) asks y/N; n sends nothing, y rolls back and shows the steps", async () => {
    const { client, app } = await setup();
    client.handlers.identityRollback = () => ({
      batch: "import-1",
      steps: [{ destination: "/rig/identities/old-a.key", action: "removed copy", why: "the original is still at /data/old-a/identity.key" }],
    });
    await app.press(":");
    await typeText(app, "roll back last");
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes("Roll back the last import?"), "asks");
    await app.press("n");
    await app.waitFor((f) => f.includes("rollback cancelled: nothing was changed"));
    expect(client.bodies("identityRollback")).toEqual([]);
    await app.press(":");
    await typeText(app, "roll back last");
    await app.press(KEYS.enter, "y");
    const f = await app.waitFor((f) => f.includes("Rolled back the last import"), "steps");
    expect(f).toMatch(/✔ \/rig\/identities\/old-a\.key: removed copy \(the original is still at/);
    expect(client.bodies("identityRollback")).toHaveLength(1);
  });
});

describe("retire, rename, permissions", () => {
  it("R retires the selected identity after y, saying where the key goes and that the PoS data is kept", async () => {
    const { client, app } = await setup();
    await app.press("R");
    const f = await app.waitFor((f) => f.includes("Retire identity 111111 (post1.key)?"), "asks");
    expect(f).toContain("identities/retired/");
    expect(f).toContain("post-service post1 is stopped");
    expect(f).toMatch(/PoS data in \/mnt\/pos1\/post1 is kept/);
    expect(f).toContain("PROVING now"); // the fixture's post1 is proving
    await app.press("y");
    await waitUntil(() => client.bodies("identityRetire").length === 1, "retire", client);
    expect(client.bodies("identityRetire")[0]).toEqual({ name: "post1.key" });
    await app.waitFor((f) => f.includes("✔ key moved to identities/retired/post1.key"));
  });

  it("no proof is lost by retiring or renaming an identity the node has PROVING while its service is stopped (queued on demand): no such warning", async () => {
    const { app } = await setup({
      snapshot: (s) => ({
        ...s,
        services: s.services.map((x) => (x.name === "post1" ? { ...x, state: "stopped" as const, pid: null, operator: { kind: "none" as const }, orchestration: { state: "queued" as const, reason: "disk sdb busy", since: 0 } } : x)),
      }),
    });
    await app.press("R");
    const retire = await app.waitFor((f) => f.includes("Retire identity 111111 (post1.key)?"), "asks");
    expect(retire).not.toContain("PROVING now");
    await app.press(KEYS.esc, "e");
    const rename = await app.waitFor((f) => /New name\s+\[post1█/.test(f), "rename");
    expect(rename).not.toContain("PROVING now");
  });

  it("e renames the selected identity to the typed name", async () => {
    const { client, app } = await setup();
    await app.press("j", "e");
    await app.waitFor((f) => /New name\s+\[post2█/.test(f), "prefilled");
    await app.press(KEYS.backspace);
    await typeText(app, "-b");
    await app.press(KEYS.enter);
    await waitUntil(() => client.bodies("identityRename").length === 1, "rename", client);
    expect(client.bodies("identityRename")[0]).toEqual({ from: "post2.key", to: "post-b" });
  });

  it("rename refuses a name already taken, inline, and sends nothing", async () => {
    const { client, app } = await setup();
    await app.press("e");
    const f = await app.waitFor((f) => /New name\s+\[post1█/.test(f), "prefilled");
    expect(f).toContain("it is PROVING now: stopping its service loses this proof's progress");
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes("✖ that is its name already"));
    await app.press(KEYS.backspace, "3", KEYS.enter);
    await app.waitFor((f) => f.includes("✖ identities/post3.key already exists"));
    await app.press(KEYS.esc);
    await app.waitFor((f) => f.includes("rename cancelled: nothing was changed"));
    expect(client.bodies("identityRename")).toEqual([]);
  });

  it("Esc while the daemon works closes the dialog; its answer still shows in the status line", async () => {
    const { client, app } = await setup();
    let answer: (v: RouteResponse<"identityRetire">) => void = () => {};
    client.handlers.identityRetire = () => new Promise((r) => (answer = r));
    await app.press("R", "y");
    await app.waitFor((f) => f.includes("… asking the daemon"), "busy");
    await app.press("q"); // waits, does not quit
    await app.waitFor((f) => f.includes("waiting for the daemon"));
    expect(app.quits).toHaveLength(0);
    await app.press(KEYS.esc);
    await app.waitFor((f) => !f.includes("Retire post1.key") && f.includes("still working on it"), "closed");
    answer({ ok: true, message: "key moved to identities/retired/post1.key; PoS data kept" });
    await app.waitFor((f) => f.includes("✔ key moved to identities/retired/post1.key"), "late answer said");
  });

  it("fix key permissions: a failure closes the view and says why", async () => {
    const { client, app } = await setup();
    client.handlers.identityPermissions = () => {
      throw new Error("EACCES: permission denied, chmod '/rig/identities/post1.key'");
    };
    await app.press(":");
    await typeText(app, "fix key perm");
    await app.press(KEYS.enter);
    const f = await app.waitFor((f) => f.includes("✖ fixing permissions failed: EACCES"), "error");
    expect(f).not.toContain("Fix key permissions ·");
  });

  it("fix key permissions (palette) shows what was changed", async () => {
    const { client, app } = await setup();
    client.handlers.identityPermissions = () => ({ problems: [{ path: "/rig/identities/post1.key", mode: 0o644, want: 0o600 }] });
    await app.press(":");
    await typeText(app, "fix key perm");
    await app.press(KEYS.enter);
    const f = await app.waitFor((f) => f.includes("Fixed key permissions"), "result");
    expect(f).toContain("/rig/identities/post1.key: mode 644 → 600");
    expect(client.bodies("identityPermissions")).toEqual([{ fix: true }]);
  });
});

describe("80x24", () => {
  it("every identity dialog fits: no line longer than 80 columns, at most 24 lines", async () => {
    const { client, app } = await setup({ columns: 80, rows: 24 });
    client.handlers.identityImport = () => ({ items: PLAN, batch: null });
    // the longest provider note there is: GPUs seen by systeminformation and an error
    client.handlers.providers = () => ({
      providers: [{ id: 0, model: "NVIDIA GeForce RTX 4090", type: "GPU" }],
      source: "systeminformation",
      error: "postcli -printProviders exited with code 1: failed to get OpenCL providers",
    });
    await app.press("a");
    await app.waitFor((f) => f.includes("Add identity"));
    await typeText(app, "a-rather-long-identity-name-that-goes-on");
    await app.press(KEYS.tab);
    await typeText(app, "/and/a/very/long/directory/path/for/the/proof/of/space/data");
    await app.press(KEYS.tab, KEYS.backspace, "x", KEYS.tab, KEYS.tab, KEYS.enter);
    const add = await app.waitFor((f) => f.includes("fix the fields marked"));
    expectFits(add, 80, 24);
    for (const field of ["Name", "PoS dir", "Units", "Provider", "Commit. ATX", "[ Start init ]"]) expect(add).toContain(field);
    await app.press(KEYS.backspace, "4", KEYS.tab, KEYS.tab, KEYS.tab, KEYS.enter); // the focus is on the units, the first field marked ✖
    expectFits(await app.waitFor((f) => f.includes("Add identity: review") && f.includes("nothing against it"), "review at 80x24"), 80, 24);
    await app.press(KEYS.esc, KEYS.esc, "i");
    expectFits(await app.waitFor((f) => f.includes("Import identities")), 80, 24);
    await typeText(app, "/data/old-a /data/old-b");
    await app.press(KEYS.enter);
    expectFits(await app.waitFor((f) => f.includes("Type abc123")), 80, 24);
    await app.press(KEYS.esc, "R");
    expectFits(await app.waitFor((f) => f.includes("Retire identity")), 80, 24);
    await app.press(KEYS.esc, "e");
    expectFits(await app.waitFor((f) => f.includes("New name")), 80, 24);
    await app.press(KEYS.esc, "?");
    const help = await app.waitFor((f) => f.includes("Help: every key"));
    expectFits(help, 80, 24);
  });

  it("help and the palette list the identity actions", async () => {
    const { app } = await setup({ columns: 120, rows: 50 });
    await app.press("?");
    const help = await app.waitFor((f) => f.includes("Help: every key"));
    for (const s of ["add identity…", "import identities…", "retire identity…", "rename identity…", "cancel task", "roll back last import", "fix key permissions"])
      expect(help).toContain(s);
    await app.press(KEYS.esc, ":");
    await typeText(app, "identit");
    const pal = await app.waitFor((f) => f.includes("Command palette"));
    expect(pal).toContain("add identity…");
    expect(pal).toContain("import identities…");
  });
});
