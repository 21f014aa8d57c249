// Summarises a V8 .cpuprofile: busy time and the functions with the most self time.
// Usage: node bench/console/cpuprofile.js FILE.cpuprofile [top=40]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function summarise(file, top = 40) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const self = new Map();
  let total = 0;
  for (const node of p.nodes) {
    const us = dt.get(node.id) ?? 0;
    total += us;
    const cf = node.callFrame;
    const where = cf.url.replace(/.*node_modules\//, "").replace(/.*\/dist\//, "dist/");
    const key = `${cf.functionName || "(anon)"} ${where}:${cf.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + us);
  }
  const idle = self.get("(idle) :-1") ?? 0;
  const lines = [`${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${((total - idle) / 1e6).toFixed(2)} s`];
  for (const [k, v] of [...self.entries()].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(summarise(process.argv[2], Number(process.argv[3] ?? 40)));
