// Numbers for people, short enough for table cells (no React: the CLI and the console both use them).

/** Scales bytes to a binary unit: the value and the unit's index (0 = bytes). */
function scaleBytes(bytes: number): { v: number; i: number; digits: number } {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < 5) {
    v /= 1024;
    i++;
  }
  return { v, i, digits: v >= 100 || i === 0 ? 0 : 1 };
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return "—";
  const { v, i, digits } = scaleBytes(bytes);
  return `${v.toFixed(digits)} ${["B", "KiB", "MiB", "GiB", "TiB", "PiB"][i]}`;
}

/** Short size without the space, e.g. `1.2T`, for dense rows. */
export function formatBytesShort(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return "—";
  const { v, i, digits } = scaleBytes(bytes);
  return `${v.toFixed(digits)}${["B", "K", "M", "G", "T", "P"][i]}`;
}

/** Read throughput in decimal MB/s, as disks are sold and as proving speed is discussed. */
export function formatRate(bytesPerSec: number | null | undefined): string {
  if (bytesPerSec == null || !Number.isFinite(bytesPerSec)) return "—";
  const mb = bytesPerSec / 1e6;
  return `${mb >= 100 ? mb.toFixed(0) : mb.toFixed(1)} MB/s`;
}

/** `45s`, `12m`, `3h05m`, `2d04h` (seconds only in the first minute, so the table rarely changes). */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "—";
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  const d = Math.floor(h / 24);
  return `${d}d${String(h % 24).padStart(2, "0")}h`;
}

export function formatPercent(p: number | null | undefined, digits = 0): string {
  if (p == null || !Number.isFinite(p)) return "—";
  return `${p.toFixed(digits)}%`;
}

/** `14:03:22` local time of an epoch-ms timestamp. */
export function formatClock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** `2d 04h`, `7h 12m`, `12m`, `40s`: a countdown that reads at a glance (two units at most). */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  const d = Math.floor(h / 24);
  return `${d}d ${String(h % 24).padStart(2, "0")}h`;
}

/**
 * How late something would be, in formatCountdown's shape but rounded up at the unit shown: a
 * proof 2m40s past the gap's close is "3m" late, never "2m" (or "0s" for half a second): a
 * lateness is not understated. One wording for the planner's reason and the finding's title.
 */
export function formatLateness(ms: number): string {
  const unit = ms <= 60_000 ? 1000 : ms <= 24 * 3_600_000 ? 60_000 : 3_600_000;
  return formatCountdown(Math.max(unit, Math.ceil(ms / unit) * unit));
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `14:03:22` today, `Nov 28 14:03` on another day (local time): a time is never read as today's by mistake. */
export function formatWhen(at: number, now: number): string {
  const d = new Date(at);
  const n = new Date(now);
  if (d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate()) return formatClock(at);
  const hm = [d.getHours(), d.getMinutes()].map((x) => String(x).padStart(2, "0")).join(":");
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${hm}`;
}
