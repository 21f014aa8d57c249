// The console's trace for the bench (POSTDECK_RENDER_LOG=<file> writes <file>.events): when the
// terminal's input was ready to read and each collection, until the console ends it; nothing
// without a file.
import { afterEach, describe, expect, it } from "vitest";
import { EventEmitter } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { traceEvents } from "../../src/ui/run-console.js";
import { releaseMemory } from "../../src/ui/state/flood-memory.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function traceFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "console-trace-"));
  dirs.push(dir);
  return path.join(dir, "renders.log.events");
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);

describe("traceEvents", () => {
  it("writes a line per input ready to read, and none after it ends", () => {
    const file = traceFile();
    const stdin = new EventEmitter() as unknown as NodeJS.ReadStream;
    const end = traceEvents(file, stdin);
    stdin.emit("readable");
    stdin.emit("readable");
    end();
    stdin.emit("readable");
    expect(lines(file)).toHaveLength(2);
    expect(lines(file)[0]).toMatch(/^key \d{13} \d+$/);
    expect(stdin.listenerCount("readable")).toBe(0);
  });

  it("writes the collections with their start and duration", async () => {
    const file = traceFile();
    const end = traceEvents(file, new EventEmitter() as unknown as NodeJS.ReadStream);
    releaseMemory();
    // the observer hears of the collection on a later turn of the event loop
    for (let i = 0; i < 100 && !lines(file).some((l) => l.startsWith("gc ")); i++) await new Promise((r) => setTimeout(r, 20));
    end();
    expect(lines(file).find((l) => l.startsWith("gc "))).toMatch(/^gc \d{13} \d+\.\d\d \d+$/);
  });

  it("without a file, listens to nothing", () => {
    const stdin = new EventEmitter() as unknown as NodeJS.ReadStream;
    const end = traceEvents(undefined, stdin);
    expect(stdin.listenerCount("readable")).toBe(0);
    end();
  });
});
