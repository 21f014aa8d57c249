// Summarises a V8 .cpuprofile: busy time and the functions with the most self time, or with
// `inclusive`, the most time in them and what they called (postdeck's own code only: dist/).
// `window` = [fromS, toS]: only the samples taken between those seconds before the profile's end
// (a steady-state window, leaving start-up and quitting out).
// Usage: node bench/console/cpuprofile.js FILE.cpuprofile [top=40] [inclusive]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const where = (cf) => cf.url.replace(/.*node_modules\//, "").replace(/.*\/dist\//, "dist/");
const keyOf = (cf) => `${cf.functionName || "(anon)"} ${where(cf)}:${cf.lineNumber}`;

export function summarise(file, top = 40, inclusive = false, window = null) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const dt = new Map();
  const at = [];
  for (let i = 0, t = p.startTime; i < p.samples.length; i++) at.push((t += p.timeDeltas[i] ?? 0));
  const inWindow = window ? (i) => at[i] >= p.endTime - window[0] * 1e6 && at[i] <= p.endTime - window[1] * 1e6 : () => true;
  for (let i = 0; i < p.samples.length; i++) if (inWindow(i)) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const self = new Map();
  let total = 0;
  for (const node of p.nodes) {
    const us = dt.get(node.id) ?? 0;
    total += us;
    const key = keyOf(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
  }
  const idle = self.get("(idle) :-1") ?? 0;
  const lines = [`${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${((total - idle) / 1e6).toFixed(2)} s`];
  let table = self;
  if (inclusive) {
    // time of each node's subtree, credited once to every distinct dist/ function on its stack
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const incl = new Map();
    const walk = (id, stack) => {
      const n = byId.get(id);
      const key = keyOf(n.callFrame);
      const mine = n.callFrame.url.includes("/dist/") && !stack.has(key);
      if (mine) stack.add(key);
      const us = dt.get(id) ?? 0;
      if (us) for (const k of stack) incl.set(k, (incl.get(k) ?? 0) + us);
      for (const c of n.children ?? []) walk(c, stack);
      if (mine) stack.delete(key);
    };
    walk(p.nodes[0].id, new Set());
    table = incl;
  }
  for (const [k, v] of [...table.entries()].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(summarise(process.argv[2], Number(process.argv[3] ?? 40), process.argv[4] === "inclusive"));
