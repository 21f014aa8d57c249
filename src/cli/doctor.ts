// `postdeck doctor [--json]`: what needs attention (what is wrong, where, and the fix), grouped by
// severity. From the daemon when one answers; otherwise from the files alone (config, state file,
// identities, PoS metadata, node config, node log, free space), naming the live checks it skipped.
// Exit 1 when any finding is an error, 0 otherwise (2 for bad usage or config). --json always prints
// {findings, source, skipped} — also when the daemon is down or the config is invalid.
import type { Finding, Severity } from "../protocol/model.js";
import { ConfigError } from "../config/config-error.js";
import { DaemonCallError } from "../client/errors.js";
import { rigTargetConfig } from "../client/connect.js";
import { colours, daemonFor, parseArgs } from "./cli-context.js";
import { findingsExitCode, UsageError } from "./errors.js";

export const USAGE = "usage: postdeck doctor [--json] [--config FILE]";

export interface DoctorReport {
  findings: Finding[];
  source: "daemon" | "files";
  skipped: string[]; // live checks not made (source "files")
}

async function report(p: ReturnType<typeof parseArgs>): Promise<DoctorReport> {
  const { config, client } = await daemonFor(p);
  try {
    const { findings } = await client.call("doctor", {});
    return { findings, source: "daemon", skipped: [] };
  } catch (err) {
    if (err instanceof DaemonCallError) throw err; // it answered: its error is the answer
    if (rigTargetConfig()) throw err; // another rig (--rig): its files are not here
    const { offlineFindings } = await import("../core/offline/offline-findings.js");
    const r = await offlineFindings(config, { daemonProblem: (err as Error).message });
    return { findings: r.findings, source: "files", skipped: r.skipped };
  } finally {
    client.close();
  }
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--json"], usage: USAGE });
  if (p.words.length > 0) throw new UsageError(USAGE);
  const json = p.flags.has("--json");
  let r: DoctorReport;
  try {
    r = await report(p);
  } catch (err) {
    if (!json) throw err;
    // --json always prints JSON: the failure as a finding
    const config = err instanceof ConfigError;
    const finding: Finding = {
      id: config ? "config-invalid" : "doctor-failed",
      severity: "error",
      subject: null,
      title: config ? "postdeck's config is not valid" : "doctor could not check the rig",
      detail: err instanceof ConfigError ? err.problems.join("; ") : (err as Error).message,
      fix: config ? "fix the config file (postdeck config check names every problem)" : "run postdeck doctor --debug for details",
    };
    process.stdout.write(JSON.stringify({ findings: [finding], source: "files", skipped: [] }, null, 2) + "\n");
    return config ? 2 : 1;
  }
  process.stdout.write(json ? JSON.stringify(r, null, 2) + "\n" : formatReport(r));
  return doctorExitCode(r.findings);
}

export function doctorExitCode(findings: Finding[]): number {
  return findingsExitCode(findings);
}

function formatReport(r: DoctorReport): string {
  if (r.source === "daemon") return formatDoctor(r.findings);
  const c = colours(process.stdout);
  const head = [
    c.yellow("no daemon answers: checked the files only"),
    ...r.skipped.map((s) => c.dim(`  skipped (live): ${s}`)),
    "",
  ];
  return head.join("\n") + "\n" + formatDoctor(r.findings);
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
