// What the daemon loads at start, in the bundle bin/postdeck.js runs (scripts/bundle.js): the
// modules its chunk imports statically are loaded and compiled at every daemon start (the test
// suite starts ~40). The node's gRPC library (grpc-js, proto-loader, protobufjs: ~590 kB) is
// imported only once the node is reached (src/core/spacemesh/node-grpc.ts).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const dir = path.resolve("dist/bundle");

/** The chunk files `file` imports statically, itself included, transitively. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(path.join(dir, file), "utf8");
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*"\.\/([^"]+\.js)"/g)) staticClosure(m[1]!, seen);
  return seen;
}

/** The node_modules packages a chunk holds (from its source map). */
function packagesOf(file: string): string[] {
  const map = JSON.parse(readFileSync(path.join(dir, `${file}.map`), "utf8")) as { sources: string[] };
  return map.sources.flatMap((s) => {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s);
    return m ? [m[1]!] : [];
  });
}

describe("the daemon's bundle", () => {
  it("loads no gRPC library at start: it is a chunk of its own, imported when the node is first reached", () => {
    const daemon = readdirSync(dir).find((f) => /^run-daemon-[A-Z0-9]+\.js$/.test(f));
    expect(daemon).toBeDefined();
    const atStart = new Set([...staticClosure(daemon!)].flatMap(packagesOf));
    expect(atStart.has("zod")).toBe(true); // the closure is read (the config's schemas are in it)
    for (const p of ["@grpc/grpc-js", "@grpc/proto-loader", "protobufjs"]) expect(atStart.has(p), p).toBe(false);
    const all = new Set(readdirSync(dir).filter((f) => f.endsWith(".js")).flatMap(packagesOf));
    expect(all.has("@grpc/grpc-js")).toBe(true); // still in the bundle
  });
});
