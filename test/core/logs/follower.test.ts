import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FileFollower } from "../../../src/core/logs/follower.js";
import { LogHub } from "../../../src/core/logs/hub.js";
import { detectLevel } from "../../../src/core/logs/level.js";
import { RingBuffer } from "../../../src/ring-buffer.js";
import { sanitizeLine } from "../../../src/core/logs/sanitize.js";
import { rotateCopyTruncate } from "../../../src/core/logs/rotation.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { waitFor } from "../../helpers/wait-for.js";
import type { LogLine } from "../../../src/protocol/model.js";

afterEach(() => cleanupTempDirs());

function follower(file: string, o = {}) {
  const got: string[] = [];
  const f = new FileFollower(file, (l) => got.push(...l), o);
  return { f, got };
}

describe("file follower", () => {
  it("follows appends, splitting lines and keeping a partial line until its newline", async () => {
    const file = path.join(tempDir(), "a.log");
    writeFileSync(file, "old line\n");
    const { f, got } = follower(file);
    await f.poll();
    appendFileSync(file, "one\ntw");
    await f.poll();
    expect(got).toEqual(["one"]);
    appendFileSync(file, "o\r\nthree\n");
    await f.poll();
    expect(got).toEqual(["one", "two", "three"]);
    await f.stop();
  });
  it("backfills history without a cut first line", async () => {
    const file = path.join(tempDir(), "a.log");
    writeFileSync(file, "aaaaaaaaaa\nbbbb\ncccc\n");
    const { f, got } = follower(file, { backfillBytes: 12 });
    await f.poll();
    expect(got).toEqual(["bbbb", "cccc"]);
    await f.stop();
  });
  it("survives copytruncate and rename rotation", async () => {
    const file = path.join(tempDir(), "a.log");
    writeFileSync(file, "");
    const { f, got } = follower(file);
    await f.poll();
    appendFileSync(file, "before rotation\n");
    await f.poll();
    rotateCopyTruncate(file, 2);
    appendFileSync(file, "after\n");
    await f.poll();
    expect(got).toEqual(["before rotation", "after"]);
    appendFileSync(file, "last of old file\n");
    renameSync(file, file + ".old");
    writeFileSync(file, "new file\n");
    await f.poll();
    expect(got).toEqual(["before rotation", "after", "last of old file", "new file"]);
    truncateSync(file, 0);
    await f.poll();
    appendFileSync(file, "x\n");
    await f.poll();
    expect(got.at(-1)).toBe("x");
    await f.stop();
  });
  it("caps an endless line", async () => {
    const file = path.join(tempDir(), "a.log");
    writeFileSync(file, "");
    const { f, got } = follower(file, { maxLineBytes: 100 });
    await f.poll();
    appendFileSync(file, "y".repeat(250));
    await f.poll();
    expect(got.length).toBe(1);
    expect(got[0]!.length).toBe(100);
    await f.stop();
  });
});

describe("log lines", () => {
  it("replaces control and escape bytes so a binary line cannot break a terminal", () => {
    const s = sanitizeLine("ok\u001b[2J\u0007\u0000bin\tx");
    // eslint-disable-next-line no-control-regex -- the point is that no control byte is left
    expect(s).not.toMatch(/[\u0000-\u001f]/);
    expect(s).toBe("ok\ufffd[2J\ufffd\ufffdbin x");
    expect(sanitizeLine("z".repeat(10_000)).length).toBe(4096);
  });
  it("detects env_logger, go-spacemesh console and JSON levels", () => {
    expect(detectLevel("[2024-03-18T17:29:43Z INFO  post_service::client] obtained metadata")).toBe("INFO");
    expect(detectLevel("[2024-03-18T17:29:43Z ERROR post_service] failed to generate proof")).toBe("ERROR");
    expect(detectLevel("2024-10-22T10:00:00.000Z\tWARN\tnode.atxBuilder\tsomething")).toBe("WARN");
    expect(detectLevel('{"L":"INFO","T":"2024-10-22T10:00:00.000Z","N":"node.atxBuilder","M":"registered signing key"}')).toBe("INFO");
    expect(detectLevel("Caused by: boom")).toBeNull();
  });
  it("ring keeps only the most recent lines", () => {
    const r = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.last()).toEqual([3, 4, 5]);
    expect(r.last(2)).toEqual([4, 5]);
  });
});

describe("log hub", () => {
  it("batches lines from sources, keeps a bounded ring and passes raw lines to listeners", async () => {
    const dir = tempDir();
    const a = path.join(dir, "a.log");
    const n = path.join(dir, "node.log");
    writeFileSync(a, "");
    writeFileSync(n, "");
    const hub = new LogHub({ ringLines: 10, pollMs: 50, batchMs: 50 });
    const batches: LogLine[][] = [];
    const raw: string[] = [];
    hub.on("lines", (b: LogLine[]) => batches.push(b));
    hub.onLines((src, lines) => src === "node" && raw.push(...lines));
    hub.follow("a", a);
    hub.follow("node", n);
    await hub.pollNow();
    appendFileSync(a, Array.from({ length: 15 }, (_, i) => `[2024-01-01T00:00:00Z INFO  post_service] line ${i}\n`).join(""));
    appendFileSync(n, "2024-10-22T10:00:00.000Z\tINFO\tnode\tstarted\n");
    await waitFor(() => batches.flat().length === 16, { what: "16 lines" });
    expect(batches.length).toBeLessThan(16); // batched, not per line
    expect(hub.recent("a", 100).map((l) => l.text)).toHaveLength(10);
    expect(hub.recent("a", 2).map((l) => l.seq)).toEqual([14, 15]);
    expect(hub.recent("a", 1)[0]!.level).toBe("INFO");
    expect(raw).toEqual(["2024-10-22T10:00:00.000Z\tINFO\tnode\tstarted"]);
    await hub.close();
  });
});
