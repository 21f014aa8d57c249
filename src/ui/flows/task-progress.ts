// How a daemon task (an identity init) reads in the console: percent, bytes of total, rate, ETA.
import type { TaskView } from "../../protocol/model.js";
import { formatBytes, formatDuration } from "../units.js";

const KIND_WORDS: Record<TaskView["kind"], string> = { "identity-add": "add", "identity-import": "import" };

export function taskPercent(t: Pick<TaskView, "bytesDone" | "bytesTotal">): number | null {
  return t.bytesDone != null && t.bytesTotal ? Math.min(100, Math.floor((t.bytesDone / t.bytesTotal) * 100)) : null;
}

/** `add post5 37%` — for the Identities title. */
export function taskShort(t: TaskView): string {
  const pct = taskPercent(t);
  const mark = t.state === "running" ? "⟳" : t.state === "done" ? "✔" : t.state === "failed" ? "✖" : "○";
  return `${mark} ${KIND_WORDS[t.kind]} ${t.name} ${t.state === "running" ? (pct != null ? `${pct}%` : "starting") : t.state}`;
}

/**
 * For the status line: `add post5: 37% · 12.0 MiB of 32.0 MiB · 3.0 MiB/s · ETA 7s — message` while
 * it runs, `add post5 done: message (32.0 MiB written)` once it ended.
 */
export function taskLong(t: TaskView): string {
  // An ended task: its message first (it says what to do next), the figures after.
  if (t.state !== "running")
    return `${KIND_WORDS[t.kind]} ${t.name} ${t.state}: ${t.message}${t.bytesDone != null ? ` (${formatBytes(t.bytesDone)} written)` : ""}`;
  const parts: string[] = [];
  const pct = taskPercent(t);
  if (pct != null) parts.push(`${pct}%`);
  if (t.bytesDone != null || t.bytesTotal != null) parts.push(`${formatBytes(t.bytesDone)} of ${formatBytes(t.bytesTotal)}`);
  if (t.rateBytesPerSec) parts.push(`${formatBytes(t.rateBytesPerSec)}/s`);
  if (t.etaSeconds != null) parts.push(`ETA ${formatDuration(t.etaSeconds * 1000)}`);
  const head = `${KIND_WORDS[t.kind]} ${t.name}: `;
  return head + parts.join(" · ") + (t.message ? ` — ${t.message}` : "");
}
