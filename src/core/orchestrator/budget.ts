// The limits the orchestrator works within: provers per physical disk, provers at once, and RAM.
// A post-service holds RandomX's dataset only while it proves: about 2080 MiB in fast mode, about
// 256 MiB in light mode (post-service's own help text); idle it needs little.
import type { ProvingConfig } from "../../config/schema.js";

export type ProvingMode = "always" | "on-demand";

export const MIB = 1024 * 1024;
export const RANDOMX_FAST_BYTES = 2080 * MIB;
export const RANDOMX_LIGHT_BYTES = 256 * MIB;

export function provingMemoryBytes(mode: "fast" | "light"): number {
  return mode === "fast" ? RANDOMX_FAST_BYTES : RANDOMX_LIGHT_BYTES;
}

export interface Budget {
  mode: ProvingMode;
  perDisk: number;
  /** Provers at once over all disks; null = no limit beyond disks and RAM. */
  maxConcurrent: number | null;
  /** RAM the provers may hold together; null = not checked. */
  memoryBytes: number | null;
  /** For people: where memoryBytes came from ("48GiB (config)", "75 % of 62.8 GiB (auto)"). */
  memorySource: string;
}

export const DEFAULT_PROVING: ProvingConfig = { mode: "always", perDisk: 1, maxConcurrent: "auto", memoryBudget: "auto", disks: {} };

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: MIB, GiB: 1024 * MIB, TiB: 1024 * 1024 * MIB };

/** "48GiB" → bytes; null for "auto" or a malformed size (the config schema refuses those). */
export function parseSize(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB)$/.exec(s.trim());
  return m ? Math.round(Number(m[1]) * UNITS[m[2]!]!) : null;
}

/** auto: three quarters of the machine's RAM (the node, the OS and the page cache need the rest). */
export const AUTO_MEMORY_SHARE = 0.75;

export function resolveBudget(p: ProvingConfig | undefined, totalMemoryBytes: number | null): Budget {
  const c = p ?? DEFAULT_PROVING;
  const configured = c.memoryBudget === "auto" ? null : parseSize(c.memoryBudget);
  const memoryBytes = configured ?? (totalMemoryBytes ? Math.floor(totalMemoryBytes * AUTO_MEMORY_SHARE) : null);
  const memorySource =
    configured !== null
      ? `${c.memoryBudget} (config)`
      : totalMemoryBytes
        ? `75 % of ${(totalMemoryBytes / (1024 * MIB)).toFixed(1)} GiB (auto)`
        : "unknown (no memory sample yet)";
  return { mode: c.mode, perDisk: c.perDisk, maxConcurrent: c.maxConcurrent === "auto" ? null : c.maxConcurrent, memoryBytes, memorySource };
}
