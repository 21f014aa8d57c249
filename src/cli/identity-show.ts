// `postdeck identity show NAME [--json]`: one identity's epoch story (current and previous epoch)
// from the daemon's timeline, and the one line that says why it would earn no rewards.
import type { SocketClient } from "../client/socket-client.js";
import type { IdentityTimeline, TimelineStep } from "../protocol/model.js";
import { colours } from "./cli-context.js";

const LABEL: Record<TimelineStep["kind"], string> = {
  "poet-registered": "registered in PoET",
  "poet-proof": "PoET proof",
  "post-start": "PoST proof started",
  "post-finish": "PoST proof finished",
  "post-failed": "PoST proof failed",
  "atx-broadcast": "ATX broadcast",
  "atx-published": "ATX published",
  "atx-failed": "ATX failed",
  eligibility: "eligibilities",
  proposal: "proposal",
  malfeasance: "malfeasance",
};

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min` : m >= 1 ? `${m} min` : `${Math.round(ms / 1000)} s`;
}

export function formatTimeline(t: IdentityTimeline): string {
  const c = colours();
  const out: string[] = [`${t.keyFile}${t.shortId ? ` (${t.shortId})` : ""}`];
  for (const e of t.epochs) {
    out.push(`epoch ${e.epoch}${e.steps.length === 0 ? ": nothing seen" : ""}`);
    for (const s of e.steps) {
      const mark = s.ok ? c.green("✓") : c.red("✗");
      const dur = s.durationMs !== null ? ` — ${minutes(s.durationMs)}${s.gapShare !== null ? `, ${Math.round(s.gapShare * 100)} % of the gap` : ""}` : "";
      out.push(`  ${mark} ${when(s.at)}  ${LABEL[s.kind]}: ${s.text}${dur}  [${s.source}]`);
    }
  }
  const w = t.whyNoRewards;
  out.push(w ? `${c.red("why no rewards:")} ${w.text}\n  fix: ${w.fix}` : `${c.green("on track:")} no step of the last cycle is missing or failed`);
  return out.join("\n") + "\n";
}

export async function showIdentity(client: SocketClient, name: string, json: boolean): Promise<number> {
  const t = await client.call("identityTimeline", { name });
  if (json) process.stdout.write(JSON.stringify(t, null, 2) + "\n");
  else process.stdout.write(formatTimeline(t));
  return 0;
}
