// `postdeck doctor [--json]`: the daemon's findings (what is wrong, where, and the fix), grouped by
// severity. Exit 1 when any finding is an error, 0 otherwise. --json prints {findings: Finding[]}.
import type { Finding, Severity } from "../protocol/model.js";
import { colours, daemonFor, parseArgs } from "./cli-context.js";
import { UsageError } from "./errors.js";

const USAGE = "usage: postdeck doctor [--json] [--config FILE]";

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--json"], usage: USAGE });
  if (p.words.length > 0) throw new UsageError(USAGE);
  const { client } = await daemonFor(p);
  try {
    const { findings } = await client.call("doctor", {});
    process.stdout.write(p.flags.has("--json") ? JSON.stringify({ findings }, null, 2) + "\n" : formatDoctor(findings));
    return doctorExitCode(findings);
  } finally {
    client.close();
  }
}

export function doctorExitCode(findings: Finding[]): number {
  return findings.some((f) => f.severity === "error") ? 1 : 0;
}

const GROUPS: { severity: Severity; heading: string; symbol: string }[] = [
  { severity: "error", heading: "errors", symbol: "✗" },
  { severity: "warning", heading: "warnings", symbol: "!" },
  { severity: "info", heading: "notes", symbol: "i" },
];

export function formatDoctor(findings: Finding[], stream: NodeJS.WriteStream = process.stdout): string {
  const c = colours(stream);
  if (findings.length === 0) return `${c.green("✓")} nothing needs attention\n`;
  const paint: Record<Severity, (s: string) => string> = { error: c.red, warning: c.yellow, info: (s) => s };
  const out: string[] = [];
  for (const g of GROUPS) {
    const group = findings.filter((f) => f.severity === g.severity);
    if (group.length === 0) continue;
    if (out.length > 0) out.push("");
    out.push(paint[g.severity](`${g.heading} (${group.length})`));
    for (const f of group) {
      out.push(`  ${paint[g.severity](g.symbol)} ${f.subject ? `${f.subject}: ` : ""}${f.title}`);
      if (f.detail) out.push(`      ${c.dim(f.detail)}`);
      out.push(`      fix: ${f.fix}`);
      out.push(`      ${c.dim(`[${f.id}]`)}`);
    }
  }
  return out.join("\n") + "\n";
}
