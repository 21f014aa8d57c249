// Each pane rendered with injected data (a fixture snapshot valid under the protocol's zod
// schemas): what an operator reads must be there, in words and symbols, not colour alone.
import { describe, it, expect, afterEach } from "vitest";
import { cleanup } from "ink-testing-library";
import { FakeClient } from "./fake-client.js";
import { loadFixture, logLines } from "./fixtures.js";
import { renderApp, setSize } from "./render-app.js";

afterEach(() => cleanup());

const rowOf = (frame: string, needle: string) => frame.split("\n").find((l) => l.includes(needle)) ?? "";
/** The table row whose first cell is `name` (after the `›`/space marker). */
const row = (frame: string, name: string) => frame.split("\n").find((l) => new RegExp(`^[›↑↓ ] *(!\\d+)? +${name}\\s`).test(l)) ?? "";

describe("console panes with injected data", () => {
  it("header shows the rig, the DEMO badge, node state and the daemon", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 160, rows: 40 });
    const f = await app.waitFor((f) => f.includes("rig-a"));
    const header = f.split("\n")[0]!;
    expect(header).toContain("DEMO");
    expect(header).toMatch(/node ● synced layer 71234 epoch 17 peers 42/);
    expect(header).toContain("daemon ● connected pid 4000");
  });

  it("header at 80 columns in an open gap: the short countdown says when it closes, not 'gap open 3h 00m' (read as open for that long)", async () => {
    const { now, snapshot } = loadFixture();
    const H = 3_600_000;
    // a 4 h gap that opened an hour ago (the gap opens 12 h into a 24 h epoch, after the 12 h PoET phase shift)
    const clock = { source: "node-config" as const, notes: [], genesisMs: now - 33 * H, layerMs: 60_000, layersPerEpoch: 1440, phaseShiftMs: 12 * H, cycleGapMs: 4 * H, gracePeriodMs: H, nodeLayer: null, skewLayers: null };
    const app = renderApp(new FakeClient({ ...snapshot, node: { ...snapshot.node, clock } }), { now, columns: 80, rows: 24 });
    const f = await app.waitFor((f) => f.includes("post4 "));
    const header = f.split("\n")[0]!;
    expect(header).toMatch(/ e1 gap closes 3h 00m │ daemon ●/);
    expect(header).not.toContain("gap open 3h");
  });

  it("header says when the node is unreachable and when the daemon connection is lost", async () => {
    const { now, snapshot } = loadFixture();
    const client = new FakeClient({ ...snapshot, node: { ...snapshot.node, reachable: false } });
    const app = renderApp(client, { now, columns: 120, rows: 30 });
    await app.waitFor((f) => f.includes("node ✖ unreachable"), "unreachable node");
    client.setState({ kind: "disconnected", error: "connect ENOENT /run/postdeck.sock", retryAt: now + 3000 });
    const f = await app.waitFor((f) => f.includes("disconnected"), "disconnected");
    expect(f.split("\n")[0]).toMatch(/daemon ✖ disconnected: connect ENOENT \/run\/postdeck\.sock · retrying in 3s/);
  });

  it("one row per identity with its service joined in: id, size, registration, node state, service state, proving, ! marker", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 140, rows: 40 });
    const f = await app.waitFor((f) => f.includes("post4 "));
    expect(row(f, "post1")).toMatch(/111111\s+256G\s+✔ yes\s+PROVING\s+● running\s+p1 37%\s+3h00m/);
    expect(row(f, "post2")).toMatch(/222222.*✔ yes\s+IDLE\s+● running\s+idle/);
    expect(row(f, "post3")).toMatch(/!1\s+post3\s.*↻ restart\s.*↻ backoff 3s/);
    // the stopped service's warning concerns post4.key through its service name
    expect(row(f, "post4")).toMatch(/!1\s+post4\s.*512G.*○ stopped/);
    expect(f).toContain("Identities · 4 · 2 running · 1 failed · 1 proving");
    expect(f).toContain("! 2 (press !)");
  });

  it("an identity with 10 or more findings shows its whole count (`!12`), at 80 columns too", async () => {
    const { now, snapshot } = loadFixture();
    const many = Array.from({ length: 12 }, (_, i) => ({ ...snapshot.findings[0]!, id: `warn-${i}`, severity: "warning" as const, subject: "post2.key" }));
    for (const columns of [140, 80]) {
      const app = renderApp(new FakeClient({ ...snapshot, findings: [...snapshot.findings, ...many] }), { now, columns, rows: 30 });
      const f = await app.waitFor((f) => f.includes("post4 "));
      expect(row(f, "post2")).toMatch(/^.!12 post2\s/);
      expect(row(f, "post3")).toMatch(/^.!1 {2}post3\s/); // the column is 3 cells wide for all rows
      expect(f).not.toContain("!…");
      cleanup();
    }
  });

  it("a finding id every identity has (one per identity, listed by each) marks each row once, not with its namesakes' count", async () => {
    const { now, snapshot } = loadFixture();
    const miss = snapshot.identities.map((i) => ({ ...snapshot.findings[0]!, id: "proof-predicted-miss", severity: "warning" as const, subject: i.keyFile }));
    const identities = snapshot.identities.map((i) => ({ ...i, findings: [...i.findings, "proof-predicted-miss"] }));
    const app = renderApp(new FakeClient({ ...snapshot, identities, findings: [...snapshot.findings, ...miss] }), { now, columns: 140, rows: 30 });
    const f = await app.waitFor((f) => f.includes("post4 "));
    expect(row(f, "post1")).toMatch(/^.!1 +post1\s/);
    expect(row(f, "post3")).toMatch(/^.!2 +post3\s/); // its own error and its own miss
  });

  it("services without a key and keys without a service have rows too; natural order (post2 before post10)", async () => {
    const { now, snapshot } = loadFixture();
    const [a] = snapshot.services;
    const services = [...snapshot.services.filter((s) => s.name !== "post4"), { ...a!, name: "post10", operator: { kind: "idle" as const } }];
    const app = renderApp(new FakeClient({ ...snapshot, services }), { now, columns: 140, rows: 40 });
    const f = await app.waitFor((f) => f.includes("post10"));
    expect(row(f, "post4")).toContain("— none"); // its service is gone from the config
    expect(row(f, "post10")).toContain("no key");
    const names = f.split("\n").map((l) => /^[›↑↓ ] *(?:!\d+)? +(post\d+)\s/.exec(l)?.[1]).filter(Boolean);
    expect(names).toEqual(["post1", "post2", "post3", "post4", "post10"]);
  });

  it("a failed service's reason shows at 80 columns, on a line under the table", async () => {
    const { now, snapshot } = loadFixture();
    const services = snapshot.services.map((s) => (s.name === "post3" ? { ...s, state: "failed" as const, reason: "exit 1 three times in a row: see its log" } : s));
    const app = renderApp(new FakeClient({ ...snapshot, services }), { now, columns: 80, rows: 24 });
    const f = await app.waitFor((f) => f.includes("post4 "));
    expect(f).toContain("✖ post3: exit 1 three times in a row");
  });

  it("operator status reads DoneProving and unreachable", async () => {
    const { now, snapshot } = loadFixture();
    const [a, b] = snapshot.services;
    const services = [
      { ...a!, operator: { kind: "done" as const } },
      { ...b!, operator: { kind: "unreachable" as const, error: "connection refused" } },
    ];
    const app = renderApp(new FakeClient({ ...snapshot, services }), { now, columns: 140, rows: 40 });
    const f = await app.waitFor((f) => f.includes("done"));
    expect(row(f, "post1")).toContain("done");
    expect(row(f, "post2")).toContain("unreach");
  });

  it("logs: follows the selected service with levels labelled", async () => {
    const { now, snapshot } = loadFixture();
    const client = new FakeClient(snapshot, { post1: logLines("post1", 30, now), post2: logLines("post2", 30, now) });
    const app = renderApp(client, { now, columns: 120, rows: 40 });
    const f = await app.waitFor((f) => f.includes("post1 line 30"), "post1 log");
    expect(f).toContain("Logs · post1 (follows selection) · following");
    expect(rowOf(f, "post1 line 29")).toMatch(/ERR\s/); // seq 29 % 6 = 5 → ERROR
    expect(rowOf(f, "post1 line 28")).toMatch(/WARN\s/);
    expect(f).not.toContain("post2 line");
  });

  it("at 80 columns with more identities than rows, the title still says how many findings need attention (! N) and where the rows are", async () => {
    const { now, snapshot } = loadFixture();
    const [i2, s2] = [snapshot.identities[1]!, snapshot.services[1]!];
    const identities = Array.from({ length: 16 }, (_, n) => ({ ...i2, keyFile: `post${n + 5}.key`, service: `post${n + 5}`, path: `/rig/identities/post${n + 5}.key` }));
    const services = identities.map((i) => ({ ...s2, name: i.service, dir: `/mnt/pos9/${i.service}`, orchestration: { state: "queued" as const, reason: "disk busy", since: now } }));
    const app = renderApp(new FakeClient({ ...snapshot, identities: [...snapshot.identities, ...identities], services: [...snapshot.services, ...services] }), { now, columns: 80, rows: 24 });
    const f = await app.waitFor((f) => f.includes("▶ Identities") && f.includes("post12 "), "20 rows");
    const title = rowOf(f, "▶ Identities");
    expect(title).toMatch(/ · ! 2 · 1–1\d\/20 /);
    expect(title).not.toContain("…"); // nothing cut: what does not fit (the sort) is left out
    // wide enough, it says which key lists them, and the sort
    setSize(app.stdout, 140, 24);
    await app.waitFor((f) => / · ! 2 \(press !\) · 1–1\d\/20 · sort name /.test(rowOf(f, "▶ Identities")), "the whole title at 140 columns");
  });

  it("hardware: CPU and load, memory, volume free/total and read throughput, providers, temperatures", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 140, rows: 50 });
    const f = await app.waitFor((f) => f.includes(" PROV "));
    expect(rowOf(f, "CPU ")).toMatch(/63%.*16 cores · load 9\.50 8\.10 7\.70 · 64°C/);
    expect(rowOf(f, "MEM ")).toMatch(/24\.0G used of 64\.0G/);
    expect(rowOf(f, "/mnt/pos1 (sda)")).toMatch(/1\.1T free of 3\.6T · read\s+182 MB\/s/);
    expect(rowOf(f, "/mnt/pos2 (nvme0n1)")).toContain("1450 MB/s");
    expect(rowOf(f, " PROV ")).toMatch(/\[0\] GPU NVIDIA GeForce RTX 3080.*\(postcli\) · GPU 55°C/);
  });

  it("hardware zoomed at 80 columns: lines too long for the row wrap under their text (every PoS dir, every provider) instead of being cut", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 80, rows: 24 });
    await app.waitFor((f) => f.includes("post4 "));
    await app.press("\t", "\t", "z"); // Hardware, zoomed
    const f = await app.waitFor((f) => f.includes("▶ Hardware") && f.includes(" PROV "), "hardware zoomed");
    expect(f).toContain("/mnt/pos3/post3");
    expect(f).toContain("(postcli) · GPU 55°C");
    expect(f).not.toContain("…");
    expect(f.split("\n").find((l) => l.includes("/mnt/pos3/post3"))).toMatch(/^ {22}\S/);
  });

  it("before the first snapshot it says it is connecting instead of showing stale data", async () => {
    const app = renderApp(new FakeClient(null), { columns: 100, rows: 30 });
    const f = await app.waitFor((f) => f.includes("connecting"));
    expect(f).toContain("daemon ◌ connecting…");
    expect(f).toContain("connecting to the daemon…");
    expect(f).not.toContain("no identities");
  });
});
