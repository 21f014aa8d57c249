// The add progress on stderr: one rewritten line on a terminal; a line per ~5 % (and per new
// message) in a log; ETAs for people.
import { describe, expect, it } from "vitest";
import { ProgressPrinter } from "../../src/cli/progress-line.js";
import { taskLine } from "../../src/cli/identity.js";
import type { TaskView } from "../../src/protocol/model.js";

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, columns: 80, write: (s: string) => (writes.push(s), true) }, writes };
}

const task = (done: number, message = "initialising: file 1 of 8", eta: number | null = 11_520): TaskView => ({
  id: "add-x-1", kind: "identity-add", name: "x", state: "running", startedAt: 0,
  bytesDone: done, bytesTotal: 1000, rateBytesPerSec: 100 * 1024 ** 2, etaSeconds: eta, message,
});

describe("progress output", () => {
  it("a task line says the ETA for people", () => {
    expect(taskLine(task(500))).toContain("ETA 3h 12m");
    expect(taskLine(task(500, "m", 294_386))).toContain("ETA 3d 09h");
  });

  it("off a terminal: a line per 5 % step and per new message, not per update", () => {
    const { out, writes } = sink(false);
    const p = new ProgressPrinter(out);
    for (let done = 0; done <= 1000; done += 5) p.show(taskLine(task(done, `initialising: file ${1 + Math.floor(done / 125)} of 8`)), done / 1000);
    expect(writes.length).toBe(21); // 0 %, 5 %, … 100 %
    p.show(taskLine(task(1000, "placing the key")), 1);
    expect(writes.length).toBe(22);
    expect(writes.every((w) => w.endsWith("\n") && !w.includes("\r"))).toBe(true);
  });

  it("on a terminal: one line rewritten in place, ended once", () => {
    const { out, writes } = sink(true);
    const p = new ProgressPrinter(out);
    for (let done = 0; done <= 1000; done += 100) p.show(taskLine(task(done)), done / 1000);
    p.end();
    expect(writes.slice(0, -1).every((w) => w.startsWith("\r\x1b[2K") && !w.includes("\n"))).toBe(true);
    expect(writes.at(-1)).toBe("\n");
  });
});
