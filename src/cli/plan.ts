// `postdeck plan [--json]`: the proving plan over the next (or current) cycle gap, from the daemon:
// one lane per physical disk (the block devices under it), each identity's predicted start and
// finish, and for one that would miss the gap, by how much, why, and what would fix it.
// --json prints the Plan (window {opensAt, closesAt} in epoch ms, lanes, identities).
// `plan --release NAME…` hands services the operator started or stopped by hand back to it.
import type { Plan, PlanEntry } from "../protocol/model.js";
import { formatBytes, formatCountdown, formatLateness, formatRate } from "../presentation/units.js";
import { colours, daemonClientFor, parseArgs } from "./cli-context.js";
import { UsageError } from "./errors.js";

export const USAGE = "usage: postdeck plan [--json] [--config FILE] | postdeck plan --release NAME… (hand services started/stopped by hand back to the orchestrator)";

const utc = (t: number | null) => (t === null ? "—" : new Date(t).toISOString().replace("T", " ").slice(0, 19) + "Z");

const STATE_WORD: Record<PlanEntry["state"], string> = {
  waiting: "waits for the gap",
  queued: "queued",
  proving: "proving",
  done: "done",
  failed: "failed",
  "not-needed": "no proof needed",
};

export function formatPlan(p: Plan, now: number, c = colours()): string {
  const out: string[] = [];
  const w = p.window;
  const where = w ? (now < w.opensAt ? `opens in ${formatCountdown(w.opensAt - now)}` : now < w.closesAt ? `open, closes in ${formatCountdown(w.closesAt - now)}` : "closed") : "";
  out.push(w ? `cycle gap ${utc(w.opensAt)} → ${utc(w.closesAt)} (${where})` : "cycle gap: unknown (no epoch clock yet: the node's config was not read)");
  const b = p.budget;
  out.push(
    `mode ${p.mode}` +
      (b ? `; at most ${b.perDisk} per disk, ${b.maxConcurrent ?? "any number"} at once, RAM budget ${b.memoryBytes !== null ? formatBytes(b.memoryBytes) : "unchecked"} (${b.memorySource})` : ""),
  );
  for (const lane of p.lanes) {
    out.push("");
    const devs = lane.devices.length ? lane.devices.join(", ") : "no block device";
    out.push(`disk ${lane.disk}  [${devs}]  ${lane.readBytesPerSec ? formatRate(lane.readBytesPerSec) : "read rate not measured yet"}`);
    const entries = p.identities.filter((e) => e.disk === lane.disk).sort((a, b) => (a.predictedStart ?? Infinity) - (b.predictedStart ?? Infinity));
    for (const e of entries) {
      const mark = e.fits ? c.green("✓ fits") : c.red(`✖ misses by ${formatLateness(e.missByMs ?? 0)}`);
      const who = `${e.keyFile}${e.service && e.service !== e.keyFile.replace(/\.key$/, "") ? ` (${e.service})` : ""}`;
      out.push(`  ${who.padEnd(22)} ${utc(e.predictedStart)} → ${utc(e.predictedFinish)}  ${mark}  ${STATE_WORD[e.state]}${e.manual ? ", by hand" : ""}`);
      out.push(c.dim(`      ${e.basis}`));
      if (e.waitReason) out.push(c.dim(`      waits: ${e.waitReason}`));
      if (e.reason) out.push(`      why: ${e.reason}`);
      if (e.fix) out.push(`      fix: ${e.fix}`);
    }
    for (const d of lane.dirs) if (!entries.some((e) => e.service && d.endsWith(`/${e.service}`))) out.push(c.dim(`  dir ${d}`));
  }
  const misses = p.identities.filter((e) => !e.fits).length;
  out.push("", misses ? c.red(`${misses} identit${misses === 1 ? "y" : "ies"} would miss the gap`) : c.green("every identity fits in the gap"));
  return out.join("\n") + "\n";
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { flags: ["--json", "--release"], usage: USAGE });
  const release = p.flags.has("--release");
  if (release !== p.words.length > 0) throw new UsageError(USAGE);
  const client = await daemonClientFor(p);
  try {
    if (release) {
      const r = await client.call("planRelease", { names: p.words });
      process.stdout.write(p.flags.has("--json") ? JSON.stringify(r, null, 2) + "\n" : `${r.message}\n`);
      return r.released.length === p.words.length ? 0 : 1;
    }
    const plan = await client.call("plan", {});
    process.stdout.write(p.flags.has("--json") ? JSON.stringify(plan, null, 2) + "\n" : formatPlan(plan, Date.now()));
    return 0;
  } finally {
    client.close();
  }
}
