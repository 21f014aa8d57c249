// The supervisor's state file (<stateDir>/state.json): what a later daemon needs to re-adopt live
// services instead of starting duplicates. Written atomically.
import { promises as fs } from "node:fs";
import * as z from "zod";
import { replaceFile, replaceFileSync } from "../fs/atomic-file.js";

export const ServiceRecordSchema = z.object({
  pid: z.number().int().nullable(),
  startTime: z.string().nullable(), // /proc/<pid>/stat field 22
  startedAt: z.number().nullable(), // epoch ms
  argv: z.array(z.string()),
  restarts: z.number().int(),
  operatorAddress: z.string().nullable(),
  wanted: z.boolean(), // last asked state: running (true) or stopped (false)
});
export type ServiceRecord = z.infer<typeof ServiceRecordSchema>;

export const StateFileSchema = z.object({
  version: z.literal(1),
  savedAt: z.number(),
  services: z.record(z.string(), ServiceRecordSchema),
});
export type StateFile = z.infer<typeof StateFileSchema>;

export function emptyState(): StateFile {
  return { version: 1, savedAt: 0, services: {} };
}

/** Reads the state file; a missing or unreadable file gives an empty state and a warning. */
export async function loadStateFile(file: string): Promise<{ state: StateFile; warning: string | null }> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { state: emptyState(), warning: null };
    return { state: emptyState(), warning: `cannot read ${file}: ${(err as Error).message}` };
  }
  try {
    return { state: StateFileSchema.parse(JSON.parse(text)), warning: null };
  } catch {
    return { state: emptyState(), warning: `${file} is not a valid postdeck state file; starting with no adopted services` };
  }
}

export async function saveStateFile(file: string, state: StateFile): Promise<void> {
  await replaceFile(file, JSON.stringify(state, null, 2) + "\n", 0o600);
}

export function saveStateFileSync(file: string, state: StateFile): void {
  replaceFileSync(file, JSON.stringify(state, null, 2) + "\n", 0o600);
}
