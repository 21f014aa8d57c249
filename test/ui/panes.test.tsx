// Each pane rendered with injected data (a fixture snapshot valid under the protocol's zod
// schemas): what an operator reads must be there, in words and symbols, not colour alone.
import { describe, it, expect, afterEach } from "vitest";
import { cleanup } from "ink-testing-library";
import { FakeClient } from "./fake-client.js";
import { loadFixture, logLines } from "./fixtures.js";
import { renderApp } from "./render-app.js";

afterEach(() => cleanup());

const rowOf = (frame: string, needle: string) => frame.split("\n").find((l) => l.includes(needle)) ?? "";
/** The table row whose first cell is `name` (after the `›`/space marker). */
const row = (frame: string, name: string) => frame.split("\n").find((l) => new RegExp(`^[› ]${name}\\s`).test(l)) ?? "";

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

  it("header says when the node is unreachable and when the daemon connection is lost", async () => {
    const { now, snapshot } = loadFixture();
    const client = new FakeClient({ ...snapshot, node: { ...snapshot.node, reachable: false } });
    const app = renderApp(client, { now, columns: 120, rows: 30 });
    await app.waitFor((f) => f.includes("node ✖ unreachable"), "unreachable node");
    client.setState({ kind: "disconnected", error: "connect ENOENT /run/postdeck.sock", retryAt: now + 3000 });
    const f = await app.waitFor((f) => f.includes("disconnected"), "disconnected");
    expect(f.split("\n")[0]).toMatch(/daemon ✖ disconnected: connect ENOENT \/run\/postdeck\.sock · retrying in 3s/);
  });

  it("identities: a row per key file with id, size, registration, post state and a ! marker per finding", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 140, rows: 40 });
    const f = await app.waitFor((f) => f.includes("post4.key"));
    expect(rowOf(f, "post1.key")).toMatch(/111111\s+4 SU 256G\s+✔ yes\s+PROVING/);
    expect(rowOf(f, "post2.key")).toMatch(/222222.*✔ yes\s+IDLE/);
    expect(rowOf(f, "post3.key")).toMatch(/!1\s+post3\.key.*↻ restart node/);
    // the stopped service's warning concerns post4.key through its service name
    expect(rowOf(f, "post4.key")).toMatch(/!1\s+post4\.key.*8 SU 512G/);
    expect(f).toContain("! 2 to look at");
  });

  it("services: state as symbol and word, pid, restarts, CPU, RSS, operator status, last exit", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 140, rows: 40 });
    const f = await app.waitFor((f) => f.includes("post4 "));
    expect(row(f, "post1")).toMatch(/● running\s+4101\s+3h00m\s+0\s+188\s+2\.2G\s+Proving pass 1 37%/);
    expect(row(f, "post2")).toMatch(/● running\s+4102.*Idle/);
    expect(row(f, "post3")).toMatch(/↻ backoff 3s.*3.*exit 1/);
    expect(row(f, "post4")).toMatch(/○ stopped.*SIGTERM/);
  });

  it("operator status reads DoneProving and unreachable", async () => {
    const { now, snapshot } = loadFixture();
    const [a, b] = snapshot.services;
    const services = [
      { ...a!, operator: { kind: "done" as const } },
      { ...b!, operator: { kind: "unreachable" as const, error: "connection refused" } },
    ];
    const app = renderApp(new FakeClient({ ...snapshot, services }), { now, columns: 140, rows: 40 });
    const f = await app.waitFor((f) => f.includes("DoneProving"));
    expect(row(f, "post2")).toContain("unreachable");
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

  it("hardware: CPU and load, memory, volume free/total and read throughput, providers, temperatures", async () => {
    const { now, snapshot } = loadFixture();
    const app = renderApp(new FakeClient(snapshot), { now, columns: 140, rows: 50 });
    const f = await app.waitFor((f) => f.includes("PROV"));
    expect(rowOf(f, "CPU ")).toMatch(/63%.*16 cores · load 9\.50 8\.10 7\.70 · 64°C/);
    expect(rowOf(f, "MEM ")).toMatch(/24\.0G used of 64\.0G/);
    expect(rowOf(f, "/mnt/pos1 (sda)")).toMatch(/1\.1T free of 3\.6T · read\s+182 MB\/s/);
    expect(rowOf(f, "/mnt/pos2 (nvme0n1)")).toContain("1450 MB/s");
    expect(rowOf(f, " PROV ")).toMatch(/\[0\] GPU NVIDIA GeForce RTX 3080.*\(postcli\) · GPU 55°C/);
  });

  it("before the first snapshot it says it is connecting instead of showing stale data", async () => {
    const app = renderApp(new FakeClient(null), { columns: 100, rows: 30 });
    const f = await app.waitFor((f) => f.includes("connecting"));
    expect(f).toContain("daemon ◌ connecting…");
    expect(f).toContain("no services configured");
  });
});
