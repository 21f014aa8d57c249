import { afterEach, describe, expect, it, vi } from "vitest";
import { appendFileSync, renameSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FileFollower } from "../../../src/core/logs/follower.js";
import { LogHub } from "../../../src/core/logs/hub.js";
import { detectLevel } from "../../../src/core/logs/level.js";
import { RingBuffer } from "../../../src/ring-buffer.js";
import { sanitizeLine } from "../../../src/core/logs/sanitize.js";
import { rotateCopyTruncate } from "../../../src/core/logs/rotation.js";
import { cleanupTempDirs, tempDir } from "../../helpers/temp-dir.js";
import { sleep, waitFor } from "../../helpers/wait-for.js";
import { logTimerCount, turns, fakeLogTimers } from "./event-turns.js";
import type { LogLine } from "../../../src/protocol/model.js";

afterEach(() => {
  vi.useRealTimers(); // a fake-timer test that failed before its finally
  cleanupTempDirs();
});

/** A follower of a new empty file at the slow pace (1 s), under fake timers, started and watching. */
async function pacedFollower(name: string) {
  const file = path.join(tempDir(), name);
  writeFileSync(file, "");
  const { f, got } = follower(file, { pollMs: 60_000, watchedPollMs: 600_000 });
  f.setPace(1000);
  fakeLogTimers();
  f.start();
  expect(await turns(() => f.watched())).toBe(true);
  await f.poll(); // the start's read over
  return { file, f, got };
}

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
    await rotateCopyTruncate(file, 2);
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
  it("read less often (an unwatched source), it hands on as much more per read, so the same rate is not skipped", async () => {
    const dir = tempDir();
    const text = Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(3, "0")}`).join("\n") + "\n"; // 270 bytes
    const run = async (pace: number | null) => {
      const file = path.join(dir, `p${pace}.log`);
      writeFileSync(file, "");
      const { f, got } = follower(file, { maxReadBytes: 100, maxLines: 10, notifyMinMs: 250 });
      f.setPace(pace);
      await f.poll();
      appendFileSync(file, text);
      await f.poll();
      await f.stop();
      return got;
    };
    expect(await run(1000)).toHaveLength(30); // four times the budget: 400 bytes, 40 lines
    const atDefault = await run(null);
    expect(atDefault[0]).toMatch(/lines skipped/);
    expect(atDefault.length).toBeLessThan(30);
  });

  it("driven by its inotify watch, follows appends, a copytruncate and a rename", async () => {
    const file = path.join(tempDir(), "w.log");
    writeFileSync(file, "");
    const { f, got } = follower(file, { pollMs: 60_000, watchedPollMs: 60_000, notifyMinMs: 1 });
    f.start();
    await waitFor(() => f.watched(), { what: "the watch" });
    appendFileSync(file, "one\ntwo\n");
    await waitFor(() => got.length === 2, { what: "two lines" });
    appendFileSync(file, "three\n");
    await waitFor(() => got.length === 3, { what: "three lines" });
    truncateSync(file, 0);
    appendFileSync(file, "4\n");
    await waitFor(() => got.includes("4"), { what: "the line after the truncation" });
    renameSync(file, file + ".1");
    writeFileSync(file, "new file\n");
    await waitFor(() => got.includes("new file"), { what: "the new file's line" });
    expect(got).toEqual(["one", "two", "three", "4", "new file"]);
    await f.stop();
  });

  it("driven by its inotify watch, follows a file replaced by a rename over it (sed -i, mv) at its event, not at the next safety poll", async () => {
    const dir = tempDir();
    const file = path.join(dir, "r.log");
    writeFileSync(file, "");
    const { f, got } = follower(file, { pollMs: 60_000, watchedPollMs: 600_000, notifyMinMs: 1 });
    // timers and the clock are frozen: only inotify events (real) bring reads
    fakeLogTimers();
    try {
      f.start();
      expect(await turns(() => f.watched())).toBe(true);
      await f.poll();
      vi.advanceTimersByTime(10);
      appendFileSync(file, "one\n");
      expect(await turns(() => got.includes("one"))).toBe(true);
      // the descriptor read holds the old inode: its watch says "change" (the link count), no "rename"
      vi.advanceTimersByTime(10);
      writeFileSync(path.join(dir, "tmp"), "new file\n");
      renameSync(path.join(dir, "tmp"), file);
      expect(await turns(() => got.includes("new file"))).toBe(true);
      vi.advanceTimersByTime(10);
      appendFileSync(file, "two\n");
      expect(await turns(() => got.includes("two"))).toBe(true);
      expect(got).toEqual(["one", "new file", "two"]);
    } finally {
      vi.useRealTimers();
      await f.stop();
    }
  });

  it("at a slow pace a second write before the read turns its watch off until that read, and a rotation meanwhile is followed", async () => {
    const { file, f, got } = await pacedFollower("q.log");
    try {
      appendFileSync(file, "one\n"); // one write: its event brings the read (a pace after the last), the watch stays on
      expect(await turns(() => logTimerCount() === 2)).toBe(true);
      vi.advanceTimersByTime(1000);
      expect(await turns(() => got.length === 1)).toBe(true);
      expect(f.watched()).toBe(true);
      appendFileSync(file, "two\n");
      expect(await turns(() => logTimerCount() === 2)).toBe(true);
      vi.advanceTimersByTime(300);
      appendFileSync(file, "three\n"); // a second write before the read: no more events until it
      expect(await turns(() => !f.watched())).toBe(true);
      vi.advanceTimersByTime(700);
      expect(await turns(() => got.length === 3)).toBe(true);
      // the watch back once a read found nothing new
      vi.advanceTimersByTime(1000);
      expect(await turns(() => f.watched())).toBe(true);
      appendFileSync(file, "four\n");
      expect(await turns(() => logTimerCount() === 2)).toBe(true);
      vi.advanceTimersByTime(300);
      appendFileSync(file, "five\n");
      expect(await turns(() => !f.watched())).toBe(true);
      renameSync(file, file + ".1"); // rotated while the watch is off: no event says so
      writeFileSync(file, "six\n");
      vi.advanceTimersByTime(700);
      expect(await turns(() => got.includes("six"))).toBe(true);
      expect(got).toEqual(["one", "two", "three", "four", "five", "six"]);
    } finally {
      vi.useRealTimers();
      await f.stop();
    }
  });

  it("at the slow pace a file written again before its read is read every pace with its watch off while it grows (a rotation too), and watched again once a read found nothing new", async () => {
    const { file, f, got } = await pacedFollower("c.log");
    try {
      appendFileSync(file, "a1\n"); // its event: a read a pace after the last
      expect(await turns(() => logTimerCount() === 2)).toBe(true);
      appendFileSync(file, "a2\n"); // written again before that read: the watch off
      expect(await turns(() => !f.watched())).toBe(true);
      vi.advanceTimersByTime(1000);
      expect(await turns(() => got.length === 2)).toBe(true);
      // it grew: the next read a pace later, the watch still off (no event per line, no watch re-armed per read)
      expect(f.watched()).toBe(false);
      expect(logTimerCount()).toBe(2);
      appendFileSync(file, "a3\n");
      vi.advanceTimersByTime(1000);
      expect(await turns(() => got.length === 3)).toBe(true);
      expect(f.watched()).toBe(false);
      // rotated meanwhile: the paced read looks at the path
      renameSync(file, file + ".1");
      writeFileSync(file, "b1\n");
      vi.advanceTimersByTime(1000);
      expect(await turns(() => got.length === 4)).toBe(true);
      expect(f.watched()).toBe(false);
      // a read that finds nothing new: watched again, only the safety poll's timer left
      vi.advanceTimersByTime(1000);
      expect(await turns(() => f.watched())).toBe(true);
      expect(logTimerCount()).toBe(1);
      appendFileSync(file, "c1\n");
      expect(await turns(() => logTimerCount() === 2)).toBe(true);
      vi.advanceTimersByTime(1000);
      expect(await turns(() => got.length === 5)).toBe(true);
      expect(got).toEqual(["a1", "a2", "a3", "b1", "c1"]);
      expect(f.watched()).toBe(true);
    } finally {
      vi.useRealTimers();
      await f.stop();
    }
  });

  it("a write a pace or more after the last read is read at its event, with no timer in between (a burst a second)", async () => {
    const file = path.join(tempDir(), "b.log");
    writeFileSync(file, "");
    const { f, got } = follower(file, { pollMs: 60_000, watchedPollMs: 60_000 });
    f.setPace(60_000);
    // timers are frozen: only the inotify event (real) can bring the read
    fakeLogTimers();
    try {
      f.start();
      expect(await turns(() => f.watched())).toBe(true);
      vi.setSystemTime(Date.now() + 61_000); // a pace since the first read
      appendFileSync(file, "burst 1\nburst 2\n");
      expect(await turns(() => got.length === 2)).toBe(true);
      expect(got).toEqual(["burst 1", "burst 2"]);
      expect(f.watched()).toBe(true);
      // within the pace: the next write waits for its timer
      appendFileSync(file, "later\n");
      expect(await turns(() => got.length === 3)).toBe(false);
      vi.advanceTimersByTime(60_000);
      expect(await turns(() => got.length === 3)).toBe(true);
    } finally {
      vi.useRealTimers();
      await f.stop();
    }
  });

  it("a write nearly a pace after the last read (a burst a second, a few ms early) is read at its event too, with no timer in between, and no poll step (read in the event's callback)", async () => {
    const { file, f, got } = await pacedFollower("n.log");
    const polls = vi.spyOn(f, "poll");
    try {
      for (const [i, ms] of [1000, 995, 1003, 960].entries()) {
        vi.setSystemTime(Date.now() + ms);
        appendFileSync(file, `burst ${i}\n`);
        expect(await turns(() => got.length === i + 1)).toBe(true);
        expect(logTimerCount()).toBe(1); // the safety poll's only
      }
      expect(polls).not.toHaveBeenCalled();
      // half a pace after the last read: its timer brings the read
      vi.setSystemTime(Date.now() + 500);
      appendFileSync(file, "soon\n");
      expect(await turns(() => got.length === 5)).toBe(false);
      vi.advanceTimersByTime(500);
      expect(await turns(() => got.length === 5)).toBe(true);
      expect(got).toEqual(["burst 0", "burst 1", "burst 2", "burst 3", "soon"]);
    } finally {
      vi.useRealTimers();
      await f.stop();
    }
  });

  it("a burst a second whose read once waited for its timer (its event early in the pace) is read at its event from the next burst on", async () => {
    const { file, f, got } = await pacedFollower("e.log");
    try {
      // the first burst 700 ms after the start's read: its read waits for the pace (a timer)
      vi.setSystemTime(Date.now() + 700);
      appendFileSync(file, "burst 0\n");
      expect(await turns(() => logTimerCount() === 2)).toBe(true);
      expect(got).toEqual([]);
      vi.advanceTimersByTime(300);
      expect(await turns(() => got.length === 1)).toBe(true);
      // the bursts after it, a second apart: each read at its event, no timer (one wake-up a burst)
      for (let i = 1; i <= 4; i++) {
        vi.setSystemTime(Date.now() + (i === 1 ? 700 : 1000));
        appendFileSync(file, `burst ${i}\n`);
        expect(await turns(() => got.length === i + 1)).toBe(true);
        expect(logTimerCount()).toBe(1); // the safety poll's only
      }
      expect(f.watched()).toBe(true);
    } finally {
      vi.useRealTimers();
      await f.stop();
    }
  });

  it("a writer that writes again while its read waits is still read at most once per pace, counted from the read", async () => {
    const file = path.join(tempDir(), "f.log");
    writeFileSync(file, "");
    const { f, got } = follower(file, { pollMs: 60_000, watchedPollMs: 600_000, notifyMinMs: 250 });
    fakeLogTimers();
    try {
      f.start();
      expect(await turns(() => f.watched())).toBe(true);
      await f.poll();
      vi.setSystemTime(Date.now() + 100);
      appendFileSync(file, "a\n"); // its read waits 150 ms
      expect(await turns(() => logTimerCount() === 2)).toBe(true);
      vi.advanceTimersByTime(50);
      appendFileSync(file, "b\n"); // another event while it waits
      await turns(() => false);
      vi.advanceTimersByTime(100);
      expect(await turns(() => got.length === 2)).toBe(true);
      // 150 ms after that read (a pace from the first write): still waits for its timer
      vi.advanceTimersByTime(150);
      appendFileSync(file, "c\n");
      expect(await turns(() => got.length === 3)).toBe(false);
      vi.advanceTimersByTime(100);
      expect(await turns(() => got.length === 3)).toBe(true);
      expect(got).toEqual(["a", "b", "c"]);
    } finally {
      vi.useRealTimers();
      await f.stop();
    }
  });

  it("with a watch on its file it is polled only every watchedPollMs; without one (a rotated file not re-created yet) every pollMs", async () => {
    const file = path.join(tempDir(), "s.log");
    writeFileSync(file, "a\n");
    const { f, got } = follower(file, { pollMs: 100, watchedPollMs: 60_000, notifyMinMs: 1 });
    f.start();
    await waitFor(() => f.watched(), { what: "the watch" });
    expect(f.safetyPollMs()).toBe(60_000); // no wake-up a second per file while its events come
    renameSync(file, file + ".1");
    await f.poll(); // sees the rename: the old file is finished, no new one yet
    expect(f.watched()).toBe(false);
    expect(f.safetyPollMs()).toBe(100);
    writeFileSync(file, "b\n");
    await waitFor(() => got.includes("b") && f.watched(), { what: "the new file, by the poll" });
    expect(f.safetyPollMs()).toBe(60_000);
    await f.stop();
    expect(f.safetyPollMs()).toBeNull();
  });

  it("at rest its safety net looks at the path without a poll; a file changed under it is read", async () => {
    const file = path.join(tempDir(), "r.log");
    writeFileSync(file, "a\n");
    const { f, got } = follower(file, { pollMs: 60_000, watchedPollMs: 30_000 });
    fakeLogTimers();
    try {
      f.start();
      expect(await turns(() => f.watched())).toBe(true);
      await f.poll();
      const polls = vi.spyOn(f, "poll");
      await vi.advanceTimersByTimeAsync(95_000);
      expect(polls).not.toHaveBeenCalled(); // three safety ticks, nothing new: no poll (one each before)
      expect(f.safetyPollMs()).toBe(30_000);
      // a write whose event never came (the watch is closed here to stand for a missed one)
      (f as unknown as { closeWatch(): void }).closeWatch();
      appendFileSync(file, "b\n");
      await vi.advanceTimersByTimeAsync(30_000);
      expect(await turns(() => got.includes("b"))).toBe(true);
      expect(polls).toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
      await f.stop();
    }
  });

  it("reads a backlog larger than its 64 KiB chunks line for line: lines and multi-byte characters cut by a chunk's end, a cut first line of the history spanning a chunk", async () => {
    const file = path.join(tempDir(), "a.log");
    // 3,000 lines of 20–60 bytes with a 3-byte character: chunk ends fall inside lines and inside characters
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${"€".repeat(i % 14)}${"x".repeat(i % 7)}`);
    // a first line longer than a chunk, cut by the history's start: skipped, not handed on in pieces
    writeFileSync(file, "h".repeat(70_000) + "\n" + lines.join("\n") + "\n");
    const { f, got } = follower(file, { backfillBytes: statSync(file).size - 1000, maxLineBytes: 100_000 }); // starts 1,000 bytes into it
    await f.poll();
    expect(got).toEqual(lines);
    // appended in pieces that end mid-line and mid-character, then a backlog of several chunks
    const more = Array.from({ length: 1500 }, (_, i) => `more ${i} ${"€".repeat(i % 9)}${"y".repeat(40)}`); // ~95 KB: two chunks, under the 2,000 lines a read hands on
    const bytes = Buffer.from(more.join("\n") + "\n");
    const inChar = bytes.indexOf(Buffer.from("€")) + 1; // "more 1 €": cut inside its "€"
    for (const [from, to] of [[0, inChar], [inChar, inChar + 1], [inChar + 1, bytes.length]] as const) {
      appendFileSync(file, bytes.subarray(from, to));
      await f.poll();
    }
    expect(got.slice(lines.length)).toEqual(more);
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

