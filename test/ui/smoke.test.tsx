import { describe, it, expect, afterEach } from "vitest";
import { cleanup } from "ink-testing-library";
import { FakeClient } from "./fake-client.js";
import { loadFixture, logLines } from "./fixtures.js";
import { renderApp } from "./render-app.js";

afterEach(() => cleanup());

describe("smoke", () => {
  it("renders", async () => {
    const { now, snapshot } = loadFixture();
    const client = new FakeClient(snapshot, { post1: logLines("post1", 50, now) });
    const app = renderApp(client, { now, columns: 100, rows: 30 });
    const f = await app.waitFor((f) => f.includes("post1 line 50"), "logs");
    console.log(f);
    expect(f).toContain("post1");
  });
});