describe("file follower with a filter", () => {
  it("hands on the lines holding a needle within their first maxLineBytes and counts the others", async () => {
    const file = path.join(tempDir(), "a.log");
    writeFileSync(file, "");
    const got: string[] = [];
    const reads: number[] = [];
    const f = new FileFollower(file, (l, read) => (got.push(...l), reads.push(read)), { maxLineBytes: 30 });
    f.setFilter(["needle"]);
    await f.poll();
    // cut at 30 bytes: the second line's needle is past its cut, the endless last one has it within
    appendFileSync(file, "a needle\n" + "z".repeat(40) + " needle\nnothing\n\n" + "needle " + "w".repeat(60));
    await f.poll();
    expect(got).toEqual(["a needle", "needle " + "w".repeat(23)]);
    expect(reads).toEqual([5]);
    f.setFilter(null);
    appendFileSync(file, "\nplain\n");
    await f.poll();
    expect(got.slice(2)).toEqual(["", "plain"]); // the endless line's end (its rest was cut), then the next
    await f.stop();
  });
});

describe("log hub", () => {
  it("batches lines from sources while a client watches and passes raw lines to listeners", async () => {
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
    const unwatch = hub.watch();
    hub.follow("a", a);
    hub.follow("node", n);
    await hub.pollNow();
    appendFileSync(a, Array.from({ length: 15 }, (_, i) => `[2024-01-01T00:00:00Z INFO  post_service] line ${i}\n`).join(""));
    appendFileSync(n, "2024-10-22T10:00:00.000Z\tINFO\tnode\tstarted\n");
    await waitFor(() => batches.flat().length === 16, { what: "16 lines" });
    expect(batches.length).toBeLessThan(16); // batched, not per line
    expect(batches.flat().filter((l) => l.source === "a").map((l) => l.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(raw).toEqual(["2024-10-22T10:00:00.000Z\tINFO\tnode\tstarted"]);
    unwatch();
    await hub.close();
  });

  it("without a watcher it emits no lines and holds none, but raw listeners still get every line", async () => {
    const a = path.join(tempDir(), "a.log");
    writeFileSync(a, "");
    const hub = new LogHub({ ringLines: 2000, pollMs: 50, batchMs: 10 });
    const batches: LogLine[][] = [];
    const raw: string[] = [];
    hub.on("lines", (b: LogLine[]) => batches.push(b));
    hub.onLines((_src, lines) => raw.push(...lines));
    hub.follow("a", a);
    await hub.pollNow();
    appendFileSync(a, Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join(""));
    await hub.pollNow();
    await waitFor(() => raw.length === 500, { what: "500 raw lines" });
    await sleep(30); // past a batch interval
    expect(batches).toEqual([]);
    // nothing of the lines is kept in the hub: its own fields reference no LogLine or text
    expect(JSON.stringify([...(hub as unknown as { sources: Map<string, object> }).sources.values()].map((s) => ({ ...s, follower: null })))).not.toContain("line 1");
    expect((hub as unknown as { pending: unknown[] }).pending).toEqual([]);
    await hub.close();
  });

  it("without a watcher hands on only the lines its listeners' needles name (counted all the same); all of them once a client watches or a listener needs all", async () => {
    const a = path.join(tempDir(), "a.log");
    writeFileSync(a, "");
    const hub = new LogHub({ ringLines: 10, pollMs: 50, batchMs: 10 });
    const got: string[] = [];
    const offA = hub.onLines((_src, lines) => got.push(...lines), { needles: () => ["obtained metadata", "proof is valid"] });
    const offB = hub.onLines(() => undefined, { needles: (src) => (src === "a" ? ["failed to generate proof"] : null) });
    hub.follow("a", a);
    await hub.pollNow();
    const noise = (i: number) => `[2024-01-01T00:00:00Z INFO  post_service] noise ${i}\n`;
    // a needle split across two reads
    appendFileSync(a, noise(0) + "[2024-01-01T00:00:01Z INFO  post_service::client] obtained meta");
    await hub.pollNow();
    appendFileSync(a, "data: x\n" + noise(1) + `x${"y".repeat(40)} proof is valid\n` + "proof is valid\n" + noise(2) + "failed to generate proof: no\n" + noise(3));
    await hub.pollNow();
    expect(got).toEqual(["[2024-01-01T00:00:01Z INFO  post_service::client] obtained metadata: x", `x${"y".repeat(40)} proof is valid`, "proof is valid", "failed to generate proof: no"]);
    // every line read counts: a client's tail and its batches go on from the same seq
    const tail = await hub.recent("a", 1);
    expect(tail.map((l) => [l.seq, l.text])).toEqual([[8, "[2024-01-01T00:00:00Z INFO  post_service] noise 3"]]);
    const batches: LogLine[][] = [];
    hub.on("lines", (b: LogLine[]) => batches.push(b));
    const unwatch = hub.watch();
    appendFileSync(a, noise(4));
    await hub.pollNow();
    await waitFor(() => batches.flat().length === 1, { what: "the watched line" });
    expect(batches.flat().map((l) => [l.seq, l.text])).toEqual([[9, "[2024-01-01T00:00:00Z INFO  post_service] noise 4"]]);
    expect(got.at(-1)).toBe("[2024-01-01T00:00:00Z INFO  post_service] noise 4");
    unwatch();
    // a listener that needs every line: every line
    offB();
    const all: string[] = [];
    hub.onLines((_src, lines) => all.push(...lines));
    appendFileSync(a, noise(5));
    await hub.pollNow();
    expect(all).toEqual(["[2024-01-01T00:00:00Z INFO  post_service] noise 5"]);
    offA();
    await hub.close();
  });

  it("reads a source's recent lines from its file on demand, the newest with the latest seq, also across a rotation", async () => {
    const a = path.join(tempDir(), "a.log");
    writeFileSync(a, "");
    const hub = new LogHub({ ringLines: 10, pollMs: 50, batchMs: 10 });
    hub.follow("a", a);
    await hub.pollNow();
    appendFileSync(a, Array.from({ length: 15 }, (_, i) => `[2024-01-01T00:00:00Z INFO  post_service] line ${i}\n`).join(""));
    const two = await hub.recent("a", 2);
    expect(two.map((l) => [l.seq, l.text])).toEqual([
      [14, "[2024-01-01T00:00:00Z INFO  post_service] line 13"],
      [15, "[2024-01-01T00:00:00Z INFO  post_service] line 14"],
    ]);
    expect(two[0]!.level).toBe("INFO");
    expect(await hub.recent("a", 100)).toHaveLength(10); // at most ringLines
    // a line still being written is not shown before its newline; a line written meanwhile is
    appendFileSync(a, "line 15\nhalf a li");
    expect((await hub.recent("a", 1)).map((l) => [l.seq, l.text])).toEqual([[16, "line 15"]]);
    // after a rotation the live file is short: the rest comes from <file>.1
    appendFileSync(a, "ne\n");
    await rotateCopyTruncate(a, 2);
    appendFileSync(a, "after rotation\n");
    // (the follower lost the half line to the truncation, so seqs count what it read: the newest is 17)
    expect((await hub.recent("a", 3)).map((l) => [l.seq, l.text])).toEqual([[15, "line 15"], [16, "half a line"], [17, "after rotation"]]);
    expect(await hub.recent("missing", 3)).toEqual([]);
    await hub.close();
  });
});
